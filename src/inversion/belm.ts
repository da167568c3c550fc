/**
 * O-BELM: the optimal second-order bidirectional explicit linear multi-step sampler, exactly
 * invertible because each relation links x_{i−1}, x_i, x_{i+1} and ε(x_i) only — BDIA's structure
 * with coefficients of second order on non-uniform steps.
 *
 * Paper: Wang et al. 2024, "BELM: Bidirectional Explicit Linear Multi-step Sampler for Exact
 * Inversion in Diffusion Models" (NeurIPS 2024, arXiv:2410.07273); the step is `belm-step.ts`.
 *
 * Notation (docs/design.md §4, levels as in `common.ts`, O-BELM's levels `belmLevels`): relation i
 * (1 ≤ i ≤ N − 1) is x_{i−1} = A_i x_{i+1} + B_i x_i + C_i ε_i, ε_i = ε(x_i, τ_i) with the branch's
 * conditioning, (A_i, B_i, C_i) = `belmCoefficients(ā_{i−1}, ā_i, ā_{i+1}, maxRatio)`: the paper's
 * second-order coefficients wherever the σ̄ steps grow with the noise, a_{i,2} capped at `maxRatio`
 * (default 1: zero-stable) where they shrink — at the low-noise end of diffusers' grids: 1 relation
 * of 10 steps, 2 of 20, up to ~12 of 100 (and a few rounding ones mid-grid on 'linspace').
 * Inversion: x_1 = D(x_0, ε(x_0, τ_1); 0→1) (a plain DDIM step: the paper's first step, when no
 * x_{i−1} exists yet), then for i = 1 … N−1 x_{i+1} = (x_{i−1} − B_i x_i − C_i ε_i)/A_i (the paper's
 * "inversion of O-BELM"). The record keeps the pair (x_N, x_{N−1}). Sampling, for i = N−1 … 1, runs
 * relation i forwards — its exact inverse, so reconstruction is exact whenever ε is evaluated
 * identically both ways (deterministic kernels, same batch layout). Generation starts as the paper
 * does: x_{N−1} by one DDIM step from x_N.
 *
 * Precision: as BDIA (`bdia.ts`): float64 state, the model sees it rounded to float32, and the
 * record stores each float64 latent exactly as float32 parts (`splitFloat64`).
 */
import { z } from 'zod';
import { ddimMap } from '../solvers/index.js';
import { belmCoefficients, belmLevels, type BelmCoefficients } from './belm-step.js';
import { checkBranches, checkLatent, evaluate, evaluateOne, inversionLevels, modelInput, requireNonZeroLevels, stepOf, type InversionLevels } from './common.js';
import { resolveSpecOptions } from './method-options.js';
import { ATTENTION_CONTROLS, defineInversionMethod, type OptionsInputOf } from './spec.js';
import type { BranchPredict, SamplingPlan, StepEndHook } from './types.js';

const options = z.strictObject({
  maxRatio: z
    .number({ error: 'must be a number' })
    .gte(1, { error: 'must lie in [1, 100]' })
    .lte(100, { error: 'must lie in [1, 100]' })
    .default(1)
    .describe('cap on O-BELM\'s weight a = h_i²/h_{i+1}² of x_{i+1}: 1 keeps every step zero-stable (first order where σ̄ steps shrink), 100 is the paper\'s O-BELM everywhere'),
});

/** What O-BELM inversion keeps: the last pair of the latent sequence (float64). */
export interface BelmLatents {
  /** x_N (at the noisiest timestep τ_N). */
  readonly zN: Float64Array;
  /** x_{N−1} (at τ_{N−1}; z0 itself when N = 1). */
  readonly zNMinus1: Float64Array;
}

/** O-BELM options (range and default: {@link belmMethod}'s schema). */
export type BelmParams = OptionsInputOf<typeof options.shape>;

/** The plan's O-BELM levels, checked (every ā > 0). */
function levelsOf(plan: SamplingPlan): InversionLevels {
  const levels = belmLevels(inversionLevels(plan));
  requireNonZeroLevels(levels, 'belm');
  return levels;
}

/** Relation i's coefficients. */
function relation(levels: InversionLevels, i: number, maxRatio: number): BelmCoefficients {
  const ab = levels.alphaBars;
  return belmCoefficients(ab[i - 1] as number, ab[i] as number, ab[i + 1] as number, maxRatio);
}

/**
 * Inverts z0 into the pair (x_N, x_{N−1}) with the source conditioning baked into `predict`
 * (1 branch): N model calls.
 */
