/**
 * DDIM inversion (the inexact baseline) and deterministic DDIM sampling (η = 0).
 *
 * Paper: Song, Meng & Ermon 2021, "Denoising Diffusion Implicit Models" (arXiv:2010.02502),
 * eq. (12) run backwards; as used for editing by Mokady et al. 2023, "Null-text Inversion for
 * Editing Real Images" (arXiv:2211.09794), whose `next_step` this follows.
 *
 * Notation (docs/design.md §3/§4, levels as in `common.ts`): D(z, ε; s→r) is the DDIM map (`ddimMap`);
 * inversion z_i = D(z_{i−1}, ε(z_{i−1}, τ_i); ā_{i−1} → ā_i) for i = 1 … N — ε is evaluated at the
 * *target* timestep τ_i with the current latent, the approximation that makes DDIM inversion
 * inexact (ε(z_{i−1}, τ_i) ≠ ε(z_i, τ_i)); level 0 is the schedule's final ā (`set_alpha_to_one`).
 * Sampling: z_{i−1} = D(z_i, ε(z_i, τ_i); ā_i → ā_{i−1}) for i = N … 1. The model's ε is the
 * predictor's (already guided and converted from the prediction type at timestep τ_i).
 */
import { z } from 'zod';
import { ddimMap } from '../solvers/index.js';
import { checkBranches, checkLatent, evaluate, evaluateOne, inversionLevels, replicate, requireNonZeroLevels, stepOf } from './common.js';
import { resolveSpecOptions } from './method-options.js';
import { ATTENTION_CONTROLS, defineInversionMethod, type OptionsInputOf } from './spec.js';
import type { BranchPredict, SamplingPlan } from './types.js';
import type { StepEndHook } from './types.js';

/** DDIM inversion takes no options. */
const options = z.strictObject({});

/** What DDIM inversion keeps: the noisiest latent z_N. */
export interface DdimLatents {
  readonly zT: Float32Array;
}

/** DDIM inversion takes no options. */
export type DdimParams = OptionsInputOf<typeof options.shape>;

/**
 * Inverts z0 to z_N with the source conditioning baked into `predict` (1 branch).
 * @throws RepriseError (RUNTIME_INPUT) for a latent of the wrong size
 */
export async function invertDdim(plan: SamplingPlan, predict: BranchPredict, z0: Float32Array, options: DdimParams = {}): Promise<DdimLatents> {
  resolveSpecOptions(ddimMethod, options);
  checkLatent(plan, z0, 'z0');
  const levels = inversionLevels(plan);
  requireNonZeroLevels(levels, 'ddim');
  let z = z0.slice();
  for (let i = 1; i <= levels.steps; i++) {
    const t = levels.timesteps[i] as number;
    const { eps } = await evaluateOne(predict, z, t, stepOf(levels, i));
    z = ddimMap(z, eps, levels.alphaBars[i - 1] as number, levels.alphaBars[i] as number);
  }
  return { zT: z };
}

/**
 * Deterministic DDIM sampling (η = 0) of `branches` branches from the same z_N; the predictor
 * decides each branch's conditioning. Returns each branch's final latent (branch 0 = source).
 */
export async function sampleDdim(plan: SamplingPlan, latents: DdimLatents, predict: BranchPredict, branches: number, options: DdimParams = {}, onStepEnd?: StepEndHook): Promise<Float32Array[]> {
  resolveSpecOptions(ddimMethod, options);
  checkLatent(plan, latents.zT, 'z_T');
  checkBranches(branches);
  const levels = inversionLevels(plan);
  requireNonZeroLevels(levels, 'ddim');
  let zs = replicate(latents.zT, branches);
  for (let i = levels.steps; i >= 1; i--) {
    const t = levels.timesteps[i] as number;
    const preds = await evaluate(predict, zs, t, stepOf(levels, i));
    const from = levels.alphaBars[i] as number;
    const to = levels.alphaBars[i - 1] as number;
    zs = zs.map((z, b) => ddimMap(z, preds[b]!.eps, from, to));
    await onStepEnd?.(stepOf(levels, i), zs);
  }
  return zs;
}

/** DDIM inversion as a registered method. */
export const ddimMethod = defineInversionMethod({
  name: 'ddim',
  label: 'DDIM',
  summary: 'the inexact baseline; editability poor: the reconstruction drifts, so edits drift too',
  paper: 'Song et al. 2021, [arXiv:2010.02502](https://arxiv.org/abs/2010.02502)',
  options,
  exact: false,
  exactness: 'no — the baseline',
  calls: { invert: '1', sample: '1' },
  invert: (plan, predict, z0) => invertDdim(plan, predict, z0),
  sample: (plan, latents, predict, branches, _o, onStepEnd) => sampleDdim(plan, latents, predict, branches, {}, onStepEnd),
  record: { tensors: { zT: { kind: 'latent' } } },
  generate: async ({ start }) => ({ zT: start }),
  conditioning: 'standard',
  solvers: 'any',
  attention: ATTENTION_CONTROLS,
  guidance: { invert: 1, edit: 7.5 },
});
