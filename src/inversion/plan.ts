/**
 * Sampling plans from a diffusers scheduler config, and the schedule identity an inversion
 * record is checked against.
 *
 * Inversion methods walk a DDIM-style grid of integer timesteps, so the plan uses the
 * `DDIMScheduler` reading of the config (noise schedule, `timestep_spacing`, `steps_offset`,
 * `set_alpha_to_one`) — except for an `LCMScheduler` config, whose own timesteps are kept (DDCM
 * with LCM models). The class named in the config (often `PNDMScheduler` for SD 1.x) otherwise
 * only selects defaults diffusers configs spell out anyway.
 */
import { RepriseError } from '../errors.js';
import { createNoiseSchedule, resolveSchedulerConfig, setTimesteps, type SchedulerConfig } from '../solvers/index.js';
import type { SamplingPlan } from './types.js';

/** The scheduler class a plan reads `config` as: LCMScheduler when named so, else DDIMScheduler. */
export function planSchedulerClass(config: unknown): 'DDIMScheduler' | 'LCMScheduler' {
  const name = typeof config === 'object' && config !== null ? (config as { _class_name?: unknown })._class_name : undefined;
  return name === 'LCMScheduler' ? 'LCMScheduler' : 'DDIMScheduler';
}

/** Resolves `config` as {@link planSchedulerClass} reads it. */
export function planSchedulerConfig(config: unknown): SchedulerConfig {
  return resolveSchedulerConfig(config, planSchedulerClass(config));
}

/**
 * The sampling plan for `steps` steps of `config` and latents of `latentShape` ([C, H, W]).
 * @throws RepriseError (SCHEDULER_INVALID) for an unsupported config or step count
 */
export function samplingPlanFromConfig(config: unknown, steps: number, latentShape: readonly [number, number, number]): SamplingPlan {
  const resolved = planSchedulerConfig(config);
  const schedule = createNoiseSchedule(resolved);
  const { timesteps } = setTimesteps(resolved, steps, schedule);
  if (!latentShape.every((d) => Number.isInteger(d) && d > 0) || latentShape.length !== 3) {
    throw new RepriseError('RUNTIME_INPUT', `latent shape must be three positive integers [C, H, W], got [${latentShape.join(', ')}]`);
  }
  return { schedule, timesteps, predictionType: resolved.predictionType, latentShape: [latentShape[0], latentShape[1], latentShape[2]] };
}

/**
 * Why two (config, steps) pairs give different sampling schedules, or undefined when they agree
 * on everything sampling reads: timesteps, ā table, final ā and prediction type.
 */
export function scheduleDifference(a: { readonly config: unknown; readonly steps: number }, b: { readonly config: unknown; readonly steps: number }): string | undefined {
  if (a.steps !== b.steps) return `${a.steps} steps vs ${b.steps}`;
  const pa = samplingPlanFromConfig(a.config, a.steps, [1, 1, 1]);
  const pb = samplingPlanFromConfig(b.config, b.steps, [1, 1, 1]);
  if (pa.timesteps.join(',') !== pb.timesteps.join(',')) return `timesteps [${pa.timesteps.join(', ')}] vs [${pb.timesteps.join(', ')}]`;
  if (pa.predictionType !== pb.predictionType) return `prediction type ${pa.predictionType} vs ${pb.predictionType}`;
  if (pa.schedule.finalAlphaCumprod !== pb.schedule.finalAlphaCumprod) return `final ā ${pa.schedule.finalAlphaCumprod} vs ${pb.schedule.finalAlphaCumprod} (set_alpha_to_one)`;
  const ac = pa.schedule.alphasCumprod;
  const bc = pb.schedule.alphasCumprod;
  if (ac.length !== bc.length || ac.some((v, i) => v !== bc[i])) return 'different noise schedules (betas)';
  return undefined;
}
