/**
 * Dispatch by method: {@link invert} builds an {@link Inversion} record, {@link reconstructLatent}
 * regenerates z0 from it with the record's own conditioning, and {@link sampleBranches} runs the
 * method's sampler for the editing loops (branch 0 = source, 1 … = targets).
 */
import { RepriseError } from '../errors.js';
import { invertBdia, sampleBdia } from './bdia.js';
import { checkLatent } from './common.js';
import { invertDdcm, sampleDdcm } from './ddcm.js';
import { invertDdim, sampleDdim } from './ddim.js';
import { invertEdict, sampleEdict } from './edict.js';
import { invertEfDdpm, sampleEfDdpm } from './ef-ddpm.js';
import { invertNegativePrompt, sampleNegativePrompt } from './negative-prompt.js';
import { resolveInversionOptions, resolveMethodOptions, type InversionOptions } from './options.js';
import { samplingPlanFromConfig } from './plan.js';
import { checkInversion, type Inversion, type InversionLatents, type InversionPrompts, type PixelResidual } from './record.js';
import type { BranchConditioning, BranchPredict, SamplingPlan } from './types.js';
import type { StepEndHook } from './types.js';

/** What a record stores besides the method's output. */
export interface InversionMeta {
  /** Identity of the model weights (e.g. the UNet WeightSource's `id`). */
  readonly modelId: string;
  /** The diffusers scheduler config the plan was built from (see `samplingPlanFromConfig`). */
  readonly schedulerConfig: unknown;
  readonly prompts: InversionPrompts;
  /**
   * The source conditioning (stored for reconstruction): the embeddings and the guidance w
   * sampling uses. Negative-prompt inversion stores it with uncond = cond (the method's defining
   * substitution), whatever uncond is given.
   */
  readonly conditioning: BranchConditioning;
  /** The guidance w of the UNet's time-conditioning embedding (LCM), when it has one. */
  readonly embeddedGuidance?: number;
  readonly pixels?: PixelResidual;
  /** The solver that generated z0, when a generation inverts its result (default: the inversion method itself). */
  readonly solver?: { readonly id: string; readonly karras?: boolean };
}

/** Builds a predictor for a plan and per-branch conditionings, e.g. `(plan, conds) => unetBranchPredictor(unet, plan, conds)`. */
export type PredictorFactory = (plan: SamplingPlan, conditionings: readonly BranchConditioning[]) => BranchPredict;

/** Sampling settings that may differ from the inversion's. */
export interface SamplingOverrides {
  /** BDIA only: γ ∈ (0, 1] for sampling (editing uses 0.92–1); default the inversion's γ. */
  readonly gamma?: number;
  /** Called after every step with the branches' latents (may modify them in place: local blend). */
  readonly onStepEnd?: StepEndHook;
}

/**
 * Inverts z0 with `options.method` and returns the record. `predict` is a 1-branch predictor
 * with the source conditioning (`meta.conditioning`); `plan` must be the plan of
 * `meta.schedulerConfig` (same timesteps and noise schedule).
 * @throws ConfigError (CONFIG_INVALID) for invalid options; RepriseError (RUNTIME_INPUT) when the plan and config disagree
 */
export async function invert(plan: SamplingPlan, predict: BranchPredict, z0: Float32Array, options: InversionOptions, meta: InversionMeta): Promise<Inversion> {
  const steps = plan.timesteps.length;
  const resolved = resolveInversionOptions(options, { steps });
  checkLatent(plan, z0, 'z0');
  const expected = samplingPlanFromConfig(meta.schedulerConfig, steps, plan.latentShape);
  const same =
    expected.timesteps.join(',') === plan.timesteps.join(',') &&
    expected.predictionType === plan.predictionType &&
    expected.schedule.finalAlphaCumprod === plan.schedule.finalAlphaCumprod &&
    expected.schedule.alphasCumprod.every((v, i) => v === plan.schedule.alphasCumprod[i]);
  if (!same) {
    throw new RepriseError('RUNTIME_INPUT', 'invert: the sampling plan is not the plan of meta.schedulerConfig', {
      hint: 'Build the plan with samplingPlanFromConfig(meta.schedulerConfig, steps, latentShape).',
    });
  }
  let latents: InversionLatents;
  switch (resolved.method) {
    case 'ddim':
      latents = { method: 'ddim', ...(await invertDdim(plan, predict, z0)) };
      break;
    case 'negative-prompt':
      latents = { method: 'negative-prompt', ...(await invertNegativePrompt(plan, predict, z0)) };
      break;
    case 'ef-ddpm':
      latents = { method: 'ef-ddpm', ...(await invertEfDdpm(plan, predict, z0, resolved)) };
      break;
    case 'bdia':
      latents = { method: 'bdia', ...(await invertBdia(plan, predict, z0, resolved)) };
      break;
    case 'edict':
      latents = { method: 'edict', ...(await invertEdict(plan, predict, z0, resolved)) };
      break;
    case 'ddcm':
      latents = { method: 'ddcm', ...(await invertDdcm(plan, predict, z0, resolved)) };
      break;
  }
  const record: Inversion = {
    method: resolved.method,
    options: resolved,
    modelId: meta.modelId,
    schedule: { config: meta.schedulerConfig, steps, timesteps: [...plan.timesteps], solver: meta.solver?.id ?? resolved.method, ...(meta.solver?.karras === true ? { karras: true } : {}) },
    prompts: meta.prompts,
    conditioning: resolved.method === 'negative-prompt' ? { ...meta.conditioning, uncond: meta.conditioning.cond } : meta.conditioning,
    ...(meta.embeddedGuidance !== undefined ? { embeddedGuidance: meta.embeddedGuidance } : {}),
    latentShape: [plan.latentShape[0], plan.latentShape[1], plan.latentShape[2]],
    z0: z0.slice(),
    latents,
    ...(meta.pixels !== undefined ? { pixels: meta.pixels } : {}),
  };
  checkInversion(record);
  return record;
}

