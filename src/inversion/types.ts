/**
 * Contracts shared by the inversion methods, reconstruction and the editing loops.
 *
 * Latents are batch-1 Float32Arrays of `latentShape` ([C, H, W]) in the model's latent scale
 * (VAE mean × scaling_factor). Several *branches* (source, target_1 … target_E) are advanced
 * together; the model is reached only through a {@link BranchPredict}, so the same sampler
 * code serves reconstruction (1 branch, plain UNet) and editing (E+1 branches, controlled UNet).
 */
import type { NoiseSchedule, PredictionType } from '../solvers/index.js';

/** Text conditioning of one branch. Embeddings are [L·D] float32 (one prompt each). */
export interface BranchConditioning {
  readonly cond: Float32Array;
  /** Unconditional embedding (negative-prompt inversion puts the source prompt's here). */
  readonly uncond: Float32Array;
  /** Classifier-free guidance scale w (1 = cond only). */
  readonly guidance: number;
  /** diffusers guidance_rescale φ (0 = off). */
  readonly guidanceRescale?: number;
}

/** The guided prediction for one branch at one timestep, already converted by prediction type. */
export interface BranchPrediction {
  readonly eps: Float32Array;
  readonly x0: Float32Array;
}

/**
 * Evaluates the model for every branch at timestep `t`: `latents[b]` → guided ε̂ and x̂0 of
 * branch b. `step` is the sampling-step index (0 = noisiest), for per-step attention control;
 * a method that evaluates the model twice per step (EDICT) passes the same step twice.
 */
export type BranchPredict = (latents: readonly Float32Array[], t: number, step: number) => Promise<BranchPrediction[]>;

/** Schedule facts every method needs. */
export interface SamplingPlan {
  readonly schedule: NoiseSchedule;
  /** Sampling timesteps, noisiest first (as the diffusers scheduler's `timesteps`). */
  readonly timesteps: readonly number[];
  readonly predictionType: PredictionType;
  /** [C, H, W] of one latent. */
  readonly latentShape: readonly [number, number, number];
}

/** Names of the inversion methods (the registry's). */
export type { InversionMethod } from './registry.js';

/**
 * Called by a sampler after every step with the branches' new latents (branch 0 = source); it
 * may modify them in place (local blend). `step` is the sampling-step index (0 = noisiest).
 * EDICT calls it for its x sequence, then for its y sequence.
 */
export type StepEndHook = (step: number, latents: ReadonlyArray<Float32Array | Float64Array>) => void | Promise<void>;
