/**
 * Dispatch by method: {@link invert} builds an {@link Inversion} record, {@link reconstructLatent}
 * regenerates z0 from it with the record's own conditioning, and {@link sampleBranches} runs the
 * method's sampler for the editing loops (branch 0 = source, 1 … = targets).
 */
import { RepriseError } from '../errors.js';
import { checkLatent } from './common.js';
import { resolveSpecOptions } from './method-options.js';
import { resolveInversionOptions, type InversionOptions } from './options.js';
import { samplingPlanFromConfig } from './plan.js';
import { getInversionMethod, inversionMethods } from './registry.js';
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
  const spec = getInversionMethod(resolved.method as string); // the erased spec: dispatch by name
  const latents = { method: resolved.method, ...(await spec.invert(plan, predict, z0, resolved)) } as InversionLatents;
  const record: Inversion = {
    method: resolved.method,
    options: resolved,
    modelId: meta.modelId,
    schedule: { config: meta.schedulerConfig, steps, timesteps: [...plan.timesteps], solver: meta.solver?.id ?? resolved.method, ...(meta.solver?.karras === true ? { karras: true } : {}) },
    prompts: meta.prompts,
    conditioning: spec.conditioning === 'source-as-uncond' ? { ...meta.conditioning, uncond: meta.conditioning.cond } : meta.conditioning,
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
  return getInversionMethod(record.method as string).conditioning === 'source-as-uncond' ? { ...c, uncond: c.cond } : c;
}

/**
 * Runs the method's sampler for `branches` branches from the record's latents. `predict`
 * decides each branch's conditioning (branch 0 = source).
 * @throws ConfigError (CONFIG_INVALID) for an override the method does not take or an invalid value
 */
export async function sampleBranches(record: Inversion, predict: BranchPredict, branches: number, overrides: SamplingOverrides = {}): Promise<Float32Array[]> {
  const plan = recordPlan(record);
  const spec = getInversionMethod(record.method as string); // the erased spec: dispatch by name
  const { method: _method, ...recorded } = record.options;
  const given = Object.entries(overrides).filter(([k, v]) => k !== 'onStepEnd' && v !== undefined);
  for (const [key] of given) {
    if (!(spec.samplingOverrides ?? []).includes(key)) {
      const takers = inversionMethods().filter((m) => (m.samplingOverrides ?? []).includes(key)).map((m) => m.label);
      throw new RepriseError('CONFIG_INVALID', `sampling override "${key}" applies to ${takers.join(', ')} only, not to ${record.method}`, { hint: 'Drop the override.' });
    }
  }
  const options = resolveSpecOptions(spec, { ...recorded, ...Object.fromEntries(given) });
  return spec.sample(plan, record.latents, predict, branches, options, overrides.onStepEnd);
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
