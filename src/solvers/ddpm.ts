/**
 * DDPM posterior steps with a given variance noise: the diffusers `DDPMScheduler` step, and the
 * η-form that edit-friendly DDPM inversion uses, with the noise that reproduces a target solved
 * for exactly.
 *
 * Paper: Ho et al. 2020 (arXiv:2006.11239), eq. (6)–(7); edit-friendly inversion:
 * Huberman-Spiegelglas, Kulikov & Michaeli 2024, "An Edit Friendly DDPM Noise Space"
 * (arXiv:2304.06140), eq. (3)–(5).
 *
 * Notation (docs/design.md §4): t → t' (previous, less noisy); ā = ā_t, ā' = ā_{t'}; β_t = 1 − ā/ā';
 * posterior q(x_{t'} | x_t, x0): mean (√ā' β_t/(1−ā)) x0 + (√(ā/ā') (1−ā')/(1−ā)) x_t, variance
 * σ_t² = (1−ā')/(1−ā) β_t. η-form: μ_t = √ā' x̂0 + √(1 − ā' − η σ_t²) ε̂, x_{t'} = μ_t + η σ_t z,
 * z = (x_{t'} − μ_t)/(η σ_t).
 */
import { RepriseError } from '../errors.js';
import { allocLike, assertSameLength, type FloatArray } from './arrays.js';
import type { DdpmVarianceType } from './config.js';
import type { Denoised } from './prediction.js';

/** A posterior mean and the scale its noise is added with: x_{t'} = mean + noiseScale · z. */
export interface PosteriorMean<T extends FloatArray> {
  readonly mean: T;
  readonly noiseScale: number;
}

/** σ_t² = (1−ā')/(1−ā) · (1 − ā/ā'), the posterior ("fixed_small") variance. */
export function posteriorVariance(alphaBar: number, alphaBarPrev: number): number {
  return ((1 - alphaBarPrev) / (1 - alphaBar)) * (1 - alphaBar / alphaBarPrev);
}

/**
 * diffusers `DDPMScheduler.step` up to the noise: the posterior mean from (x̂0, x_t) and the noise
 * standard deviation of `varianceType` ("fixed_small"/"fixed_small_log": σ_t, clamped at
 * σ² ≥ 1e-20; "fixed_large": √β_t). `isFinalStep` (t = 0 in diffusers) adds no noise.
 */
export function ddpmPosterior<T extends FloatArray>(args: {
  readonly x0: T;
  readonly sample: FloatArray;
  readonly alphaBar: number;
  readonly alphaBarPrev: number;
  readonly varianceType: DdpmVarianceType;
  readonly isFinalStep: boolean;
}): PosteriorMean<T> {
  const { x0, sample, alphaBar, alphaBarPrev } = args;
  assertSameLength('ddpmPosterior', x0, sample);
  const currentAlpha = alphaBar / alphaBarPrev;
  const currentBeta = 1 - currentAlpha;
  const x0Coeff = (Math.sqrt(alphaBarPrev) * currentBeta) / (1 - alphaBar);
  const sampleCoeff = (Math.sqrt(currentAlpha) * (1 - alphaBarPrev)) / (1 - alphaBar);
  const mean = allocLike(x0);
  for (let i = 0; i < mean.length; i++) mean[i] = x0Coeff * x0[i]! + sampleCoeff * sample[i]!;
  if (args.isFinalStep) return { mean, noiseScale: 0 };
  const variance = Math.max(((1 - alphaBarPrev) / (1 - alphaBar)) * currentBeta, 1e-20);
  const noiseScale = args.varianceType === 'fixed_large' ? Math.sqrt(currentBeta) : Math.sqrt(variance);
  return { mean, noiseScale };
}

/**
 * The edit-friendly η-form: μ_t = √ā' x̂0 + √(1 − ā' − η σ_t²) ε̂ with noise scale η σ_t. For η = 1
 * it equals DDIM with η = 1 and the DDPM posterior.
 */
export function efDdpmPosterior<T extends FloatArray>(args: {
  readonly denoised: Denoised<T>;
  readonly alphaBar: number;
  readonly alphaBarPrev: number;
  readonly eta: number;
}): PosteriorMean<T> {
  const { denoised, alphaBar, alphaBarPrev, eta } = args;
  const { eps, x0 } = denoised;
  assertSameLength('efDdpmPosterior', eps, x0);
  if (!(eta >= 0)) throw new RepriseError('SCHEDULER_INVALID', `edit-friendly DDPM eta must be ≥ 0, got ${eta}`);
  const variance = posteriorVariance(alphaBar, alphaBarPrev);
  const dirCoeff = Math.sqrt(Math.max(0, 1 - alphaBarPrev - eta * variance));
  const x0Coeff = Math.sqrt(alphaBarPrev);
  const mean = allocLike(x0);
  for (let i = 0; i < mean.length; i++) mean[i] = x0Coeff * x0[i]! + dirCoeff * eps[i]!;
  return { mean, noiseScale: eta * Math.sqrt(variance) };
}

/** x_{t'} = mean + noiseScale · z (the noise is ignored when noiseScale is 0). */
export function posteriorStep<T extends FloatArray>(posterior: PosteriorMean<T>, noise: FloatArray | undefined): T {
  const { mean, noiseScale } = posterior;
  const out = mean.slice() as T;
  if (noiseScale === 0) return out;
  if (noise === undefined) {
    throw new RepriseError('SCHEDULER_INVALID', 'a DDPM posterior step needs its variance noise', {
      hint: 'Pass the noise tensor (varianceNoise) or a seeded generator.',
    });
  }
  assertSameLength('posteriorStep', mean, noise);
  for (let i = 0; i < out.length; i++) out[i] = mean[i]! + noiseScale * noise[i]!;
  return out;
}

/** The noise that carries `posterior` to `target`, and the sample a step with it produces. */
export interface SolvedNoise<T extends FloatArray> {
  /** z = (target − mean)/noiseScale (zeros where noiseScale is 0: nothing can be encoded). */
  readonly noise: T;
  /**
   * posteriorStep(posterior, noise): equal to `target` up to one rounding; an inversion stores
   * this value as x_{t'} so that replaying the step reproduces it bit for bit.
   */
  readonly prevSample: T;
}

/** Solves x_{t'} = mean + noiseScale · z for z given the target x_{t'} (edit-friendly inversion). */
export function solvePosteriorNoise<T extends FloatArray>(target: T, posterior: PosteriorMean<T>): SolvedNoise<T> {
  const { mean, noiseScale } = posterior;
  assertSameLength('solvePosteriorNoise', target, mean);
  const noise = allocLike(target);
  if (noiseScale !== 0) {
    for (let i = 0; i < noise.length; i++) noise[i] = (target[i]! - mean[i]!) / noiseScale;
  }
  return { noise, prevSample: posteriorStep(posterior, noise) };
}
