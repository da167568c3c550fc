/**
 * EDICT: exact inversion with two coupled latent sequences x and y (affine coupling layers).
 *
 * Paper: Wallace, Gokul & Naik 2023, "EDICT: Exact Diffusion Inversion via Coupled
 * Transformations" (CVPR 2023, arXiv:2211.12446), §3.
 *
 * Notation (docs/design.md §4, levels as in `common.ts`): the sampling step at t = τ_i goes from ā_i to
 * ā_{i−1} with a_t = √(ā_{i−1}/ā_i), b_t = √(1−ā_{i−1}) − a_t √(1−ā_i) (the DDIM map's
 * coefficients, `ddimMapCoefficients`). Sampling step, ε with the branch's conditioning:
 *   x ← a_t x + b_t ε(y, t);  y ← a_t y + b_t ε(x, t);  x ← p x + (1−p) y;  y ← p y + (1−p) x.
 * Inversion runs these exactly backwards (same timestep t for ε):
 *   y ← (y − (1−p) x)/p;  x ← (x − (1−p) y)/p;  y ← (y − b_t ε(x, t))/a_t;  x ← (x − b_t ε(y, t))/a_t,
 * starting from x = y = z0 at level 0. Two model calls per step, both with the step's index.
 * The record keeps (x_T, y_T); sampling returns x (y ends equally close to z0 up to the mixing).
 *
 * Precision: x and y are kept in float64 and the model sees them rounded to float32, so sampling
 * re-creates the inversion's model inputs bit for bit and the mixing's 1/p amplification acts on
 * float64 rounding only (with float32 state the reconstruction error reached ≈1e-5…1e-4 on test
 * UNets). The record stores each float64 latent exactly as float32 parts (`splitFloat64`).
 */
import { z } from 'zod';
import { ddimMapCoefficients } from '../solvers/index.js';
import { checkBranches, checkLatent, evaluate, evaluateOne, inversionLevels, modelInput, requireNonZeroLevels, stepOf } from './common.js';
import { resolveSpecOptions } from './method-options.js';
import { ATTENTION_CONTROLS, defineInversionMethod, type OptionsInputOf } from './spec.js';
import type { BranchPredict, SamplingPlan } from './types.js';
import type { StepEndHook } from './types.js';

const options = z.strictObject({
  p: z
    .number({ error: 'must be a number' })
    .gt(0, { error: 'must lie in the open interval (0, 1)' })
    .lt(1, { error: 'must lie in the open interval (0, 1)' })
    .default(0.93)
    .describe('mixing weight of the coupled sequences'),
});

/** What EDICT inversion keeps: both coupled latents at the noisiest timestep (float64). */
export interface EdictLatents {
  readonly x: Float64Array;
  readonly y: Float64Array;
}

/** EDICT options (range and default: {@link edictMethod}'s schema). */
export type EdictParams = OptionsInputOf<typeof options.shape>;

/** out = (u − c v)/d. */
function affine(u: Float64Array, v: Float32Array | Float64Array, c: number, d: number): Float64Array {
  const out = new Float64Array(u.length);
  for (let j = 0; j < out.length; j++) out[j] = (u[j]! - c * v[j]!) / d;
  return out;
}

/** out = a u + b v. */
function combine(a: number, u: Float64Array, b: number, v: Float32Array | Float64Array): Float64Array {
  const out = new Float64Array(u.length);
  for (let j = 0; j < out.length; j++) out[j] = a * u[j]! + b * v[j]!;
  return out;
}

/**
 * Inverts z0 into (x_T, y_T) with the source conditioning baked into `predict` (1 branch):
 * 2N model calls.
 */
export async function invertEdict(plan: SamplingPlan, predict: BranchPredict, z0: Float32Array, options: EdictParams = {}): Promise<EdictLatents> {
  const { p } = resolveSpecOptions(edictMethod, options);
  checkLatent(plan, z0, 'z0');
  const levels = inversionLevels(plan);
  requireNonZeroLevels(levels, 'edict');
  let x: Float64Array = Float64Array.from(z0);
  let y: Float64Array = Float64Array.from(z0);
  for (let i = 1; i <= levels.steps; i++) {
    const t = levels.timesteps[i] as number;
    const step = stepOf(levels, i);
    const { a, b } = ddimMapCoefficients(levels.alphaBars[i] as number, levels.alphaBars[i - 1] as number);
    y = affine(y, x, 1 - p, p);
    x = affine(x, y, 1 - p, p);
    y = affine(y, (await evaluateOne(predict, modelInput(x), t, step)).eps, b, a);
    x = affine(x, (await evaluateOne(predict, modelInput(y), t, step)).eps, b, a);
  }
  return { x, y };
}

/**
 * EDICT sampling of `branches` branches, each from the pair (x_T, y_T); the predictor decides
 * each branch's conditioning (two calls per step with the same step index). Returns each
 * branch's final x rounded to float32 (branch 0 = source).
 */
export async function sampleEdict(plan: SamplingPlan, latents: EdictLatents, predict: BranchPredict, branches: number, options: EdictParams = {}, onStepEnd?: StepEndHook): Promise<Float32Array[]> {
  const { p } = resolveSpecOptions(edictMethod, options);
  checkLatent(plan, latents.x, 'x_T', 'f64');
  checkLatent(plan, latents.y, 'y_T', 'f64');
  checkBranches(branches);
  const levels = inversionLevels(plan);
  requireNonZeroLevels(levels, 'edict');
  let xs: Float64Array[] = Array.from({ length: branches }, () => latents.x.slice());
  let ys: Float64Array[] = Array.from({ length: branches }, () => latents.y.slice());
  for (let i = levels.steps; i >= 1; i--) {
    const t = levels.timesteps[i] as number;
    const step = stepOf(levels, i);
    const { a, b } = ddimMapCoefficients(levels.alphaBars[i] as number, levels.alphaBars[i - 1] as number);
    const fromY = await evaluate(predict, ys.map(modelInput), t, step);
    xs = xs.map((x, k) => combine(a, x, b, fromY[k]!.eps));
    const fromX = await evaluate(predict, xs.map(modelInput), t, step);
    ys = ys.map((y, k) => combine(a, y, b, fromX[k]!.eps));
    xs = xs.map((x, k) => combine(p, x, 1 - p, ys[k] as Float64Array));
    ys = ys.map((y, k) => combine(p, y, 1 - p, xs[k] as Float64Array));
    await onStepEnd?.(step, xs);
    await onStepEnd?.(step, ys);
  }
  return xs.map(modelInput);
}

/** EDICT as a registered method. */
export const edictMethod = defineInversionMethod({
  name: 'edict',
  label: 'EDICT',
  summary: 'good, at twice the cost',
  paper: 'Wallace, Gokul & Naik, CVPR 2023, [arXiv:2211.12446](https://arxiv.org/abs/2211.12446)',
  options,
  exact: true,
  exactness: 'yes, with deterministic kernels',
  calls: { invert: '2', sample: '2' },
  invert: (plan, predict, z0, o) => invertEdict(plan, predict, z0, o),
  sample: (plan, latents, predict, branches, o, onStepEnd) => sampleEdict(plan, latents, predict, branches, o, onStepEnd),
  record: { tensors: { x: { kind: 'latent64' }, y: { kind: 'latent64' } } },
  generate: async ({ start }) => {
    const x = Float64Array.from(start);
    return { x, y: x.slice() };
  },
  conditioning: 'standard',
  solvers: 'own',
  attention: ATTENTION_CONTROLS,
  guidance: { invert: 1, edit: 7.5 },
});
