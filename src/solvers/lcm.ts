/**
 * Latent Consistency Model multistep sampling, as diffusers `LCMScheduler.step`: consistency
 * boundary-condition scalings, then fresh noise injected up to the next timestep.
 *
 * Paper: Luo et al. 2023, "Latent Consistency Models" (arXiv:2310.04378), Algorithm 3;
 * scalings from Song et al. 2023, "Consistency Models" (arXiv:2303.01469), §3.
 *
 * Notation: s = t · timestep_scaling, σ_data = 0.5; c_skip = σ_data²/(s² + σ_data²),
 * c_out = s/√(s² + σ_data²); denoised = c_out x̂0 + c_skip x_t; between steps
 * x_{t'} = √ā_{t'} denoised + √(1 − ā_{t'}) z, and the last step returns `denoised`.
 */
import { allocLike, assertSameLength, type FloatArray } from './arrays.js';
import { drawNoise, type DdimNoise } from './ddim.js';

/** c_skip and c_out of the consistency parameterization at integer timestep t. */
export interface BoundaryScalings {
  readonly cSkip: number;
  readonly cOut: number;
}

/** LCM's discrete boundary-condition scalings (σ_data = 0.5 as in diffusers). */
export function lcmBoundaryScalings(timestep: number, timestepScaling: number, sigmaData = 0.5): BoundaryScalings {
  const s = timestep * timestepScaling;
  const d2 = sigmaData * sigmaData;
  return { cSkip: d2 / (s * s + d2), cOut: s / Math.sqrt(s * s + d2) };
}

/** Result of an LCM step: the next sample and the consistency output ("denoised"). */
export interface LcmStepResult<T extends FloatArray> {
  readonly prevSample: T;
  readonly denoised: T;
}

/**
 * One LCM step. `x0` is the adapter's x̂0 (clipped if configured); `isFinalStep` returns the
 * denoised sample itself; otherwise noise from `noise` is injected at ā_{t'} (`alphaBarPrev`).
 */
export function lcmStep<T extends FloatArray>(args: {
  readonly sample: T;
  readonly x0: FloatArray;
  readonly scalings: BoundaryScalings;
  readonly alphaBarPrev: number;
  readonly isFinalStep: boolean;
  readonly noise: DdimNoise;
}): LcmStepResult<T> {
  const { sample, x0, scalings, alphaBarPrev } = args;
  assertSameLength('lcmStep', sample, x0);
  const denoised = allocLike(sample);
  for (let i = 0; i < denoised.length; i++) denoised[i] = scalings.cOut * x0[i]! + scalings.cSkip * sample[i]!;
  if (args.isFinalStep) return { prevSample: denoised.slice() as T, denoised };
  const z = drawNoise(args.noise, denoised.length);
  assertSameLength('lcmStep noise', denoised, z);
  const a = Math.sqrt(alphaBarPrev);
  const b = Math.sqrt(1 - alphaBarPrev);
  const out = allocLike(sample);
  for (let i = 0; i < out.length; i++) out[i] = a * denoised[i]! + b * z[i]!;
  return { prevSample: out, denoised };
}
