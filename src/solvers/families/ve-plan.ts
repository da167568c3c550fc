/**
 * σ placement of the σ-frame (VE) samplers, Euler and Heun: float32 timesteps by spacing, σ
 * interpolated from the training table (or Karras σ over the spaced range), and a final σ.
 */
import type { CommonConfig } from '../config.js';
import { placeKarras, withFinalSigma } from '../karras.js';
import { npInterp } from '../numpy.js';
import { sigmasFromAlphasCumprod, type NoiseSchedule } from '../schedule.js';
import { checkSteps, eulerTimesteps } from '../timesteps.js';

/** Timesteps and σ (with the final σ appended) of Euler/Heun's `set_timesteps`. */
export function veSigmaPlan(
  config: CommonConfig,
  steps: number,
  schedule: NoiseSchedule,
  o: { readonly karras: boolean; readonly finalSigma: number; readonly sigmaMin?: number | null; readonly sigmaMax?: number | null },
): { readonly timesteps: number[]; readonly sigmas: Float64Array } {
  checkSteps(steps, config);
  const spaced = eulerTimesteps(config, steps);
  const table = sigmasFromAlphasCumprod(schedule.alphasCumprod);
  const interp = npInterp(spaced, Float64Array.from(table, (_, i) => i), table);
  if (!o.karras) return { timesteps: spaced, sigmas: withFinalSigma(interp, o.finalSigma) };
  const k = placeKarras(schedule, { range: [o.sigmaMax ?? interp[0]!, o.sigmaMin ?? interp[interp.length - 1]!], steps, round: false });
  return { timesteps: k.timesteps, sigmas: withFinalSigma(k.sigmas, o.finalSigma) };
}
