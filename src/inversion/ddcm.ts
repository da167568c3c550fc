/**
 * DDCM virtual inversion (denoising diffusion consistent model): no inversion pass — the source
 * branch is re-noised from the known z0 at every step with a shared noise, and each target branch
 * follows it, corrected by the difference of the model's predictions.
 *
 * Paper: Xu et al. 2024, "Inversion-Free Image Editing with Natural Language" (InfEdit, CVPR 2024,
 * arXiv:2312.04965): the DDCM sampler with η = 1 (`ddcm_sampler` in its code).
 *
 * Notation (docs/design.md §4): sampling step k = 0 … N−1 at t = t_k (the plan's timesteps, noisiest
 * first), ā = ā_t, ā_prev = ā(t_{k+1}). Branch 0 is the source (x_s), branches
 * 1 … are targets (x_t); all start from x_s = √ā_{t_0} z0 + √(1−ā_{t_0}) n_init. Per step, with e_s,
 * e_t the model's ε for the source and target branch (each with its own conditioning) and one
 * seeded noise n shared by every branch:
 *   e_c = (x_s − √ā z0)/√(1−ā)   (the consistency noise; it enters the η-form update with weight
 *                                √(1 − ā_prev − σ²) = 0 at η = 1, so it is not needed here)
 *   x̂0_tgt = z0 + ((x_t − x_s) − √(1−ā)(e_t − e_s))/√ā
 *   x_t ← √ā_prev x̂0_tgt + √(1−ā_prev) n,   x_s ← √ā_prev z0 + √(1−ā_prev) n,
 * and the last step returns x̂0 (the source branch returns z0 exactly; a target with the source's
 * conditioning does too, up to the model's batch-row determinism). Works for any ε-model; best
 * with LCM (latent consistency) models in 4–15 steps, the setting InfEdit was designed for (an
 * LCM UNet needs its guidance embedding: `unetBranchPredictor(…, { timestepCond })`).
 */
import { z } from 'zod';
import { RepriseError } from '../errors.js';
import { alphaBarAt } from '../solvers/index.js';
import { Random } from '../util/random.js';
import { checkBranches, checkLatent, evaluate, inversionLevels, requireNonZeroLevels } from './common.js';
import { resolveSpecOptions, seedOption } from './method-options.js';
import { ATTENTION_CONTROLS, defineInversionMethod, type OptionsInputOf } from './spec.js';
import type { BranchPredict, SamplingPlan } from './types.js';
import type { StepEndHook } from './types.js';

const options = z.strictObject({ seed: seedOption('seed of the shared noise') });

/** What DDCM keeps: the source latent and the seed of the shared noise. */
export interface DdcmLatents {
  readonly z0: Float32Array;
  readonly seed: number;
}

/** DDCM options (range and default: {@link ddcmMethod}'s schema). */
export type DdcmParams = OptionsInputOf<typeof options.shape>;

/** √ā z0 + √(1−ā) n (float64, one rounding). */
function noised(z0: Float32Array, alphaBar: number, noise: Float64Array): Float32Array {
  const a = Math.sqrt(alphaBar);
  const s = Math.sqrt(1 - alphaBar);
  const out = new Float32Array(z0.length);
  for (let j = 0; j < out.length; j++) out[j] = a * z0[j]! + s * noise[j]!;
  return out;
}

function normals(rng: Random, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) out[j] = rng.normal();
  return out;
}

/**
 * "Inverts" z0: no model call, the record is z0 and the seed. `predict` is accepted for the
 * common shape of the inversion functions and not called.
 */
export async function invertDdcm(plan: SamplingPlan, _predict: BranchPredict, z0: Float32Array, options: DdcmParams = {}): Promise<DdcmLatents> {
  const { seed } = resolveSpecOptions(ddcmMethod, options);
  checkLatent(plan, z0, 'z0');
  requireNonZeroLevels(inversionLevels(plan), 'ddcm');
  return { z0: z0.slice(), seed };
}

/**
 * DDCM sampling of `branches` branches (0 = source, 1 … = targets): N model calls. Returns each
 * branch's x̂0 after the last step; branch 0 is z0 exactly.
 */
export async function sampleDdcm(plan: SamplingPlan, latents: DdcmLatents, predict: BranchPredict, branches: number, options: DdcmParams = {}, onStepEnd?: StepEndHook): Promise<Float32Array[]> {
  const { seed } = resolveSpecOptions(ddcmMethod, { seed: options.seed ?? latents.seed });
  const { z0 } = latents;
  checkLatent(plan, z0, 'z0');
  checkBranches(branches);
  requireNonZeroLevels(inversionLevels(plan), 'ddcm');
  const n = plan.timesteps.length;
  const rng = new Random(seed);
  const start = noised(z0, alphaBarAt(plan.schedule, plan.timesteps[0] as number), normals(rng, z0.length));
  let xs: Float32Array[] = Array.from({ length: branches }, () => start.slice());
  for (let k = 0; k < n; k++) {
    const t = plan.timesteps[k] as number;
    const alphaBar = alphaBarAt(plan.schedule, t);
    const next = plan.timesteps[k + 1];
    const preds = await evaluate(predict, xs, t, k);
    const xSrc = xs[0] as Float32Array;
    const eSrc = preds[0]!.eps;
    const sa = Math.sqrt(alphaBar);
    const sb = Math.sqrt(1 - alphaBar);
    const x0s: Float32Array[] = xs.map((xt, b) => {
      if (b === 0) return z0.slice();
      const et = preds[b]!.eps;
      const out = new Float32Array(z0.length);
      for (let j = 0; j < out.length; j++) out[j] = z0[j]! + (xt[j]! - xSrc[j]! - sb * (et[j]! - eSrc[j]!)) / sa;
      return out;
    });
    if (next === undefined) return x0s;
    const alphaBarPrev = alphaBarAt(plan.schedule, next);
    const noise = normals(rng, z0.length);
    xs = x0s.map((x0) => noised(x0, alphaBarPrev, noise));
    await onStepEnd?.(k, xs);
  }
  throw new RepriseError('RUNTIME_INPUT', 'DDCM sampling needs at least one step', { hint: 'Use a plan with one or more timesteps.' });
}

/** DDCM as a registered method. */
export const ddcmMethod = defineInversionMethod({
  name: 'ddcm',
  label: 'DDCM',
  summary: '"virtual inversion": built for LCM models in 4–15 steps; works with any ε-model',
  paper: 'Xu et al. (InfEdit), CVPR 2024, [arXiv:2312.04965](https://arxiv.org/abs/2312.04965)',
  options,
  exact: true,
  exactness: 'yes (the source branch returns z0)',
  calls: { invert: '0 — no inversion pass', sample: '1' },
  invert: (plan, predict, z0, o) => invertDdcm(plan, predict, z0, o),
  sample: (plan, latents, predict, branches, _o, onStepEnd) => sampleDdcm(plan, latents, predict, branches, { seed: latents.seed }, onStepEnd),
  record: {
    tensors: {},
    restore: ({ z0, options: o }) => ({ z0: z0.slice(), seed: o.seed }),
    check: (l, { z0, options: o }) => {
      if (l.seed !== o.seed) return `DDCM latents seed ${l.seed} differs from options.seed ${o.seed}`;
      if (l.z0.length !== z0.length || l.z0.some((v, i) => !Object.is(v, z0[i]))) return "DDCM latents.z0 differs from the record's z0";
      return undefined;
    },
  },
  conditioning: 'standard',
  solvers: 'own',
  attention: ATTENTION_CONTROLS,
  guidance: { invert: 1, edit: 2 },
});
