/**
 * Config resolution, derived from the registry: a raw diffusers `scheduler_config.json` plus a
 * class name → the complete config of that class (shared keys with the class's defaults, then
 * the class's own keys from its spec), the noise schedule it implies, and `set_timesteps`.
 * Unsupported values fail with a SCHEDULER_INVALID error naming the key and the value.
 */
import { invalid, parseSchedulerConfig, pick, show, type CommonConfig, type SchedulerConfigInput, type TimestepSpacing } from './config.js';
import { SCHEDULER_CLASSES, SOLVER_IDS, specForClass, type AnySolverSpec, type SchedulerConfig } from './registry.js';
import { alphasCumprodFromBetas, betasFromConfig, type NoiseSchedule } from './schedule.js';
import type { TimestepPlan } from './spec.js';

/** Flags Reprise reproduces nowhere (true is refused). */
const NEVER = ['thresholding', 'use_exponential_sigmas', 'use_beta_sigmas', 'use_lu_lambdas', 'use_flow_sigmas', 'use_dynamic_shifting'] as const;

function rejectTrue(raw: SchedulerConfigInput, keys: readonly string[], className: string, why: string): void {
  for (const key of keys) {
    if ((raw as Record<string, unknown>)[key] === true) {
      throw invalid(`scheduler config: "${key}" = true is not supported by ${className} (${why})`, `Set "${key}" to false, or use a scheduler that has it.`);
    }
  }
}

/** The spec of a class, or a SCHEDULER_INVALID error naming the class and the choices. */
export function requireSpec(className: string): AnySolverSpec {
  const spec = specForClass(className);
  if (spec === undefined) {
    throw invalid(
      `scheduler class "${className}" is not supported (supported: ${SCHEDULER_CLASSES.join(', ')})`,
      `Pass a supported class name, or --scheduler ${SOLVER_IDS.join('|')}; diffusers configs of SD-family models are compatible with all of them.`,
    );
  }
  return spec;
}

function resolveCommon(input: SchedulerConfigInput, spec: AnySolverSpec): CommonConfig {
  const d = spec.defaults;
  const name = spec.className;
  rejectTrue(input, NEVER, name, 'Reprise does not reproduce it');
  if (!spec.supports.karras) rejectTrue(input, ['use_karras_sigmas'], name, 'the class has no Karras σ; diffusers would ignore it');
  if (!spec.supports.zeroSnr) rejectTrue(input, ['rescale_betas_zero_snr'], name, 'the class has no zero-SNR rescale; diffusers would ignore it');
  const numTrainTimesteps = input.num_train_timesteps ?? 1000;
  const trainedBetas = input.trained_betas ?? null;
  if (trainedBetas !== null && trainedBetas.length !== numTrainTimesteps) {
    throw invalid(`scheduler config: "trained_betas" has ${trainedBetas.length} entries but num_train_timesteps is ${numTrainTimesteps}`);
  }
  const spacings = spec.supports.spacings;
  // A class without `timestep_spacing` always spaces linearly and ignores the key, as diffusers does.
  const timestepSpacing: TimestepSpacing = spacings === null ? 'linspace' : pick('timestep_spacing', input.timestep_spacing, d.timestepSpacing, spacings);
  const predictionType = pick('prediction_type', input.prediction_type, 'epsilon', ['epsilon', 'v_prediction', 'sample']);
  if (!spec.supports.predictionTypes.includes(predictionType)) {
    throw invalid(
      `scheduler config: "prediction_type" = ${show(predictionType)} is not supported by ${name} (supported: ${spec.supports.predictionTypes.join(', ')}; diffusers refuses it too)`,
      'Use another scheduler for this model.',
    );
  }
  return {
    className: name,
    numTrainTimesteps,
    betaStart: input.beta_start ?? d.betaStart,
    betaEnd: input.beta_end ?? d.betaEnd,
    betaSchedule: pick('beta_schedule', input.beta_schedule, d.betaSchedule, ['linear', 'scaled_linear', 'squaredcos_cap_v2']),
    trainedBetas,
    predictionType,
    timestepSpacing,
    stepsOffset: spacings === null ? 0 : (input.steps_offset ?? d.stepsOffset ?? 0),
    rescaleBetasZeroSnr: spec.supports.zeroSnr ? (input.rescale_betas_zero_snr ?? false) : false,
  };
}

/** The class keys of `raw` parsed by the spec's zod schema; errors name the key and the value. */
function parseClassKeys(spec: AnySolverSpec, raw: unknown): unknown {
  const result = spec.keys.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    let value: unknown = raw;
    for (const p of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[p as PropertyKey];
    return `"${issue.path.join('.')}" = ${show(value)}: ${issue.message}`;
  });
  throw invalid(`scheduler config is invalid for ${spec.className}: ${problems.join('; ')}`, 'Fix the listed keys in scheduler_config.json.');
}

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
  const spec = requireSpec(name);
  const common = resolveCommon(input, spec);
  return spec.resolve(parseClassKeys(spec, raw), common) as SchedulerConfig;
}

/** The spec of a resolved config. */
export function specOf(config: SchedulerConfig): AnySolverSpec {
  return requireSpec(config.className);
}

/** Builds the noise schedule a diffusers scheduler of this config's class holds after construction. */
export function createNoiseSchedule(config: SchedulerConfig): NoiseSchedule {
  const spec = specOf(config);
  const betas = betasFromConfig(config);
  const alphasCumprod = alphasCumprodFromBetas(betas);
  if (config.rescaleBetasZeroSnr && spec.clampsTerminalAlpha) alphasCumprod[alphasCumprod.length - 1] = 2 ** -24;
  const finalAlphaCumprod = spec.finalAlphaCumprod?.(config, alphasCumprod) ?? 1;
  return { numTrainTimesteps: config.numTrainTimesteps, betas, alphasCumprod, finalAlphaCumprod };
}

/**
 * Reproduces `scheduler.set_timesteps(steps)` of the config's diffusers class.
 *
 * @param schedule the class's noise schedule (built from `config` when omitted).
 * @throws RepriseError `SCHEDULER_INVALID` for step counts diffusers rejects.
 */
export function setTimesteps(config: SchedulerConfig, steps: number, schedule: NoiseSchedule = createNoiseSchedule(config)): TimestepPlan {
  const spec = specOf(config);
  const min = spec.minSteps?.(config) ?? 1;
  if (Number.isInteger(steps) && steps >= 1 && steps < min) {
    throw invalid(`${config.className} with this config needs at least ${min} inference steps, got ${steps}`, `Use ${min} or more steps.`);
  }
  return spec.plan(config, steps, schedule);
}
