/**
 * BDIA: bi-directional integration approximation, an exactly invertible DDIM variant that
 * carries a pair of consecutive latents.
 *
 * Paper: Zhang, Lewis & Kleijn 2024, "Exact Diffusion Inversion via Bi-directional Integration
 * Approximation" (ECCV 2024, arXiv:2307.10829), BDIA-DDIM.
 *
 * Notation (docs/design.md §4, levels as in `common.ts`): D(z, ε; s→r) = a z + b ε with
 * (a, b) = `ddimMapCoefficients(ā_s, ā_r)`, ε_i = ε(z_i, τ_i) with the branch's conditioning.
 * Inversion: z_1 = D(z_0, ε(z_0, τ_1); 0→1) (a plain DDIM inversion step), then for i = 1 … N−1
 * z_{i+1} = (z_{i−1} − D(z_i, ε_i; i→i−1))/γ + D(z_i, ε_i; i→i+1). The record keeps the pair
 * (z_N, z_{N−1}). Sampling, for i = N−1 … 1:
 * z_{i−1} = γ [z_{i+1} − D(z_i, ε_i; i→i+1)] + D(z_i, ε_i; i→i−1) — the inverse of the inversion
 * step, so reconstruction is exact whenever ε is evaluated identically both ways (deterministic
 * kernels, same batch layout). Editing may sample with another γ than the inversion (docs/design.md §4:
 * γ ∈ [0.92, 1]).
 *
 * Precision: the latent sequence is kept in float64 and the model sees it rounded to float32.
 * Sampling then re-creates the inversion's model inputs bit for bit (the float64 round trip is
 * exact to ~1e-15, far below float32's resolution), so ε is identical both ways and the
 * reconstruction error stays at float64 level instead of growing with the model's sensitivity to
 * float32 rounding. The record stores each float64 latent exactly as float32 parts (`splitFloat64`).
 */
import { z } from 'zod';
import { ddimMap, ddimMapCoefficients } from '../solvers/index.js';
import { checkBranches, checkLatent, evaluate, evaluateOne, inversionLevels, modelInput, requireNonZeroLevels, stepOf, type InversionLevels } from './common.js';
import { resolveSpecOptions } from './method-options.js';
import { ATTENTION_CONTROLS, defineInversionMethod, type OptionsInputOf } from './spec.js';
import type { BranchPredict, SamplingPlan } from './types.js';
import type { StepEndHook } from './types.js';

const options = z.strictObject({
  gamma: z
    .number({ error: 'must be a number' })
    .gt(0, { error: 'must lie in (0, 1]' })
    .lte(1, { error: 'must lie in (0, 1]' })
    .default(1)
    .describe('γ of the bi-directional step (editing samples with 0.92–1)'),
});

/** What BDIA inversion keeps: the last pair of the latent sequence (float64). */
export interface BdiaLatents {
  /** z_N (at the noisiest timestep τ_N). */
  readonly zN: Float64Array;
  /** z_{N−1} (at τ_{N−1}; z_0 itself when N = 1). */
  readonly zNMinus1: Float64Array;
}

/** BDIA options (range and default: {@link bdiaMethod}'s schema). */
export type BdiaParams = OptionsInputOf<typeof options.shape>;

/** The coefficients of D(z_i, ·; i→i−1) and D(z_i, ·; i→i+1). */
function coefficients(levels: InversionLevels, i: number): { back: { a: number; b: number }; fwd: { a: number; b: number } } {
  const here = levels.alphaBars[i] as number;
  return {
    back: ddimMapCoefficients(here, levels.alphaBars[i - 1] as number),
    fwd: ddimMapCoefficients(here, levels.alphaBars[i + 1] as number),
  };
}

/**
 * Inverts z0 into the pair (z_N, z_{N−1}) with the source conditioning baked into `predict`
 * (1 branch): N model calls.
 */
