/**
 * Negative-prompt inversion: DDIM inversion with the source prompt, then sampling where the
 * source prompt's embedding takes the place of the unconditional (null-text) embedding — a
 * closed-form stand-in for null-text inversion's optimized embeddings.
 *
 * Paper: Miyake, Iohara, Saito & Tanaka 2023, "Negative-prompt Inversion: Fast Image Inversion for
 * Editing with Text-guided Diffusion Models" (arXiv:2305.16807).
 *
 * Notation (docs/design.md §4): inversion is `invertDdim` with the source conditioning c_src at guidance
 * w = 1 (ε = ε(z, t; c_src)). Sampling is `sampleDdim` with, for every branch e,
 * ε̂_e = ε(z, t; c_src) + w (ε(z, t; c_e) − ε(z, t; c_src)): set each branch's
 * {@link BranchConditioning} to `{ cond: c_e, uncond: c_src, guidance: w }`
 * ({@link negativePromptConditioning}). For the source branch uncond = cond, so its ε̂ is ε(z, t; c_src)
 * for every w and reconstruction does not depend on w. Inexact like DDIM inversion.
 */
import { z } from 'zod';
import { invertDdim, sampleDdim, type DdimLatents } from './ddim.js';
import { resolveSpecOptions } from './method-options.js';
import { ATTENTION_CONTROLS, defineInversionMethod, type OptionsInputOf } from './spec.js';
import type { BranchConditioning, BranchPredict, SamplingPlan } from './types.js';
import type { StepEndHook } from './types.js';

/** What negative-prompt inversion keeps: z_N of the DDIM inversion. */
export type NegativePromptLatents = DdimLatents;

/** Negative-prompt inversion takes no options. */
const options = z.strictObject({});

/** Negative-prompt inversion takes no options. */
export type NegativePromptParams = OptionsInputOf<typeof options.shape>;

/**
 * The conditioning of one branch when sampling a negative-prompt inversion: the branch's own
 * prompt embedding as `cond`, the *source* prompt's embedding as `uncond`, guidance w.
 * @param sourceCond - the source prompt's embedding [L·D] (the one the inversion used)
 * @param cond - this branch's prompt embedding (the source's again for branch 0)
 */
export function negativePromptConditioning(sourceCond: Float32Array, cond: Float32Array, guidance: number, guidanceRescale?: number): BranchConditioning {
  return { cond, uncond: sourceCond, guidance, ...(guidanceRescale !== undefined ? { guidanceRescale } : {}) };
}

/**
 * DDIM inversion of z0 with `predict` conditioned on the source prompt alone (guidance 1, or
 * uncond = cond — equivalent).
 */
export async function invertNegativePrompt(plan: SamplingPlan, predict: BranchPredict, z0: Float32Array, options: NegativePromptParams = {}): Promise<NegativePromptLatents> {
  resolveSpecOptions(negativePromptMethod, options);
  return invertDdim(plan, predict, z0);
}

/**
 * DDIM sampling (η = 0) of `branches` branches from z_N; build `predict` with
 * {@link negativePromptConditioning} for every branch. Returns each branch's final latent.
 */
export async function sampleNegativePrompt(
  plan: SamplingPlan,
  latents: NegativePromptLatents,
  predict: BranchPredict,
  branches: number,
  options: NegativePromptParams = {},
  onStepEnd?: StepEndHook,
): Promise<Float32Array[]> {
  resolveSpecOptions(negativePromptMethod, options);
  return sampleDdim(plan, latents, predict, branches, {}, onStepEnd);
}

/** Negative-prompt inversion as a registered method. */
export const negativePromptMethod = defineInversionMethod({
  name: 'negative-prompt',
  label: 'Negative-prompt inversion',
  summary: "fast stand-in for null-text inversion: when editing, the source prompt's embedding replaces the unconditional one",
  paper: 'Miyake et al. 2023, [arXiv:2305.16807](https://arxiv.org/abs/2305.16807)',
  options,
  exact: false,
  exactness: 'no (DDIM inversion)',
  calls: { invert: '1', sample: '1' },
  invert: (plan, predict, z0) => invertNegativePrompt(plan, predict, z0),
  sample: (plan, latents, predict, branches, _o, onStepEnd) => sampleNegativePrompt(plan, latents, predict, branches, {}, onStepEnd),
  record: { tensors: { zT: { kind: 'latent' } } },
  conditioning: 'source-as-uncond',
  solvers: 'any',
  attention: ATTENTION_CONTROLS,
  guidance: { invert: 1, edit: 7.5 },
});
