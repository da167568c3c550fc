/**
 * A small stateful scheduler with diffusers' interface (`set_timesteps`, `timesteps`,
 * `init_noise_sigma`, `scale_model_input`, `step`), derived from the class's solver spec: the
 * spec places the timesteps, owns the per-run state and takes the step; this file keeps
 * diffusers' step-index bookkeeping, the σ-frame input scaling and the denoiser adapter.
 * It exists for the pipeline's sampling loops and the scheduler conformance runner; inversion
 * methods call the pure rules directly.
 *
 * Notation: t = current timestep, x = sample, modelOutput = raw UNet output of the config's
 * prediction_type (converted once by prediction.ts).
 */
import type { FloatArray } from './arrays.js';
import { invalid } from './config.js';
import { drawNoise } from './ddim.js';
import { eulerInitNoiseSigma, eulerScaleModelInput } from './euler.js';
import { noiseSource } from './families/noise.js';
import { clampSample, toDenoised, type Denoised, type NoiseLevel } from './prediction.js';
import type { SchedulerClassName, SchedulerConfig } from './registry.js';
import { createNoiseSchedule, resolveSchedulerConfig, setTimesteps as planTimesteps, specOf } from './resolve.js';
import type { NoiseSchedule } from './schedule.js';
import type { SchedulerStepOptions, SchedulerStepOutput, StepInput, TimestepPlan } from './spec.js';
import { requireTimeShift, shiftPlan } from './time-shift.js';
import { TIME_SHIFT_SOLVER_IDS } from './registry.js';

export type { SchedulerStepOptions, SchedulerStepOutput } from './spec.js';

/** A diffusers-like scheduler instance. */
export interface Scheduler {
  readonly className: SchedulerClassName;
  /** The registry id of its solver (`--scheduler` name). */
  readonly solver: string;
  readonly config: SchedulerConfig;
  readonly schedule: NoiseSchedule;
  /** The current plan (throws before `setTimesteps`). */
  readonly plan: TimestepPlan;
  readonly timesteps: readonly number[];
  /** Std of the initial noise: 1, or σ_max-based for σ-frame samplers. */
  readonly initNoiseSigma: number;
  /** Claimed order of convergence. */
  readonly order: number;
  /** Whether `step` draws noise with these step options (then a generator or tensor is needed). */
  isStochastic(options?: { readonly eta?: number }): boolean;
  setTimesteps(steps: number): void;
  /** The spec's per-run state (history, last corrected sample…), for fitting and inspection; do not modify. */
  readonly state: unknown;
  scaleModelInput<T extends FloatArray>(x: T, t: number): T;
  step<T extends FloatArray>(modelOutput: FloatArray, t: number, x: T, options?: SchedulerStepOptions): SchedulerStepOutput<T>;
}

/** Creates a scheduler from a raw diffusers scheduler config (class from `className` or `_class_name`). */
export function createScheduler(rawConfig: unknown, className?: string): Scheduler {
  return createSchedulerFromConfig(resolveSchedulerConfig(rawConfig, className));
}

/** Creates a scheduler from an already resolved config. */
export function createSchedulerFromConfig(config: SchedulerConfig): Scheduler {
  const spec = specOf(config);
  const schedule = createNoiseSchedule(config);
  let plan: TimestepPlan | undefined;
  let stepIndex: number | undefined;
  let state: unknown;

  const requirePlan = (): TimestepPlan => {
    if (plan === undefined) throw invalid('scheduler timesteps are not set', 'Call setTimesteps(steps) first.');
    return plan;
  };
  const sigmaAt = (i: number): number => {
    const s = requirePlan().sigmas?.[i];
    if (s === undefined) throw invalid(`scheduler has no sigma for step ${i}`);
    return s;
  };
  /** diffusers `_init_step_index`: the second match when a timestep repeats, else the first. */
  const currentIndex = (t: number): number => {
    if (stepIndex === undefined) {
      const ts = requirePlan().timesteps;
      const matches = ts.flatMap((v, i) => (v === t ? [i] : []));
      const index = matches.length > 1 ? matches[1] : matches[0];
      if (index === undefined) throw invalid(`timestep ${t} is not one of this scheduler's timesteps`);
      stepIndex = index;
    }
    return stepIndex;
  };
  const clip = 'clipSample' in config && config.clipSample ? config.clipSampleRange : null;
  const denoise = <U extends FloatArray>(modelOutput: FloatArray, x: U, level: NoiseLevel): Denoised<U> => {
    const d = toDenoised(config.predictionType, modelOutput, x, level);
    return clip === null ? d : { eps: d.eps, x0: clampSample(d.x0, clip) };
  };

  return {
    className: config.className,
    solver: spec.id,
    config,
    schedule,
    get plan() {
      return requirePlan();
    },
    get timesteps() {
      return requirePlan().timesteps;
    },
    get initNoiseSigma() {
      const p = requirePlan();
      return spec.sampleFrame === 've' && p.sigmas !== null ? eulerInitNoiseSigma(p.sigmas, config.timestepSpacing) : 1;
    },
    order: spec.order(config),
    isStochastic: (options = {}) => spec.stochastic(config, options),
    get state() {
      return state;
    },
    setTimesteps(steps: number) {
      plan = planTimesteps(config, steps, schedule);
      stepIndex = undefined;
      state = spec.createState(config, plan);
    },
    scaleModelInput<T extends FloatArray>(x: T, t: number): T {
      if (spec.sampleFrame !== 've') return x;
      return eulerScaleModelInput(x, sigmaAt(currentIndex(t)));
    },
    step<T extends FloatArray>(modelOutput: FloatArray, t: number, x: T, options: SchedulerStepOptions = {}): SchedulerStepOutput<T> {
      let indexed = false;
      if (options.nextTimestep !== undefined) {
        // Time shift: the target replaces the plan's next timestep for this and later steps.
        requireTimeShift(spec, TIME_SHIFT_SOLVER_IDS);
        const i = currentIndex(t);
        if (options.nextTimestep >= 0) plan = shiftPlan(requirePlan(), i + 1, options.nextTimestep, schedule);
        indexed = true;
      }
      const p = requirePlan();
      const input: StepInput<typeof config, T> = {
        config,
        schedule,
        plan: p,
        t,
        modelOutput,
        sample: x,
        options,
        index: () => {
          indexed = true;
          return currentIndex(t);
        },
        sigma: sigmaAt,
        noise: (size) => drawNoise(noiseSource(options), size),
        denoise,
      };
      const out = spec.step(input, state);
      if (indexed) stepIndex = currentIndex(t) + 1;
      return out;
    },
  };
}