/** The record's sampling plan (its scheduler config, steps and latent shape). */
export function recordPlan(record: Inversion): SamplingPlan {
  const plan = samplingPlanFromConfig(record.schedule.config, record.schedule.steps, record.latentShape);
  if (plan.timesteps.join(',') !== record.schedule.timesteps.join(',')) {
    throw new RepriseError('RUNTIME_INPUT', `the record's timesteps [${record.schedule.timesteps.join(', ')}] differ from its scheduler config's [${plan.timesteps.join(', ')}]`, {
      hint: 'Load records with loadInversion, which checks them.',
    });
  }
  return plan;
}

/**
 * The source conditioning reconstruction uses: the record's own — for negative-prompt inversion
 * with uncond = cond (the source prompt replaces the unconditional embedding, so any guidance
 * gives the conditional ε).
 */
export function reconstructionConditioning(record: Inversion): BranchConditioning {
  const c = record.conditioning;
  return record.method === 'negative-prompt' ? { ...c, uncond: c.cond } : c;
}

/**
 * Runs the method's sampler for `branches` branches from the record's latents. `predict`
 * decides each branch's conditioning (branch 0 = source).
 * @throws ConfigError (CONFIG_INVALID) for an override the method does not take or an invalid value
 */
export async function sampleBranches(record: Inversion, predict: BranchPredict, branches: number, overrides: SamplingOverrides = {}): Promise<Float32Array[]> {
  const plan = recordPlan(record);
  const l = record.latents;
  const o = record.options;
  if (overrides.gamma !== undefined && l.method !== 'bdia') {
    throw new RepriseError('CONFIG_INVALID', `sampling override "gamma" applies to BDIA only, not to ${l.method}`, { hint: 'Drop the override.' });
  }
  switch (l.method) {
    case 'ddim':
      return sampleDdim(plan, l, predict, branches, {}, overrides.onStepEnd);
    case 'negative-prompt':
      return sampleNegativePrompt(plan, l, predict, branches, {}, overrides.onStepEnd);
    case 'ef-ddpm':
      return sampleEfDdpm(plan, l, predict, branches, { eta: o.method === 'ef-ddpm' ? o.eta : undefined }, overrides.onStepEnd);
    case 'bdia': {
      const gamma = overrides.gamma ?? (o.method === 'bdia' ? o.gamma : undefined);
      return sampleBdia(plan, l, predict, branches, resolveMethodOptions('bdia', { gamma }), overrides.onStepEnd);
    }
    case 'edict':
      return sampleEdict(plan, l, predict, branches, { p: o.method === 'edict' ? o.p : undefined }, overrides.onStepEnd);
    case 'ddcm':
      return sampleDdcm(plan, l, predict, branches, { seed: l.seed }, overrides.onStepEnd);
  }
}

/**
 * Regenerates z0 from the record through the method's sampler (1 branch) with the record's own
 * conditioning ({@link reconstructionConditioning}); `predictor` builds the model predictor for it.
 */
export async function reconstructLatent(record: Inversion, predictor: PredictorFactory): Promise<Float32Array> {
  const plan = recordPlan(record);
  const predict = predictor(plan, [reconstructionConditioning(record)]);
  const [z] = await sampleBranches(record, predict, 1);
  return z as Float32Array;
}
