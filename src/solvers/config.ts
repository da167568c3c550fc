/**
 * diffusers `scheduler_config.json` parsing: a zod schema for the raw file (unknown keys pass
 * through), and resolution into a complete, validated config for one scheduler class, with that
 * class's own diffusers defaults filled in. Unsupported values fail with a SCHEDULER_INVALID
 * error that names the key and the value.
 */
import { z } from 'zod';
import { RepriseError } from '../errors.js';

/** The diffusers scheduler classes Reprise reproduces. */
export const SCHEDULER_CLASSES = [
  'DDIMScheduler',
  'DDIMInverseScheduler',
  'DDPMScheduler',
  'DPMSolverMultistepScheduler',
  'EulerDiscreteScheduler',
  'LCMScheduler',
] as const;

/** Name of a supported diffusers scheduler class. */
export type SchedulerClassName = (typeof SCHEDULER_CLASSES)[number];

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export type DdpmVarianceType = 'fixed_small' | 'fixed_small_log' | 'fixed_large';
export type DpmAlgorithmType = 'dpmsolver++' | 'sde-dpmsolver++';
export type DpmSolverType = 'midpoint' | 'heun';
export type FinalSigmasType = 'zero' | 'sigma_min';

/** A number, including ±Infinity (diffusers writes `lambda_min_clipped: -Infinity`). */
const extendedNumber = z.union([z.number(), z.custom<number>((v) => v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY)], {
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

/** Fields every scheduler class has. */
interface CommonConfig {
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

/** DDIMScheduler: `setAlphaToOne` picks ā used after the last step (1, or ā_0). */
export interface DdimConfig extends CommonConfig {
  readonly className: 'DDIMScheduler';
  readonly setAlphaToOne: boolean;
  readonly clipSample: boolean;
  readonly clipSampleRange: number;
}

/** DDIMInverseScheduler: `setAlphaToOne` picks ā used before the first step (1, or ā_0). */
export interface DdimInverseConfig extends CommonConfig {
  readonly className: 'DDIMInverseScheduler';
  readonly setAlphaToOne: boolean;
  readonly clipSample: boolean;
  readonly clipSampleRange: number;
}

export interface DdpmConfig extends CommonConfig {
  readonly className: 'DDPMScheduler';
  readonly varianceType: DdpmVarianceType;
  readonly clipSample: boolean;
  readonly clipSampleRange: number;
}

export interface DpmSolverConfig extends CommonConfig {
  readonly className: 'DPMSolverMultistepScheduler';
  readonly solverOrder: 1 | 2 | 3;
  readonly algorithmType: DpmAlgorithmType;
  readonly solverType: DpmSolverType;
  readonly lowerOrderFinal: boolean;
  readonly eulerAtFinal: boolean;
  readonly finalSigmasType: FinalSigmasType;
  readonly lambdaMinClipped: number;
}

export interface EulerConfig extends CommonConfig {
  readonly className: 'EulerDiscreteScheduler';
  readonly finalSigmasType: FinalSigmasType;
}

export interface LcmConfig extends CommonConfig {
  readonly className: 'LCMScheduler';
  readonly setAlphaToOne: boolean;
  readonly clipSample: boolean;
  readonly clipSampleRange: number;
  readonly originalInferenceSteps: number;
  readonly timestepScaling: number;
}

/** A complete scheduler config for one class (discriminated by `className`). */
export type SchedulerConfig = DdimConfig | DdimInverseConfig | DdpmConfig | DpmSolverConfig | EulerConfig | LcmConfig;

function invalid(message: string, hint?: string): RepriseError {
  return new RepriseError('SCHEDULER_INVALID', message, hint === undefined ? undefined : { hint });
}

/** A config value for messages (JSON, but ±Infinity and NaN by name). */
function show(value: unknown): string {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value) ?? String(value);
}

function unsupportedValue(key: string, value: unknown, expected: string): RepriseError {
  return invalid(
    `scheduler config: "${key}" = ${show(value)} is not supported (supported: ${expected})`,
    `Edit scheduler_config.json or choose another scheduler class.`,
  );
}

function pick<T extends string>(key: string, value: string | null | undefined, fallback: T, allowed: readonly T[]): T {
  if (value === null || value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw unsupportedValue(key, value, allowed.map((a) => JSON.stringify(a)).join(', '));
}

function rejectTrue(raw: SchedulerConfigInput, keys: readonly string[], className: string): void {
  for (const key of keys) {
    if ((raw as Record<string, unknown>)[key] === true) {
      throw invalid(
        `scheduler config: "${key}" = true is not supported by Reprise's ${className}`,
        `Set "${key}" to false, or use a scheduler without it.`,
      );
    }
  }
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

/** True when `name` is a supported scheduler class name. */
export function isSchedulerClassName(name: string): name is SchedulerClassName {
  return (SCHEDULER_CLASSES as readonly string[]).includes(name);
}

interface ClassDefaults {
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  timestepSpacing: TimestepSpacing;
  clipSample: boolean;
}

const DEFAULTS: Readonly<Record<SchedulerClassName, ClassDefaults>> = {
  DDIMScheduler: { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', timestepSpacing: 'leading', clipSample: true },
  DDIMInverseScheduler: { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', timestepSpacing: 'leading', clipSample: true },
  DDPMScheduler: { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', timestepSpacing: 'leading', clipSample: true },
  DPMSolverMultistepScheduler: { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', timestepSpacing: 'linspace', clipSample: false },
  EulerDiscreteScheduler: { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', timestepSpacing: 'linspace', clipSample: false },
  LCMScheduler: { betaStart: 0.00085, betaEnd: 0.012, betaSchedule: 'scaled_linear', timestepSpacing: 'leading', clipSample: false },
};

/**
 * Resolves a raw diffusers scheduler config into a complete {@link SchedulerConfig} for
 * `className` (default: the config's `_class_name`), applying that class's diffusers defaults.
 *
 * @throws RepriseError `SCHEDULER_INVALID` naming the key and value for anything unsupported.
 */
export function resolveSchedulerConfig(raw: unknown, className?: string): SchedulerConfig {
  const input = parseSchedulerConfig(raw);
  const name = className ?? input._class_name;
  if (name === undefined) {
    throw invalid('scheduler config has no "_class_name" and no scheduler class was given', `Pass one of ${SCHEDULER_CLASSES.join(', ')}.`);
  }
  if (!isSchedulerClassName(name)) {
    throw invalid(
      `scheduler class "${name}" is not supported (supported: ${SCHEDULER_CLASSES.join(', ')})`,
      'Pass a supported class name explicitly; diffusers configs of SD-family models are compatible with all of them.',
    );
  }
  const d = DEFAULTS[name];
  rejectTrue(input, ['thresholding', 'use_karras_sigmas', 'use_exponential_sigmas', 'use_beta_sigmas', 'use_lu_lambdas', 'use_flow_sigmas', 'use_dynamic_shifting'], name);

  const numTrainTimesteps = input.num_train_timesteps ?? 1000;
  const trainedBetas = input.trained_betas ?? null;
  if (trainedBetas !== null && trainedBetas.length !== numTrainTimesteps) {
    throw invalid(`scheduler config: "trained_betas" has ${trainedBetas.length} entries but num_train_timesteps is ${numTrainTimesteps}`);
  }
  const spacings: readonly TimestepSpacing[] = name === 'DDIMInverseScheduler' ? ['leading', 'trailing'] : ['leading', 'trailing', 'linspace'];
  const common: CommonConfig = {
    numTrainTimesteps,
    betaStart: input.beta_start ?? d.betaStart,
    betaEnd: input.beta_end ?? d.betaEnd,
    betaSchedule: pick('beta_schedule', input.beta_schedule, d.betaSchedule, ['linear', 'scaled_linear', 'squaredcos_cap_v2']),
    trainedBetas,
    predictionType: pick('prediction_type', input.prediction_type, 'epsilon', ['epsilon', 'v_prediction', 'sample']),
    timestepSpacing: pick('timestep_spacing', input.timestep_spacing, d.timestepSpacing, spacings),
    stepsOffset: input.steps_offset ?? 0,
    rescaleBetasZeroSnr: input.rescale_betas_zero_snr ?? false,
  };
  const clipSample = input.clip_sample ?? d.clipSample;
  const clipSampleRange = input.clip_sample_range ?? 1.0;

  switch (name) {
    case 'DDIMScheduler':
      return { ...common, className: name, setAlphaToOne: input.set_alpha_to_one ?? true, clipSample, clipSampleRange };
    case 'DDIMInverseScheduler':
      // diffusers maps the deprecated `set_alpha_to_zero` onto `set_alpha_to_one`.
      return {
        ...common,
        className: name,
        setAlphaToOne: input.set_alpha_to_zero ?? input.set_alpha_to_one ?? true,
        clipSample,
        clipSampleRange,
      };
    case 'DDPMScheduler':
      return {
        ...common,
        className: name,
        varianceType: pick('variance_type', input.variance_type, 'fixed_small', ['fixed_small', 'fixed_small_log', 'fixed_large']),
        clipSample,
        clipSampleRange,
      };
    case 'DPMSolverMultistepScheduler':
      return resolveDpm(input, common);
    case 'EulerDiscreteScheduler':
      return resolveEuler(input, common);
    case 'LCMScheduler': {
      const originalInferenceSteps = input.original_inference_steps ?? 50;
      if (originalInferenceSteps > numTrainTimesteps) {
        throw unsupportedValue('original_inference_steps', originalInferenceSteps, `at most num_train_timesteps (${numTrainTimesteps})`);
      }
      return {
        ...common,
        className: name,
        setAlphaToOne: input.set_alpha_to_one ?? true,
        clipSample,
        clipSampleRange,
        originalInferenceSteps,
        timestepScaling: input.timestep_scaling ?? 10.0,
      };
    }
  }
}

function resolveDpm(input: SchedulerConfigInput, common: CommonConfig): DpmSolverConfig {
  const order = input.solver_order ?? 2;
  if (order !== 1 && order !== 2 && order !== 3) throw unsupportedValue('solver_order', order, '1, 2, 3');
  // diffusers maps "deis" onto "dpmsolver++" and the UniPC/DEIS solver types onto "midpoint".
  const rawAlgorithm = input.algorithm_type === 'deis' ? 'dpmsolver++' : input.algorithm_type;
  const algorithmType = pick<DpmAlgorithmType>('algorithm_type', rawAlgorithm, 'dpmsolver++', ['dpmsolver++', 'sde-dpmsolver++']);
  const rawSolver = input.solver_type !== null && input.solver_type !== undefined && ['logrho', 'bh1', 'bh2'].includes(input.solver_type) ? 'midpoint' : input.solver_type;
  const solverType = pick<DpmSolverType>('solver_type', rawSolver, 'midpoint', ['midpoint', 'heun']);
  if (input.variance_type !== null && input.variance_type !== undefined) {
    throw unsupportedValue('variance_type', input.variance_type, 'null (learned variances are not supported)');
  }
  return {
    ...common,
    className: 'DPMSolverMultistepScheduler',
    solverOrder: order,
    algorithmType,
    solverType,
    lowerOrderFinal: input.lower_order_final ?? true,
    eulerAtFinal: input.euler_at_final ?? false,
    finalSigmasType: pick<FinalSigmasType>('final_sigmas_type', input.final_sigmas_type, 'zero', ['zero', 'sigma_min']),
    lambdaMinClipped: input.lambda_min_clipped ?? Number.NEGATIVE_INFINITY,
  };
}

function resolveEuler(input: SchedulerConfigInput, common: CommonConfig): EulerConfig {
  pick('interpolation_type', input.interpolation_type, 'linear', ['linear']);
  const timestepType = pick('timestep_type', input.timestep_type, 'discrete', ['discrete', 'continuous']);
  if (timestepType === 'continuous' && common.predictionType === 'v_prediction') {
    throw unsupportedValue('timestep_type', timestepType, '"discrete" (continuous timesteps with v_prediction are not supported)');
  }
  return {
    ...common,
    className: 'EulerDiscreteScheduler',
    finalSigmasType: pick<FinalSigmasType>('final_sigmas_type', input.final_sigmas_type, 'zero', ['zero', 'sigma_min']),
  };
}
