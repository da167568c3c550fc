/**
 * The timestep-placement primitives of diffusers' `set_timesteps` (each family's spec composes
 * them): "leading" / "trailing" / "linspace" spacing
 * (Lin et al. 2023, arXiv:2305.08891, Table 2) with `steps_offset`, and each class's own
 * rounding quirks.
 *
 * Notation: `timesteps[i]` = t_i (descending, except DDIM-inverse), `sigmas[i]` = σ_{t_i} =
 * √((1 − ā)/ā) with a final entry for the end of sampling (0, or σ of t = 0).
 */
import { RepriseError } from '../errors.js';
import { f32 } from './arrays.js';
import type { CommonConfig, FinalSigmasType } from './config.js';
import { npArange, npInterp, npLinspace, roundHalfEven } from './numpy.js';
import { sigmasFromAlphasCumprod, type NoiseSchedule } from './schedule.js';

export type { TimestepPlan } from './spec.js';

function invalid(message: string, hint?: string): RepriseError {
  return new RepriseError('SCHEDULER_INVALID', message, hint === undefined ? undefined : { hint });
}

/** diffusers' step-count checks: a positive integer, at most num_train_timesteps. */
export function checkSteps(steps: number, config: CommonConfig): void {
  if (!Number.isInteger(steps) || steps < 1) throw invalid(`number of inference steps must be a positive integer, got ${steps}`);
  if (steps > config.numTrainTimesteps) {
    throw invalid(
      `number of inference steps ${steps} is larger than num_train_timesteps ${config.numTrainTimesteps}`,
      `Use at most ${config.numTrainTimesteps} steps.`,
    );
  }
}

const reversed = (a: ArrayLike<number>): number[] => Array.from(a).reverse();

/** The shared DDIM/DDPM spacing: integer timesteps, descending. */
export function ddimLikeTimesteps(config: CommonConfig, steps: number): number[] {
  const n = config.numTrainTimesteps;
  switch (config.timestepSpacing) {
    case 'linspace':
      return reversed(npLinspace(0, n - 1, steps).map(roundHalfEven));
    case 'leading': {
      const ratio = Math.floor(n / steps);
      return reversed(Array.from({ length: steps }, (_, i) => i * ratio + config.stepsOffset));
    }
    case 'trailing':
      return Array.from(npArange(n, 0, -n / steps), (t) => roundHalfEven(t) - 1);
  }
}

export function ddimInverseTimesteps(config: CommonConfig, steps: number): number[] {
  const n = config.numTrainTimesteps;
  if (config.timestepSpacing === 'leading') {
    const ratio = Math.floor(n / steps);
    return Array.from({ length: steps }, (_, i) => i * ratio + config.stepsOffset);
  }
  if (config.timestepSpacing === 'trailing') return reversed(npArange(n, 0, -n / steps)).map((t) => roundHalfEven(t) - 1);
  throw invalid(`DDIMInverseScheduler does not support timestep_spacing "${config.timestepSpacing}" (supported: "leading", "trailing")`);
}

/** LCM: every k-th training step of the distillation schedule, then `steps` of them evenly. */
export function lcmTimesteps(config: CommonConfig & { readonly originalInferenceSteps: number }, steps: number, strength = 1): number[] {
  const original = config.originalInferenceSteps;
  const k = Math.floor(config.numTrainTimesteps / original);
  const origin = Array.from({ length: Math.floor(original * strength) }, (_, i) => (i + 1) * k - 1).reverse();
  const skipping = Math.floor(origin.length / steps);
  if (skipping < 1) {
    throw invalid(
      `LCMScheduler: ${steps} inference steps need original_inference_steps ≥ ${steps} (it is ${original})`,
      'Use fewer steps or raise original_inference_steps.',
    );
  }
  if (steps > original) {
    throw invalid(`LCMScheduler: ${steps} inference steps exceed original_inference_steps ${original}`, 'Use fewer steps.');
  }
  const indices = npLinspace(0, origin.length, steps, false).map(Math.floor);
  return Array.from(indices, (i) => origin[i]!);
}

/** DPM-Solver's spacing: over [0, last_timestep) where λ_t ≥ lambda_min_clipped, with one extra point dropped. */
export function dpmTimesteps(config: CommonConfig & { readonly lambdaMinClipped: number }, schedule: NoiseSchedule, steps: number): number[] {
  const ac = schedule.alphasCumprod;
  const n = config.numTrainTimesteps;
  // searchsorted(flip(λ), lambda_min_clipped): how many of the smallest λ lie below the clip.
  let clipped = 0;
  for (let i = ac.length - 1; i >= 0; i--) {
    const a = ac[i]!;
    const lambda = f32(f32(Math.log(f32(Math.sqrt(a)))) - f32(Math.log(f32(Math.sqrt(f32(1 - a))))));
    if (lambda >= config.lambdaMinClipped) break;
    clipped++;
  }
  const last = n - clipped;
  switch (config.timestepSpacing) {
    case 'linspace':
      return reversed(npLinspace(0, last - 1, steps + 1).map(roundHalfEven)).slice(0, -1);
    case 'leading': {
      const ratio = Math.floor(last / (steps + 1));
      return reversed(Array.from({ length: steps + 1 }, (_, i) => i * ratio))
        .slice(0, -1)
        .map((t) => t + config.stepsOffset);
    }
    case 'trailing':
      return Array.from(npArange(last, 0, -n / steps), (t) => roundHalfEven(t) - 1);
  }
}

/** Euler's float32 timesteps. */
export function eulerTimesteps(config: CommonConfig, steps: number): number[] {
  const n = config.numTrainTimesteps;
  switch (config.timestepSpacing) {
    case 'linspace':
      return reversed(npLinspace(0, n - 1, steps).map(f32));
    case 'leading': {
      const ratio = Math.floor(n / steps);
      return reversed(Array.from({ length: steps }, (_, i) => f32(f32(i * ratio) + config.stepsOffset)));
    }
    case 'trailing':
      return Array.from(npArange(n, 0, -n / steps), (t) => f32(f32(roundHalfEven(t)) - 1));
  }
}

/** σ at each timestep (linear interpolation of the float32 σ table) plus the final σ, as float32. */
export function sigmasFor(config: { readonly finalSigmasType: FinalSigmasType }, schedule: NoiseSchedule, timesteps: readonly number[]): Float64Array {
  const table = sigmasFromAlphasCumprod(schedule.alphasCumprod);
  const knots = Float64Array.from(table, (_, i) => i);
  const interp = npInterp(timesteps, knots, table);
  const a0 = schedule.alphasCumprod[0]!;
  const last = config.finalSigmasType === 'zero' ? 0 : Math.sqrt(f32(f32(1 - a0) / a0));
  const out = new Float64Array(timesteps.length + 1);
  for (let i = 0; i < interp.length; i++) out[i] = f32(interp[i]!);
  out[timesteps.length] = f32(last);
  return out;
}

