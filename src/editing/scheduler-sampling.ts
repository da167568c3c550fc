/**
 * Sampling with any registered diffusers scheduler (src/solvers/registry.ts) for
 * several branches at once: each branch has its own scheduler state (multistep history) and its
 * own generator seeded identically, so branch 0 regenerates a generation bit for bit while the
 * other branches follow edited conditioning — prompt-to-prompt's original setting.
 */
import { createSchedulerFromConfig, requireTimeShift, specOf, timeShiftSchema, timeShiftTarget, TIME_SHIFT_SOLVER_IDS, type SchedulerConfig, type TimeShiftOptions } from '../solvers/index.js';
import { parseOptions } from './options.js';
import { Random } from '../util/random.js';
import type { BranchPredict } from '../inversion/types.js';
import { ConfigError } from '../errors.js';

/** Options of a scheduler run. */
export interface SchedulerSamplingOptions {
  /** Resolved scheduler config; its prediction type must match the predictor's plan. */
  readonly scheduler: SchedulerConfig;
  readonly steps: number;
  /** Initial latent (unit-variance noise; scaled by the scheduler's init_noise_sigma here). */
  readonly start: Float32Array;
  readonly branches: number;
  /** Per-branch initial latents (branch b starts from starts[b]; default: every branch from `start`). */
  readonly starts?: readonly Float32Array[];
  /** Seed of the per-step noise of stochastic schedulers (DDPM, LCM, SDE-DPM-Solver++, DDIM with η > 0). */
  readonly seed: number;
  /** DDIM η (default 0). */
  readonly eta?: number;
  /**
   * Time-shift sampling (Li et al. 2024, src/solvers/time-shift.ts): before each step the sample's
   * variance picks the timestep near the nominal next one whose noise level matches, above the
   * cutoff. Absent or window 0: plain sampling. The solvers that take it: TIME_SHIFT_SOLVER_IDS.
   * Branches share the source branch's (0) choice, so edited branches stay on its timesteps.
   */
  readonly timeShift?: TimeShiftOptions;
  /** Called after every step with the branches' latents (may modify them in place, e.g. local blend). */
  readonly onStepEnd?: (step: number, latents: Float32Array[]) => void | Promise<void>;
}

/** Runs the scheduler; returns the final latent of every branch. */
export async function sampleWithScheduler(predict: BranchPredict, o: SchedulerSamplingOptions): Promise<Float32Array[]> {
  // The predictor returns ε already converted from the model's prediction type: step with ε.
  const config = { ...o.scheduler, predictionType: 'epsilon' } as SchedulerConfig;
  const schedulers = Array.from({ length: o.branches }, () => {
    const s = createSchedulerFromConfig(config);
    s.setTimesteps(o.steps);
    return s;
  });
  const first = schedulers[0];
  if (!first) throw new ConfigError('CONFIG_INVALID', 'branches', 'sampling needs at least one branch (the source), got none', 'Pass the source branch first, then the targets.');
  const shift = o.timeShift === undefined ? undefined : parseOptions(timeShiftSchema, o.timeShift, 'timeShift');
  const shifting = shift !== undefined && shift.window > 0;
  if (shifting) requireTimeShift(specOf(config), TIME_SHIFT_SOLVER_IDS);
  const generators = Array.from({ length: o.branches }, () => new Random(o.seed, 0x5eed));
  let x = Array.from({ length: o.branches }, (_, b) => (o.starts?.[b] ?? o.start).map((v) => v * first.initNoiseSigma));
  // From the solver spec: DDPM, LCM, SDE-DPM-Solver++, DDIM with η > 0 draw noise each step.
  const stochastic = first.isStochastic(o.eta === undefined ? {} : { eta: o.eta });
  const nominal = [...first.timesteps];
  let shifted = false;
  for (let step = 0; step < nominal.length; step++) {
    // The plan's timestep: nominal, or the one the previous step shifted to.
    const t = first.timesteps[step] as number;
    const input = x.map((z, b) => (schedulers[b] ?? first).scaleModelInput(z, t));
    const pred = await predict(input, t, step);
    const nextTimestep = shifting ? shiftedNext(step, nominal, first.schedule.alphasCumprod, x[0] as Float32Array, shift, shifted) : undefined;
    if (nextTimestep !== undefined) shifted = true;
    x = x.map((z, b) => {
      const s = schedulers[b] ?? first;
      const eps = (pred[b] ?? pred[0])?.eps as Float32Array;
      return s.step(eps, t, z, { ...(o.eta ? { eta: o.eta } : {}), ...(stochastic ? { generator: generators[b] as Random } : {}), ...(nextTimestep !== undefined ? { nextTimestep } : {}) }).prevSample;
    });
    await o.onStepEnd?.(step, x);
  }
  return x;
}

/**
 * The target handed to the step under time shift: undefined until the first real shift (so a run
 * that never shifts is plain sampling, bit for bit); after it, the shifted timestep, or the nominal
 * next one (−1 at the final step) so that every solver (DDIM included) ends where the plan says.
 */
function shiftedNext(step: number, nominal: readonly number[], alphasCumprod: Float64Array, sample: Float32Array, options: TimeShiftOptions, shifted: boolean): number | undefined {
  const target = timeShiftTarget({ step, timesteps: nominal, alphasCumprod, sample, options });
  const plain = nominal[step + 1] ?? -1;
  if (target !== null && target !== plain) return target;
  return shifted ? (target ?? plain) : undefined;
}
