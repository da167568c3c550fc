/**
 * DDIM: the deterministic map between noise levels, and the diffusers DDIM step with η.
 *
 * Paper: Song, Meng & Ermon 2021, "Denoising Diffusion Implicit Models" (arXiv:2010.02502),
 * eq. (12) and (16).
 *
 * Notation (docs/design.md §3): ā_s, ā_r = alphas_cumprod at the source / target timestep;
 * D(z, ε; s→r) = √ā_r · (z − √(1−ā_s) ε)/√ā_s + √(1−ā_r) ε (either direction);
 * σ_t²(η=1) = (1−ā_{t'})/(1−ā_t) · (1 − ā_t/ā_{t'}) for t → t' (`ddimVariance`);
 * step: x_{t'} = √ā_{t'} x̂0 + √(1 − ā_{t'} − η²σ_t²) ε̂ + η σ_t z.
 */
import { RepriseError } from '../errors.js';
import { allocLike, assertSameLength, type FloatArray } from './arrays.js';
import type { Denoised } from './prediction.js';
import type { Random } from '../util/random.js';

/**
 * The DDIM map D(z, ε; s→r) given ā_s (`alphaBarFrom`) and ā_r (`alphaBarTo`), written as
 * `a·z + b·ε` with a = √(ā_r/ā_s), b = √(1−ā_r) − a·√(1−ā_s). Output has the type of `z`.
 */
export function ddimMap<T extends FloatArray>(z: T, eps: FloatArray, alphaBarFrom: number, alphaBarTo: number): T {
  assertSameLength('ddimMap', z, eps);
  const { a, b } = ddimMapCoefficients(alphaBarFrom, alphaBarTo);
  const out = allocLike(z);
  for (let i = 0; i < z.length; i++) out[i] = a * z[i]! + b * eps[i]!;
  return out;
}

/** The coefficients (a, b) of D(z, ε; s→r) = a z + b ε. */
export function ddimMapCoefficients(alphaBarFrom: number, alphaBarTo: number): { readonly a: number; readonly b: number } {
  const a = Math.sqrt(alphaBarTo) / Math.sqrt(alphaBarFrom);
  const b = Math.sqrt(1 - alphaBarTo) - a * Math.sqrt(1 - alphaBarFrom);
  return { a, b };
}

/** σ_t² for η = 1: (1−ā_{t'})/(1−ā_t) · (1 − ā_t/ā_{t'}) (diffusers `_get_variance`). */
export function ddimVariance(alphaBar: number, alphaBarPrev: number): number {
  return ((1 - alphaBarPrev) / (1 - alphaBar)) * (1 - alphaBar / alphaBarPrev);
}

/** Where a stochastic DDIM step (η > 0) takes its noise z. */
export type DdimNoise =
  | { readonly kind: 'none' }
  | { readonly kind: 'given'; readonly noise: FloatArray }
  | { readonly kind: 'random'; readonly generator: Random };

/** Arguments of {@link ddimStep}. */
export interface DdimStepArgs<T extends FloatArray> {
  /** The denoiser's (ε̂, x̂0) at x_t (x̂0 already clipped if the config clips). */
  readonly denoised: Denoised<T>;
  /** ā_t. */
  readonly alphaBar: number;
  /** ā_{t'} of the previous (less noisy) timestep, or the final ā. */
  readonly alphaBarPrev: number;
  /** η ≥ 0 (0 = deterministic DDIM, 1 = DDPM-like). */
  readonly eta: number;
  /** Required when η > 0. */
  readonly noise: DdimNoise;
}

/** Result of a reverse step: the new sample and the x̂0 it used. */
export interface StepResult<T extends FloatArray> {
  readonly prevSample: T;
  readonly x0: T;
}

/**
 * One DDIM step t → t' as diffusers `DDIMScheduler.step`:
 * x_{t'} = √ā_{t'} x̂0 + √(1 − ā_{t'} − (ησ_t)²) ε̂ + ησ_t z.
 */
export function ddimStep<T extends FloatArray>(args: DdimStepArgs<T>): StepResult<T> {
  const { denoised, alphaBar, alphaBarPrev, eta } = args;
  const { eps, x0 } = denoised;
  assertSameLength('ddimStep', eps, x0);
  if (!(eta >= 0)) throw new RepriseError('SCHEDULER_INVALID', `DDIM eta must be ≥ 0, got ${eta}`);
  const std = eta * Math.sqrt(ddimVariance(alphaBar, alphaBarPrev));
  // Clamped at 0: at zero terminal SNR (ā_t = 0) with η = 1 the radicand is 0 up to rounding.
  const dirCoeff = Math.sqrt(Math.max(0, 1 - alphaBarPrev - std * std));
  const x0Coeff = Math.sqrt(alphaBarPrev);
  const out = allocLike(x0);
  for (let i = 0; i < out.length; i++) out[i] = x0Coeff * x0[i]! + dirCoeff * eps[i]!;
  if (eta > 0) {
    const z = drawNoise(args.noise, out.length);
    assertSameLength('ddimStep noise', out, z);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + std * z[i]!;
  }
  return { prevSample: out, x0 };
}

/** The noise tensor of a {@link DdimNoise} source (drawn from the generator for 'random'). */
export function drawNoise(noise: DdimNoise, length: number): FloatArray {
  switch (noise.kind) {
    case 'given':
      return noise.noise;
    case 'random': {
      const out = new Float64Array(length);
      for (let i = 0; i < length; i++) out[i] = noise.generator.normal();
      return out;
    }
    case 'none':
      throw new RepriseError('SCHEDULER_INVALID', 'a stochastic step (eta > 0) needs noise: pass varianceNoise or a generator', {
        hint: 'Give a seeded Random (src/util/random.ts) or the noise tensor itself.',
      });
  }
}
