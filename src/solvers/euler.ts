/**
 * Euler discrete sampler in the variance-exploding (σ) parameterization, as diffusers
 * `EulerDiscreteScheduler` (without churn).
 *
 * Paper: Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative Models"
 * (arXiv:2206.00364), Algorithm 2 with S_churn = 0.
 *
 * Notation: σ = √((1 − ā)/ā); the Euler sample is x̃ = x_t/√ā (so x̃ = x0 + σ ε); the model sees
 * x̃/√(σ² + 1) = x_t at ā = 1/(σ² + 1). Step: d = (x̃ − x̂0)/σ, x̃' = x̃ + d (σ' − σ).
 */
import { allocLike, assertSameLength, type FloatArray } from './arrays.js';
import { noiseLevelFromSigma, type NoiseLevel } from './prediction.js';
import type { StepResult } from './ddim.js';

/** init_noise_sigma: σ_max for "linspace"/"trailing" spacing, √(σ_max² + 1) for "leading". */
export function eulerInitNoiseSigma(sigmas: ArrayLike<number>, spacing: 'leading' | 'trailing' | 'linspace'): number {
  let max = 0;
  for (let i = 0; i < sigmas.length; i++) max = Math.max(max, sigmas[i]!);
  return spacing === 'leading' ? Math.sqrt(max * max + 1) : max;
}

/** scale_model_input: x̃/√(σ² + 1) (the VP sample x_t the model expects). */
export function eulerScaleModelInput<T extends FloatArray>(sample: T, sigma: number): T {
  const k = Math.sqrt(sigma * sigma + 1);
  const out = allocLike(sample);
  for (let i = 0; i < sample.length; i++) out[i] = sample[i]! / k;
  return out;
}

/** The VP noise level the denoiser adapter needs for the model input at σ: ā = 1/(σ² + 1). */
export function eulerModelLevel(sigma: number): NoiseLevel {
  return noiseLevelFromSigma(sigma);
}

/**
 * One Euler step σ → σ' given x̂0 (from the adapter at the scaled input): x̃' = x̃ + (x̃ − x̂0)(σ' − σ)/σ.
 * `x0` is x̂0 in the x̃ frame, which equals the VP x̂0 (both are the clean sample).
 */
export function eulerStep<T extends FloatArray>(args: { readonly sample: T; readonly x0: T; readonly sigma: number; readonly sigmaNext: number }): StepResult<T> {
  const { sample, x0, sigma, sigmaNext } = args;
  assertSameLength('eulerStep', sample, x0);
  const dt = sigmaNext - sigma;
  const out = allocLike(sample);
  for (let i = 0; i < out.length; i++) {
    const derivative = (sample[i]! - x0[i]!) / sigma;
    out[i] = sample[i]! + derivative * dt;
  }
  return { prevSample: out, x0 };
}
