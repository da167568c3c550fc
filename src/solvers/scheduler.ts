/**
 * A small stateful scheduler with diffusers' interface (`set_timesteps`, `timesteps`,
 * `init_noise_sigma`, `scale_model_input`, `step`) that dispatches to the pure update rules of
 * this folder. It exists for the pipeline's sampling loops and the scheduler conformance runner;
 * inversion methods call the pure rules directly.
 *
 * Paper: see the rule files (ddim.ts, ddim-inverse.ts, ddpm.ts, dpm-solver.ts, euler.ts, lcm.ts).
 * Notation: t = current timestep, x = sample, modelOutput = raw UNet output of the config's
 * prediction_type (converted once by prediction.ts).
 */
import { RepriseError } from '../errors.js';
import type { Random } from '../util/random.js';
import type { FloatArray } from './arrays.js';
import { resolveSchedulerConfig, type SchedulerClassName, type SchedulerConfig } from './config.js';
import { ddimStep, drawNoise, type DdimNoise } from './ddim.js';
import { ddimInverseLevels, ddimInverseStep } from './ddim-inverse.js';
import { ddpmPosterior, posteriorStep } from './ddpm.js';
import { dpmSolverOrderAt, dpmSolverPlusPlusUpdate } from './dpm-solver.js';
import { eulerInitNoiseSigma, eulerModelLevel, eulerScaleModelInput, eulerStep } from './euler.js';
import { lcmBoundaryScalings, lcmStep } from './lcm.js';
import { clampSample, epsFromX0, noiseLevelFromAlphaBar, noiseLevelFromSigma, toDenoised, type Denoised, type NoiseLevel } from './prediction.js';
import { alphaBarAt, createNoiseSchedule, type NoiseSchedule } from './schedule.js';
import { setTimesteps as planTimesteps, type TimestepPlan } from './timesteps.js';

/** Per-step options, as diffusers' `step` keyword arguments. */
export interface SchedulerStepOptions {
  /** DDIM η (default 0). */
  readonly eta?: number;
  /** The step's noise tensor (DDIM with η > 0, DDPM, LCM, SDE-DPM-Solver++). Exclusive with `generator`. */
  readonly varianceNoise?: FloatArray;
  /** Seeded generator for the step's noise when no tensor is given. */
  readonly generator?: Random;
  /** DDIM: re-derive ε̂ from the clipped x̂0 (diffusers `use_clipped_model_output`). */
  readonly useClippedModelOutput?: boolean;
}

/** Result of `step`: the next sample and the x̂0 estimate used (LCM: its denoised output). */
export interface SchedulerStepOutput<T extends FloatArray> {
  readonly prevSample: T;
  readonly x0: T;
}

/** A diffusers-like scheduler instance. */
export interface Scheduler {
  readonly className: SchedulerClassName;
  readonly config: SchedulerConfig;
  readonly schedule: NoiseSchedule;
  /** The current plan (throws before `setTimesteps`). */
  readonly plan: TimestepPlan;
  readonly timesteps: readonly number[];
  /** Std of the initial noise: 1, or Euler's σ-based value. */
  readonly initNoiseSigma: number;
  setTimesteps(steps: number): void;
  scaleModelInput<T extends FloatArray>(x: T, t: number): T;
  step<T extends FloatArray>(modelOutput: FloatArray, t: number, x: T, options?: SchedulerStepOptions): SchedulerStepOutput<T>;
}

function invalid(message: string, hint?: string): RepriseError {
  return new RepriseError('SCHEDULER_INVALID', message, hint === undefined ? undefined : { hint });
}

function noiseSource(options: SchedulerStepOptions): DdimNoise {
  if (options.varianceNoise !== undefined && options.generator !== undefined) {
    throw invalid('pass either varianceNoise or generator to step(), not both');
  }
  if (options.varianceNoise !== undefined) return { kind: 'given', noise: options.varianceNoise };
  if (options.generator !== undefined) return { kind: 'random', generator: options.generator };
  return { kind: 'none' };
}

/** Creates a scheduler from a raw diffusers scheduler config (class from `className` or `_class_name`). */
export function createScheduler(rawConfig: unknown, className?: string): Scheduler {
  return createSchedulerFromConfig(resolveSchedulerConfig(rawConfig, className));
}

