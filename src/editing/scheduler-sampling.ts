/**
 * Sampling with any registered diffusers scheduler (src/solvers/registry.ts) for
 * several branches at once: each branch has its own scheduler state (multistep history) and its
 * own generator seeded identically, so branch 0 regenerates a generation bit for bit while the
 * other branches follow edited conditioning — prompt-to-prompt's original setting.
 */
import { createSchedulerFromConfig, type SchedulerConfig } from '../solvers/index.js';
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
  const generators = Array.from({ length: o.branches }, () => new Random(o.seed, 0x5eed));
  let x = Array.from({ length: o.branches }, (_, b) => (o.starts?.[b] ?? o.start).map((v) => v * first.initNoiseSigma));
  // From the solver spec: DDPM, LCM, SDE-DPM-Solver++, DDIM with η > 0 draw noise each step.
  const stochastic = first.isStochastic(o.eta === undefined ? {} : { eta: o.eta });
  for (const [step, t] of first.timesteps.entries()) {
    const input = x.map((z, b) => (schedulers[b] ?? first).scaleModelInput(z, t));
    const pred = await predict(input, t, step);
    x = x.map((z, b) => {
      const s = schedulers[b] ?? first;
      const eps = (pred[b] ?? pred[0])?.eps as Float32Array;
      return s.step(eps, t, z, { ...(o.eta ? { eta: o.eta } : {}), ...(stochastic ? { generator: generators[b] as Random } : {}) }).prevSample;
    });
    await o.onStepEnd?.(step, x);
  }
  return x;
}
