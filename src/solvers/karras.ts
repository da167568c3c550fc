/**
 * Karras σ placement (`use_karras_sigmas`) and the inverse map σ → t, as diffusers'
 * `_convert_to_karras` and `_sigma_to_t`.
 *
 * Paper: Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative Models"
 * (arXiv:2206.00364), Eq. 5: σ_i = (σ_max^{1/ρ} + i/(n−1) (σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ, ρ = 7.
 *
 * Notation: `logSigmas` = log σ_t of the training table (float32, ascending in t).
 */
import { f32 } from './arrays.js';
import { npLinspace, roundHalfEven } from './numpy.js';
import { sigmasFromAlphasCumprod, type NoiseSchedule } from './schedule.js';

const RHO = 7;

/** `_convert_to_karras`: n σ from σ_max to σ_min (float64), ρ = 7. */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, n: number): Float64Array {
  const ramp = npLinspace(0, 1, n);
  const minInv = sigmaMin ** (1 / RHO);
  const maxInv = sigmaMax ** (1 / RHO);
  return ramp.map((r) => (maxInv + r * (minInv - maxInv)) ** RHO);
}

/** log σ of the float32 training table, in float32 (numpy `np.log` of a float32 array). */
export function logSigmaTable(schedule: NoiseSchedule): Float64Array {
  return sigmasFromAlphasCumprod(schedule.alphasCumprod).map((s) => f32(Math.log(s)));
}

/** `_sigma_to_t`: the fractional training timestep whose log σ interpolates to log `sigma`. */
export function sigmaToT(sigma: number, logSigmas: Float64Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  const n = logSigmas.length;
  // argmax of cumsum(dists >= 0): the last index with log σ_i ≤ log σ (0 when there is none).
  let low = 0;
  for (let i = 0; i < n; i++) if (logSigma - logSigmas[i]! >= 0) low = i;
  low = Math.min(low, n - 2);
  const lo = logSigmas[low]!;
  const hi = logSigmas[low + 1]!;
  const w = Math.min(1, Math.max(0, (lo - logSigma) / f32(lo - hi)));
  return (1 - w) * low + w * (low + 1);
}

/** Where a family takes σ_min/σ_max from, and whether it rounds the timesteps. */
export interface KarrasPlacement {
  /** σ_max … σ_min: the whole training table (DPM-Solver, DEIS, UniPC) or the σ at the spaced timesteps (Euler, Heun). */
  readonly range: readonly [sigmaMax: number, sigmaMin: number];
  readonly steps: number;
  /** Integer timesteps (np.round) for the integer-timestep classes; float32 otherwise. */
  readonly round: boolean;
}

/** Karras σ (float64) and the timesteps they map to. */
export function placeKarras(schedule: NoiseSchedule, o: KarrasPlacement): { readonly sigmas: Float64Array; readonly timesteps: number[] } {
  const [sigmaMax, sigmaMin] = o.range;
  const sigmas = karrasSigmas(sigmaMin, sigmaMax, o.steps);
  const logSigmas = logSigmaTable(schedule);
  const timesteps = Array.from(sigmas, (s) => {
    const t = sigmaToT(s, logSigmas);
    return o.round ? roundHalfEven(t) : f32(t);
  });
  return { sigmas, timesteps };
}

/** σ plus a final entry, as float32 (diffusers' `np.concatenate([sigmas, [last]]).astype(np.float32)`). */
export function withFinalSigma(sigmas: ArrayLike<number>, last: number): Float64Array {
  const out = new Float64Array(sigmas.length + 1);
  for (let i = 0; i < sigmas.length; i++) out[i] = f32(sigmas[i]!);
  out[sigmas.length] = f32(last);
  return out;
}

/** σ at t = 0 (diffusers' `((1 − ā_0)/ā_0) ** 0.5` on the float32 ā). */
export function sigmaAtZero(schedule: NoiseSchedule): number {
  const a0 = schedule.alphasCumprod[0]!;
  return Math.sqrt(f32(f32(1 - a0) / a0));
}

/** The training σ table's ends [σ_max, σ_min] (float32 values). */
export function tableRange(schedule: NoiseSchedule): readonly [number, number] {
  const table = sigmasFromAlphasCumprod(schedule.alphasCumprod);
  return [table[table.length - 1]!, table[0]!];
}