/** Creates a scheduler from an already resolved config. */
export function createSchedulerFromConfig(config: SchedulerConfig): Scheduler {
  const schedule = createNoiseSchedule(config);
  let plan: TimestepPlan | undefined;
  let stepIndex: number | undefined;
  let x0History: FloatArray[] = [];
  let lowerOrderNums = 0;

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
  const denoise = <T extends FloatArray>(modelOutput: FloatArray, x: T, level: NoiseLevel): Denoised<T> => {
    const d = toDenoised(config.predictionType, modelOutput, x, level);
    if ('clipSample' in config && config.clipSample) return { eps: d.eps, x0: clampSample(d.x0, config.clipSampleRange) };
    return d;
  };

  const scheduler: Scheduler = {
    className: config.className,
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
      return config.className === 'EulerDiscreteScheduler' && p.sigmas !== null ? eulerInitNoiseSigma(p.sigmas, config.timestepSpacing) : 1;
    },
    setTimesteps(steps: number) {
      plan = planTimesteps(config, steps, schedule);
      stepIndex = undefined;
      x0History = [];
      lowerOrderNums = 0;
    },
    scaleModelInput<T extends FloatArray>(x: T, t: number): T {
      if (config.className !== 'EulerDiscreteScheduler') return x;
      return eulerScaleModelInput(x, sigmaAt(currentIndex(t)));
    },
    step<T extends FloatArray>(modelOutput: FloatArray, t: number, x: T, options: SchedulerStepOptions = {}): SchedulerStepOutput<T> {
      const p = requirePlan();
      const numSteps = p.timesteps.length;
      const n = config.numTrainTimesteps;
      switch (config.className) {
        case 'DDIMScheduler': {
          const prevT = t - Math.floor(n / p.steps);
          const alphaBar = alphaBarAt(schedule, t);
          const alphaBarPrev = alphaBarAt(schedule, prevT);
          const level = noiseLevelFromAlphaBar(alphaBar);
          let d = denoise(modelOutput, x, level);
          if (options.useClippedModelOutput === true) d = { eps: epsFromX0(x, d.x0, level), x0: d.x0 };
          return ddimStep({ denoised: d, alphaBar, alphaBarPrev, eta: options.eta ?? 0, noise: noiseSource(options) });
        }
        case 'DDIMInverseScheduler': {
          const levels = ddimInverseLevels(schedule, t, p.steps);
          const d = denoise(modelOutput, x, noiseLevelFromAlphaBar(levels.alphaBarFrom));
          return ddimInverseStep(d, levels.alphaBarTo);
        }
        case 'DDPMScheduler': {
          const index = p.timesteps.indexOf(t);
          if (index < 0) throw invalid(`timestep ${t} is not one of this scheduler's timesteps`);
          const prevT = index === numSteps - 1 ? -1 : p.timesteps[index + 1]!;
          const alphaBar = alphaBarAt(schedule, t);
          const alphaBarPrev = alphaBarAt(schedule, prevT, 1);
          const d = denoise(modelOutput, x, noiseLevelFromAlphaBar(alphaBar));
          const posterior = ddpmPosterior({ x0: d.x0, sample: x, alphaBar, alphaBarPrev, varianceType: config.varianceType, isFinalStep: t <= 0 });
          const noise = posterior.noiseScale === 0 ? undefined : drawNoise(noiseSource(options), x.length);
          return { prevSample: posteriorStep(posterior, noise), x0: d.x0 };
        }
        case 'DPMSolverMultistepScheduler': {
          const i = currentIndex(t);
          const levels: NoiseLevel[] = [];
          for (let k = Math.max(0, i - 2); k <= i + 1; k++) levels.push(noiseLevelFromSigma(sigmaAt(k)));
          const x0 = denoise(modelOutput, x, noiseLevelFromSigma(sigmaAt(i))).x0;
          x0History = [...x0History, x0].slice(-config.solverOrder);
          const order = dpmSolverOrderAt({
            stepIndex: i,
            numSteps,
            solverOrder: config.solverOrder,
            lowerOrderNums,
            lowerOrderFinal: config.lowerOrderFinal,
            eulerAtFinal: config.eulerAtFinal,
            finalSigmaZero: config.finalSigmasType === 'zero',
          });
          const sdeNoise = config.algorithmType === 'sde-dpmsolver++' ? drawNoise(noiseSource(options), x.length) : undefined;
          const prevSample = dpmSolverPlusPlusUpdate({ sample: x, x0History, levels, order, solverType: config.solverType, ...(sdeNoise ? { sdeNoise } : {}) });
          if (lowerOrderNums < config.solverOrder) lowerOrderNums++;
          stepIndex = i + 1;
          return { prevSample, x0: x0 as T };
        }
        case 'EulerDiscreteScheduler': {
          const i = currentIndex(t);
          const sigma = sigmaAt(i);
          const modelInput = eulerScaleModelInput(x, sigma);
          const x0 = denoise(modelOutput, modelInput, eulerModelLevel(sigma)).x0;
          stepIndex = i + 1;
          return eulerStep({ sample: x, x0, sigma, sigmaNext: sigmaAt(i + 1) });
        }
        case 'LCMScheduler': {
          const i = currentIndex(t);
          const prevT = i + 1 < numSteps ? p.timesteps[i + 1]! : t;
          const alphaBar = alphaBarAt(schedule, t);
          const alphaBarPrev = alphaBarAt(schedule, prevT);
          const d = denoise(modelOutput, x, noiseLevelFromAlphaBar(alphaBar));
          const result = lcmStep({
            sample: x,
            x0: d.x0,
            scalings: lcmBoundaryScalings(t, config.timestepScaling),
            alphaBarPrev,
            isFinalStep: i === numSteps - 1,
            noise: noiseSource(options),
          });
          stepIndex = i + 1;
          return { prevSample: result.prevSample, x0: result.denoised };
        }
      }
    },
  };
  return scheduler;
}