export async function invertBelm(plan: SamplingPlan, predict: BranchPredict, z0: Float32Array, options: BelmParams = {}): Promise<BelmLatents> {
  const { maxRatio } = resolveSpecOptions(belmMethod, options);
  checkLatent(plan, z0, 'z0');
  const levels = levelsOf(plan);
  const first = await evaluateOne(predict, z0, levels.timesteps[1] as number, stepOf(levels, 1));
  let prev = Float64Array.from(z0);
  let cur = ddimMap(prev, first.eps, levels.alphaBars[0] as number, levels.alphaBars[1] as number);
  for (let i = 1; i < levels.steps; i++) {
    const { eps } = await evaluateOne(predict, modelInput(cur), levels.timesteps[i] as number, stepOf(levels, i));
    const c = relation(levels, i, maxRatio);
    const next = new Float64Array(cur.length);
    // x_{i+1} = (x_{i−1} − B_i x_i − C_i ε_i)/A_i (Wang et al. 2024, the inversion of O-BELM)
    for (let j = 0; j < next.length; j++) next[j] = (prev[j]! - c.current * cur[j]! - c.eps * eps[j]!) / c.noisier;
    prev = cur;
    cur = next;
  }
  return { zN: cur, zNMinus1: prev };
}

/**
 * O-BELM sampling of `branches` branches from the pair (x_N, x_{N−1}): N − 1 model calls; the
 * predictor decides each branch's conditioning. Returns each branch's x_0 rounded to float32
 * (branch 0 = source).
 */
export async function sampleBelm(plan: SamplingPlan, latents: BelmLatents, predict: BranchPredict, branches: number, options: BelmParams = {}, onStepEnd?: StepEndHook): Promise<Float32Array[]> {
  const { maxRatio } = resolveSpecOptions(belmMethod, options);
  checkLatent(plan, latents.zN, 'x_N', 'f64');
  checkLatent(plan, latents.zNMinus1, 'x_{N−1}', 'f64');
  checkBranches(branches);
  const levels = levelsOf(plan);
  let next: Float64Array[] = Array.from({ length: branches }, () => latents.zN.slice());
  let cur: Float64Array[] = Array.from({ length: branches }, () => latents.zNMinus1.slice());
  for (let i = levels.steps - 1; i >= 1; i--) {
    const preds = await evaluate(predict, cur.map(modelInput), levels.timesteps[i] as number, stepOf(levels, i));
    const c = relation(levels, i, maxRatio);
    const prev = cur.map((xc, b) => {
      const xn = next[b] as Float64Array;
      const eps = preds[b]!.eps;
      const out = new Float64Array(xc.length);
      // x_{i−1} = A_i x_{i+1} + B_i x_i + C_i ε_i (Wang et al. 2024, the O-BELM sampler)
      for (let j = 0; j < out.length; j++) out[j] = c.noisier * xn[j]! + c.current * xc[j]! + c.eps * eps[j]!;
      return out;
    });
    next = cur;
    cur = prev;
    await onStepEnd?.(stepOf(levels, i), cur);
  }
  return cur.map(modelInput);
}

/** O-BELM as a registered method. */
export const belmMethod = defineInversionMethod({
  name: 'belm',
  label: 'O-BELM',
  summary: 'BDIA-like with second-order steps: samples closer to the ODE at equal steps',
  paper: 'Wang et al., NeurIPS 2024, [arXiv:2410.07273](https://arxiv.org/abs/2410.07273)',
  options,
  exact: true,
  exactness: 'yes, with deterministic kernels',
  calls: { invert: '1', sample: '1' },
  invert: (plan, predict, z0, o) => invertBelm(plan, predict, z0, o),
  sample: (plan, latents, predict, branches, o, onStepEnd) => sampleBelm(plan, latents, predict, branches, o, onStepEnd),
  record: { tensors: { zN: { kind: 'latent64' }, zNMinus1: { kind: 'latent64' } } },
  generate: async ({ plan, predict, start }) => {
    // x_{N−1} by one plain DDIM step from x_N (the paper's first sampling step), in float64.
    const levels = levelsOf(plan);
    const n = levels.steps;
    const [pred] = await evaluate(predict, [start], levels.timesteps[n] as number, stepOf(levels, n));
    const zN = Float64Array.from(start);
    return { zN, zNMinus1: ddimMap(zN, pred!.eps, levels.alphaBars[n] as number, levels.alphaBars[n - 1] as number) };
  },
  conditioning: 'standard',
  solvers: 'own',
  attention: ATTENTION_CONTROLS,
  guidance: { invert: 1, edit: 7.5 },
});
