/**
 * DC-Solver's dynamic compensation (Zhao et al. 2024, "DC-Solver: Improving Predictor-Corrector
 * Diffusion Sampler via Dynamic Compensation", ECCV 2024, Sec. 3.2; code: wl-zhao/DC-Solver,
 * `DCSolverMultistepScheduler.dynamic_compensation`).
 *
 * In UniPC the model output of step i is evaluated at the predictor's sample, but the corrector
 * moves the sample; DC replaces that output by the Lagrange interpolant through the last K + 1
 * outputs (K = dc_order) evaluated at a shifted time
 *   t̃_i = t_{i−1} + ρ_i (t_i − t_{i−1})                      (ρ_i = 1: no compensation)
 *   m̃_i = Σ_{k=0..K} m_{i−k} Π_{j≠k} (t̃_i − t_{i−j}) / (t_{i−k} − t_{i−j}),
 * over the discrete timesteps t (as their diffusers code does, not λ).
 * Equation numbers of the paper could not be checked offline: the formulas follow their code.
 */
import { allocLike, type FloatArray } from '../arrays.js';

/** The neutral ratio: t̃_i = t_i, the output is kept as is (their code then skips the interpolation). */
export const NEUTRAL_DC_RATIO = 1;

/**
 * The range a ratio is searched in and predicted within: their fit bounds ρ through
 * 1 + 0.5·tanh(·) (wl-zhao/DC-Solver, `find_optim_ratio`), so ρ ∈ [0.5, 1.5].
 */
export const DC_RATIO_RANGE: readonly [number, number] = [0.5, 1.5];

/** How many outputs the interpolation uses: min(dc_order + 1, 4) (their `inter_order`). */
export function dcInterpolationPoints(dcOrder: number): number {
  return Math.min(dcOrder + 1, 4);
}

/**
 * The compensated newest output m̃_i (last entry of `outputs`, at `times` last), or null when the
 * history holds fewer than the interpolation's points (warm-up) or ρ is neutral.
 */
export function dynamicCompensation(outputs: readonly FloatArray[], times: readonly number[], ratio: number, dcOrder: number): FloatArray | null {
  const points = dcInterpolationPoints(dcOrder);
  if (ratio === NEUTRAL_DC_RATIO || outputs.length < points || times.length < points) return null;
  const n = times.length;
  const t = (k: number): number => times[n - 1 - k]!;
  const tShift = ratio * (t(0) - t(1)) + t(1);
  const last = outputs[outputs.length - 1]!;
  const out = allocLike(last);
  for (let k = 0; k < points; k++) {
    // Lagrange basis ℓ_k(t̃) over the points t_{i−j}, j = 0..points−1.
    let w = 1;
    for (let j = 0; j < points; j++) if (j !== k) w *= (tShift - t(j)) / (t(k) - t(j));
    const m = outputs[outputs.length - 1 - k]!;
    for (let e = 0; e < out.length; e++) out[e]! += w * m[e]!;
  }
  return out;
}
