/**
 * The denoiser adapter: converts a model output of any prediction type into the pair
 * (ε̂, x̂0) at noise level ā_t, once, so that update rules never branch on prediction type.
 *
 * Paper: v-prediction from Salimans & Ho 2022, "Progressive Distillation for Fast Sampling of
 * Diffusion Models" (arXiv:2202.00512), §4.
 *
 * Notation (docs/design.md §3): x_t = α x0 + σ ε with α = √ā_t, σ = √(1−ā_t).
 * - epsilon:      ε = out,             x0 = (x − σ ε)/α
 * - v_prediction: ε = α v + σ x,       x0 = α x − σ v
 * - sample:       x0 = out,            ε = (x − α x0)/σ
 */
import type { PredictionType } from './config.js';
import { allocLike, assertSameLength, type FloatArray } from './arrays.js';

export type { PredictionType } from './config.js';

/** A VP noise level: α = √ā and σ = √(1 − ā). */
export interface NoiseLevel {
  readonly alpha: number;
  readonly sigma: number;
}

/** (α, σ) = (√ā, √(1 − ā)). */
export function noiseLevelFromAlphaBar(alphaBar: number): NoiseLevel {
  return { alpha: Math.sqrt(alphaBar), sigma: Math.sqrt(1 - alphaBar) };
}

/**
 * (α, σ) for a VE noise level σ_VE = √((1 − ā)/ā), as diffusers' `_sigma_to_alpha_sigma_t`:
 * α = 1/√(σ_VE² + 1), σ = σ_VE·α.
 */
export function noiseLevelFromSigma(sigmaVe: number): NoiseLevel {
  const alpha = 1 / Math.sqrt(sigmaVe * sigmaVe + 1);
  return { alpha, sigma: sigmaVe * alpha };
}

/** The model's prediction in both parameterizations the solvers use. */
export interface Denoised<T extends FloatArray> {
  /** ε̂: the noise estimate. */
  readonly eps: T;
  /** x̂0: the clean-sample estimate. */
  readonly x0: T;
}

/**
 * Converts a model output (`modelOutput`, of `predictionType`) at sample `x` and noise level
 * `level` into {@link Denoised} (ε̂, x̂0). Output arrays have the type of `x`.
 */
export function toDenoised<T extends FloatArray>(predictionType: PredictionType, modelOutput: FloatArray, x: T, level: NoiseLevel): Denoised<T> {
  assertSameLength('toDenoised', modelOutput, x);
  const { alpha, sigma } = level;
  const eps = allocLike(x);
  const x0 = allocLike(x);
  const n = x.length;
  switch (predictionType) {
    case 'epsilon':
      for (let i = 0; i < n; i++) {
        const e = modelOutput[i]!;
        eps[i] = e;
        x0[i] = (x[i]! - sigma * e) / alpha;
      }
      break;
    case 'v_prediction':
      for (let i = 0; i < n; i++) {
        const v = modelOutput[i]!;
        const xi = x[i]!;
        eps[i] = alpha * v + sigma * xi;
        x0[i] = alpha * xi - sigma * v;
      }
      break;
    case 'sample':
      for (let i = 0; i < n; i++) {
        const s = modelOutput[i]!;
        x0[i] = s;
        eps[i] = (x[i]! - alpha * s) / sigma;
      }
      break;
  }
  return { eps, x0 };
}

/**
 * The inverse of {@link toDenoised}: the model output of `predictionType` that corresponds to
 * (ε̂, x̂0) at noise level `level` (v = α ε − σ x0). Used for tests and for re-expressing a
 * guided prediction.
 */
export function fromDenoised<T extends FloatArray>(predictionType: PredictionType, denoised: Denoised<T>, level: NoiseLevel): T {
  const { eps, x0 } = denoised;
  assertSameLength('fromDenoised', eps, x0);
  if (predictionType === 'epsilon') return eps.slice() as T;
  if (predictionType === 'sample') return x0.slice() as T;
  const out = allocLike(eps);
  for (let i = 0; i < out.length; i++) out[i] = level.alpha * eps[i]! - level.sigma * x0[i]!;
  return out;
}

/** x̂0 clamped to [−range, range] (diffusers `clip_sample`); returns a new array. */
export function clampSample<T extends FloatArray>(x0: T, range: number): T {
  const out = allocLike(x0);
  for (let i = 0; i < x0.length; i++) out[i] = Math.min(range, Math.max(-range, x0[i]!));
  return out;
}

/** ε̂ re-derived from a (clipped) x̂0: ε = (x − α x0)/σ (diffusers `use_clipped_model_output`). */
export function epsFromX0<T extends FloatArray>(x: T, x0: FloatArray, level: NoiseLevel): T {
  assertSameLength('epsFromX0', x, x0);
  const out = allocLike(x);
  for (let i = 0; i < x.length; i++) out[i] = (x[i]! - level.alpha * x0[i]!) / level.sigma;
  return out;
}
