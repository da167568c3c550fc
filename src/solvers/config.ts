/**
 * diffusers `scheduler_config.json` parsing: a zod schema for the raw file (unknown keys pass
 * through) and the helpers the solver specs resolve their own keys with. Resolution into one
 * class's complete config is resolve.ts (shared keys) plus that class's spec (its own keys).
 * Unsupported values fail with a SCHEDULER_INVALID error that names the key and the value.
 */
import { z } from 'zod';
import { RepriseError } from '../errors.js';

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export type FinalSigmasType = 'zero' | 'sigma_min';
export type DdpmVarianceType = 'fixed_small' | 'fixed_small_log' | 'fixed_large';
export type DpmSolverType = 'midpoint' | 'heun';

/** A number, including ±Infinity (diffusers writes `lambda_min_clipped: -Infinity`). */
export const extendedNumber = z.union([z.number(), z.custom<number>((v) => v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY)], {
  error: 'expected a number',
});
const nullishNumber = extendedNumber.nullish();
const nullishBool = z.boolean().nullish();
const nullishInt = z.number().int().nullish();

/**
 * Schema of a diffusers `scheduler_config.json` (or the `config` of a scheduler fixture run).
 * Every key is optional (diffusers fills class defaults); unknown keys are kept. Values no
 * scheduler accepts fail here; values that only some classes support (or that Reprise does not
 * reproduce) fail in {@link resolveSchedulerConfig}, with the key and value named.
 */
export const schedulerConfigSchema = z.looseObject({
  _class_name: z.string().optional(),
  num_train_timesteps: z.number().int().positive().nullish(),
  beta_start: nullishNumber,
  beta_end: nullishNumber,
  beta_schedule: z.enum(['linear', 'scaled_linear', 'squaredcos_cap_v2']).nullish(),
  trained_betas: z.array(z.number()).nullish(),
  prediction_type: z.enum(['epsilon', 'v_prediction', 'sample']).nullish(),
  timestep_spacing: z.enum(['leading', 'trailing', 'linspace']).nullish(),
  steps_offset: z.number().int().nonnegative().nullish(),
  set_alpha_to_one: nullishBool,
  set_alpha_to_zero: nullishBool,
  clip_sample: nullishBool,
  clip_sample_range: nullishNumber,
  thresholding: nullishBool,
  rescale_betas_zero_snr: nullishBool,
  variance_type: z.string().nullish(),
  // DPMSolverMultistepScheduler
  solver_order: nullishInt,
  algorithm_type: z.string().nullish(),
  solver_type: z.string().nullish(),
  lower_order_final: nullishBool,
  euler_at_final: nullishBool,
  final_sigmas_type: z.string().nullish(),
  lambda_min_clipped: nullishNumber,
  use_karras_sigmas: nullishBool,
  use_exponential_sigmas: nullishBool,
  use_beta_sigmas: nullishBool,
  use_lu_lambdas: nullishBool,
  use_flow_sigmas: nullishBool,
  use_dynamic_shifting: nullishBool,
  // EulerDiscreteScheduler
  interpolation_type: z.string().nullish(),
  timestep_type: z.string().nullish(),
  sigma_min: nullishNumber,
  sigma_max: nullishNumber,
  // LCMScheduler
  original_inference_steps: z.number().int().positive().nullish(),
  timestep_scaling: nullishNumber,
});

/** A parsed (not yet resolved) scheduler config. */
export type SchedulerConfigInput = z.infer<typeof schedulerConfigSchema>;

/** Fields every scheduler class has (resolved by resolve.ts; the class keys come from its spec). */
export interface CommonConfig {
  readonly className: string;
  readonly numTrainTimesteps: number;
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly betaSchedule: BetaSchedule;
  readonly trainedBetas: readonly number[] | null;
  readonly predictionType: PredictionType;
  readonly timestepSpacing: TimestepSpacing;
  readonly stepsOffset: number;
  readonly rescaleBetasZeroSnr: boolean;
}

export function invalid(message: string, hint?: string): RepriseError {
  return new RepriseError('SCHEDULER_INVALID', message, hint === undefined ? undefined : { hint });
}

/** A config value for messages (JSON, but ±Infinity and NaN by name). */
export function show(value: unknown): string {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value) ?? String(value);
}

export function unsupportedValue(key: string, value: unknown, expected: string): RepriseError {
  return invalid(
    `scheduler config: "${key}" = ${show(value)} is not supported (supported: ${expected})`,
    `Edit scheduler_config.json or choose another scheduler class.`,
  );
}

export function pick<T extends string>(key: string, value: string | null | undefined, fallback: T, allowed: readonly T[]): T {
  if (value === null || value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw unsupportedValue(key, value, allowed.map((a) => JSON.stringify(a)).join(', '));
}

/** Parses raw JSON (already decoded) with {@link schedulerConfigSchema}; errors name the key. */
export function parseSchedulerConfig(raw: unknown): SchedulerConfigInput {
  const result = schedulerConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.');
    let value: unknown = raw;
    for (const p of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[p as PropertyKey];
    return `"${key}" = ${show(value)}: ${issue.message}`;
  });
  throw invalid(`scheduler config is invalid: ${problems.join('; ')}`, 'Fix the listed keys in scheduler_config.json.');
}

/** An optional diffusers key (absent or null: `fallback`). */
export function opt<T extends z.ZodType>(schema: T, fallback: z.output<T>) {
  return schema.nullish().transform((v) => (v ?? fallback) as z.output<T>);
}