export async function invertBdia(plan: SamplingPlan, predict: BranchPredict, z0: Float32Array, options: BdiaParams = {}): Promise<BdiaLatents> {
  const { gamma } = resolveSpecOptions(bdiaMethod, options);
  checkLatent(plan, z0, 'z0');
  const levels = inversionLevels(plan);
  requireNonZeroLevels(levels, 'bdia');
  const first = await evaluateOne(predict, z0, levels.timesteps[1] as number, stepOf(levels, 1));
  let prev = Float64Array.from(z0);
  let cur = ddimMap(prev, first.eps, levels.alphaBars[0] as number, levels.alphaBars[1] as number);
  for (let i = 1; i < levels.steps; i++) {
    const { eps } = await evaluateOne(predict, modelInput(cur), levels.timesteps[i] as number, stepOf(levels, i));
    const { back, fwd } = coefficients(levels, i);
    const next = new Float64Array(cur.length);
    for (let j = 0; j < next.length; j++) {
      const z = cur[j]!;
      const e = eps[j]!;
      next[j] = (prev[j]! - (back.a * z + back.b * e)) / gamma + (fwd.a * z + fwd.b * e);
    }
    prev = cur;
    cur = next;
  }
  return { zN: cur, zNMinus1: prev };
}

/**
 * BDIA sampling of `branches` branches from the pair (z_N, z_{N−1}): N − 1 model calls; the
 * predictor decides each branch's conditioning. `gamma` may differ from the inversion's (editing).
 * Returns each branch's z_0 rounded to float32 (branch 0 = source).
 */
export async function sampleBdia(plan: SamplingPlan, latents: BdiaLatents, predict: BranchPredict, branches: number, options: BdiaParams = {}, onStepEnd?: StepEndHook): Promise<Float32Array[]> {
  const { gamma } = resolveSpecOptions(bdiaMethod, options);
  checkLatent(plan, latents.zN, 'z_N', 'f64');
  checkLatent(plan, latents.zNMinus1, 'z_{N−1}', 'f64');
  checkBranches(branches);
  const levels = inversionLevels(plan);
  requireNonZeroLevels(levels, 'bdia');
  let next: Float64Array[] = Array.from({ length: branches }, () => latents.zN.slice());
  let cur: Float64Array[] = Array.from({ length: branches }, () => latents.zNMinus1.slice());
  for (let i = levels.steps - 1; i >= 1; i--) {
    const preds = await evaluate(predict, cur.map(modelInput), levels.timesteps[i] as number, stepOf(levels, i));
    const { back, fwd } = coefficients(levels, i);
    const prev = cur.map((zc, b) => {
      const zn = next[b] as Float64Array;
      const eps = preds[b]!.eps;
      const out = new Float64Array(zc.length);
      for (let j = 0; j < out.length; j++) {
        const z = zc[j]!;
        const e = eps[j]!;
        out[j] = gamma * (zn[j]! - (fwd.a * z + fwd.b * e)) + (back.a * z + back.b * e);
      }
      return out;
    });
    next = cur;
    cur = prev;
    await onStepEnd?.(stepOf(levels, i), cur);
  }
  return cur.map(modelInput);
}

/** BDIA as a registered method. */
export const bdiaMethod = defineInversionMethod({
  name: 'bdia',
  label: 'BDIA',
  summary: 'DDIM-like; edit with γ ∈ [0.92, 1] (`gamma` of `edit`)',
  paper: 'Zhang, Lewis & Kleijn, ECCV 2024, [arXiv:2307.10829](https://arxiv.org/abs/2307.10829)',
  options,
  exact: true,
  exactness: 'yes, with deterministic kernels',
  calls: { invert: '1', sample: '1' },
  invert: (plan, predict, z0, o) => invertBdia(plan, predict, z0, o),
  sample: (plan, latents, predict, branches, o, onStepEnd) => sampleBdia(plan, latents, predict, branches, o, onStepEnd),
  samplingOverrides: ['gamma'],
  record: { tensors: { zN: { kind: 'latent64' }, zNMinus1: { kind: 'latent64' } } },
  generate: async ({ plan, predict, start }) => {
    // z_{N−1} by one plain DDIM step from z_N (BDIA's first sampling step), in float64.
    const t = plan.timesteps[0] as number;
    const [pred] = await predict([start], t, 0);
    const abT = plan.schedule.alphasCumprod[t] as number;
    const next = plan.timesteps[1];
    const abNext = next === undefined ? plan.schedule.finalAlphaCumprod : (plan.schedule.alphasCumprod[next] as number);
    const zNMinus1 = Float64Array.from(ddimMap(Float64Array.from(start), pred?.eps as Float32Array, abT, abNext));
    return { zN: Float64Array.from(start), zNMinus1 };
  },
  conditioning: 'standard',
  solvers: 'own',
  attention: ATTENTION_CONTROLS,
  guidance: { invert: 1, edit: 7.5 },
});
