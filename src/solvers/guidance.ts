/**
 * Classifier-free guidance with optional guidance rescale.
 *
 * Paper: Ho & Salimans 2022, "Classifier-Free Diffusion Guidance" (arXiv:2207.12598); rescale:
 * Lin et al. 2023 (arXiv:2305.08891), §3.4 (diffusers `rescale_noise_cfg`).
 *
 * Notation (docs/design.md §3): ε̂ = ε_u + w (ε_c − ε_u); with rescale φ:
 * ε̂ ← φ · ε̂ · std(ε_c)/std(ε̂) + (1 − φ) · ε̂, std per batch item over all other dimensions
 * (unbiased, as torch.std).
 */
import { RepriseError } from '../errors.js';
import { allocLike, assertSameLength, type FloatArray } from './arrays.js';

/** Guidance settings: scale w, rescale φ ∈ [0, 1] (0 = off), and how many batch items the arrays hold. */
export interface GuidanceOptions {
  readonly scale: number;
  readonly rescale?: number;
  /** Items in the batch (std is taken per item); default 1. */
  readonly batchSize?: number;
}

function unbiasedStd(x: FloatArray, begin: number, end: number): number {
  const n = end - begin;
  let mean = 0;
  for (let i = begin; i < end; i++) mean += x[i]!;
  mean /= n;
  let ss = 0;
  for (let i = begin; i < end; i++) {
    const d = x[i]! - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / (n - 1));
}

/**
 * ε̂ = ε_u + w (ε_c − ε_u), then the optional rescale. With w = 1 the result is ε_c exactly
 * (and with w = 0, ε_u), whatever the rescale (which is then the identity).
 */
export function classifierFreeGuidance<T extends FloatArray>(epsUncond: T, epsCond: FloatArray, options: GuidanceOptions): T {
  assertSameLength('classifierFreeGuidance', epsUncond, epsCond);
  const { scale } = options;
  const rescale = options.rescale ?? 0;
  const batch = options.batchSize ?? 1;
  if (!Number.isFinite(scale)) throw new RepriseError('SCHEDULER_INVALID', `guidance scale must be finite, got ${scale}`);
  if (!(rescale >= 0 && rescale <= 1)) throw new RepriseError('SCHEDULER_INVALID', `guidance rescale must lie in [0, 1], got ${rescale}`);
  if (!Number.isInteger(batch) || batch < 1 || epsUncond.length % batch !== 0) {
    throw new RepriseError('SCHEDULER_INVALID', `guidance batchSize ${batch} does not divide the tensor length ${epsUncond.length}`);
  }
  const out = allocLike(epsUncond);
  if (scale === 1) {
    out.set(epsCond);
    return out;
  }
  if (scale === 0) {
    out.set(epsUncond);
    return out;
  }
  for (let i = 0; i < out.length; i++) {
    const u = epsUncond[i]!;
    out[i] = u + scale * (epsCond[i]! - u);
  }
  if (rescale === 0) return out;
  const per = out.length / batch;
  for (let b = 0; b < batch; b++) {
    const begin = b * per;
    const end = begin + per;
    const ratio = unbiasedStd(epsCond, begin, end) / unbiasedStd(out, begin, end);
    const k = rescale * ratio + (1 - rescale);
    for (let i = begin; i < end; i++) out[i] = out[i]! * k;
  }
  return out;
}

/**
 * CFG on a batched model output laid out `[uncond…, cond…]` (the first half unconditional):
 * returns the guided first half's shape.
 */
export function guidanceFromBatch<T extends FloatArray>(modelOutput: T, options: GuidanceOptions): T {
  if (modelOutput.length % 2 !== 0) {
    throw new RepriseError('SCHEDULER_INVALID', `guidanceFromBatch needs an even-length [uncond, cond] batch, got ${modelOutput.length}`);
  }
  const half = modelOutput.length / 2;
  return classifierFreeGuidance(modelOutput.subarray(0, half) as T, modelOutput.subarray(half), options);
}
