/**
 * Edit-friendly DDPM inversion: every x_t drawn independently from z0, then the noise maps z_t
 * that make the DDPM sampler pass through them, so that resampling reproduces z0 exactly.
 *
 * Paper: Huberman-Spiegelglas, Kulikov & Michaeli 2024, "An Edit Friendly DDPM Noise Space:
 * Inversion and Manipulations" (CVPR 2024, arXiv:2304.06140), eq. (3)–(5).
 *
 * Notation (docs/design.md §4): sampling step k = 0 … N−1 goes from t = t_k to t' = t_{k+1} (the plan's
 * timesteps, noisiest first) and, for the last step, to the final level ā_fin = the schedule's
 * final ā — or ā(0) when that is 1 (`set_alpha_to_one`), where the posterior variance vanishes
 * and the last noise map could encode nothing; a last step at t = 0 goes to ā_fin = 1 with the
 * residual noise map of `stepPosterior`. x_{t_k} = √ā_t z0 + √(1−ā_t) ε_k with ε_k ~ N(0, I)
 * from the seeded RNG (one named stream per step, so draws do not depend on `skip`), x at ā_fin =
 * z0 itself. For k = skip … N−1: μ_t = √ā_{t'} x̂0 + √(1 − ā_{t'} − η σ_t²) ε̂ (`efDdpmPosterior`),
 * z_t = (x_{t'} − μ_t)/(η σ_t) (`solvePosteriorNoise`), and x_{t'} ← μ_t + η σ_t z_t — the value
 * replay computes, so sampling with the same model and conditioning reproduces every x_{t'} bit
 * for bit and ends at z0 up to one float32 rounding. The last noise map is kept (the reference
 * zeroes it, inbarhub/DDPM_inversion#13). Sampling/editing: x_{t'} = μ_t(x_t; branch
 * conditioning) + η σ_t z_t, from x_{t_skip} (x_T when skip = 0).
 */
import { z } from 'zod';
import { alphaBarAt, efDdpmPosterior, posteriorStep, solvePosteriorNoise } from '../solvers/index.js';
import type { PosteriorMean } from '../solvers/index.js';
import { RepriseError } from '../errors.js';
import { Random } from '../util/random.js';
import { checkBranches, checkLatent, evaluate, evaluateOne, replicate } from './common.js';
import { resolveSpecOptions, seedOption } from './method-options.js';
import { ATTENTION_CONTROLS, defineInversionMethod, type OptionsInputOf } from './spec.js';
import type { BranchPrediction, BranchPredict, SamplingPlan } from './types.js';
import type { StepEndHook } from './types.js';

const options = z.strictObject({
  eta: z
    .number({ error: 'must be a number' })
    .gt(0, { error: 'must lie in (0, 1] (η = 0 encodes nothing: use DDIM)' })
    .lte(1, { error: 'must lie in (0, 1]' })
    .default(1)
    .describe('η, the scale of the DDPM posterior noise the noise maps encode'),
  skip: z
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(0, { error: 'must be ≥ 0' })
    .default(0)
    .describe('the first sampling step edited, < steps (the reference edits with 36 of 100, 12 with prompt-to-prompt)'),
  seed: seedOption('seed of the x_t draws'),
});

/** What EF-DDPM inversion keeps. */
export interface EfDdpmLatents {
  /** x at sampling step `skip` (x_T when skip = 0). */
  readonly xStart: Float32Array;
  /** z_t of sampling steps skip … N−1 (N − skip maps, the last one included). */
  readonly noiseMaps: readonly Float32Array[];
}

/** EF-DDPM options (ranges and defaults: {@link efDdpmMethod}'s schema). */
export type EfDdpmParams = OptionsInputOf<typeof options.shape>;

/**
 * ā_t and ā_{t'} of sampling step k. A last step at t = 0 (linspace/trailing spacings) goes to
 * ā = 1 ("t = −1"): its final level ā(0) would equal ā_t, a step that moves nothing.
 */
export function efDdpmLevels(plan: SamplingPlan, k: number): { readonly alphaBar: number; readonly alphaBarPrev: number } {
  const t = plan.timesteps[k] as number;
  const next = plan.timesteps[k + 1];
  const fin = t === 0 ? 1 : plan.schedule.finalAlphaCumprod < 1 ? plan.schedule.finalAlphaCumprod : alphaBarAt(plan.schedule, 0);
  return { alphaBar: alphaBarAt(plan.schedule, t), alphaBarPrev: next === undefined ? fin : alphaBarAt(plan.schedule, next) };
}

/**
 * The posterior of sampling step k. Where the posterior variance vanishes (the last step to
 * ā = 1) the step's noise map is the additive residual z0 − x̂0 at the scale η√(1 − ā_t) of
 * x_t's noise, so that it still carries what the mean misses and replay ends at z0.
 */
function stepPosterior(plan: SamplingPlan, k: number, denoised: BranchPrediction, eta: number): PosteriorMean<Float32Array> {
  const levels = efDdpmLevels(plan, k);
  const posterior = efDdpmPosterior({ denoised, ...levels, eta });
  if (posterior.noiseScale > 0 || k !== plan.timesteps.length - 1) return posterior;
  return { mean: posterior.mean, noiseScale: eta * Math.sqrt(1 - levels.alphaBar) };
}

/** x_t = √ā z0 + √(1−ā) ε for sampling step k, ε from the step's own seeded stream. */
function drawXt(z0: Float32Array, alphaBar: number, seed: number, k: number): Float32Array {
  const rng = Random.forName(seed, `ef-ddpm:x_t:${k}`);
  const a = Math.sqrt(alphaBar);
  const s = Math.sqrt(1 - alphaBar);
  const out = new Float32Array(z0.length);
  for (let i = 0; i < out.length; i++) out[i] = a * z0[i]! + s * rng.normal();
  return out;
}

/**
 * Inverts z0 into x at step `skip` and the noise maps of steps skip … N−1, with the source
 * conditioning baked into `predict` (1 branch). Steps before `skip` need no model call.
 * @throws ConfigError (CONFIG_INVALID) for invalid options; RepriseError (RUNTIME_INPUT) for a wrong latent
 */
export async function invertEfDdpm(plan: SamplingPlan, predict: BranchPredict, z0: Float32Array, options: EfDdpmParams = {}): Promise<EfDdpmLatents> {
  const n = plan.timesteps.length;
  const o = resolveSpecOptions(efDdpmMethod, options, { steps: n });
  checkLatent(plan, z0, 'z0');
  const targets: Float32Array[] = [];
  for (let k = o.skip; k < n; k++) targets.push(drawXt(z0, efDdpmLevels(plan, k).alphaBar, o.seed, k));
  targets.push(z0.slice());
  let x = targets[0] as Float32Array;
  const xStart = x;
  const noiseMaps: Float32Array[] = [];
  for (let k = o.skip; k < n; k++) {
    const t = plan.timesteps[k] as number;
    const pred = await evaluateOne(predict, x, t, k);
    const posterior = stepPosterior(plan, k, pred, o.eta);
    const solved = solvePosteriorNoise(targets[k - o.skip + 1] as Float32Array, posterior);
    noiseMaps.push(solved.noise);
    x = solved.prevSample;
  }
  return { xStart, noiseMaps };
}

/**
 * EF-DDPM sampling of `branches` branches from x at step skip = N − noiseMaps.length with the
 * stored noise maps; the predictor decides each branch's conditioning. `eta` must be the η of
 * the inversion. Returns each branch's final latent (branch 0 = source).
 */
export async function sampleEfDdpm(plan: SamplingPlan, latents: EfDdpmLatents, predict: BranchPredict, branches: number, options: Pick<EfDdpmParams, 'eta'> = {}, onStepEnd?: StepEndHook): Promise<Float32Array[]> {
  const n = plan.timesteps.length;
  const o = resolveSpecOptions(efDdpmMethod, { eta: options.eta });
  checkLatent(plan, latents.xStart, 'x at the first sampled step');
  checkBranches(branches);
  const skip = n - latents.noiseMaps.length;
  if (latents.noiseMaps.length < 1 || skip < 0) {
    throw new RepriseError('RUNTIME_INPUT', `EF-DDPM latents hold ${latents.noiseMaps.length} noise maps for a plan of ${n} steps`, {
      hint: 'Sample with the plan (scheduler config and steps) the inversion was made with.',
    });
  }
  latents.noiseMaps.forEach((m, j) => checkLatent(plan, m, `noise map ${j}`));
  let xs = replicate(latents.xStart, branches);
  for (let k = skip; k < n; k++) {
    const t = plan.timesteps[k] as number;
    const preds = await evaluate(predict, xs, t, k);
    const z = latents.noiseMaps[k - skip] as Float32Array;
    xs = preds.map((pred) => posteriorStep(stepPosterior(plan, k, pred, o.eta), z));
    await onStepEnd?.(k, xs);
  }
  return xs;
}


/** EF-DDPM inversion as a registered method. */
export const efDdpmMethod = defineInversionMethod({
  name: 'ef-ddpm',
  label: 'EF-DDPM',
  summary: 'the best studied: DDPM noise maps keep structure; the reference pairs it with prompt-to-prompt',
  paper: 'Huberman-Spiegelglas, Kulikov & Michaeli, CVPR 2024, [arXiv:2304.06140](https://arxiv.org/abs/2304.06140)',
  options,
  checkOptions: (o, { steps }) => (o.skip >= steps ? { key: 'skip', message: `"skip" = ${o.skip} must be smaller than the number of steps (${steps})` } : undefined),
  exact: true,
  exactness: 'yes, by construction',
  calls: { invert: '1', sample: '1' },
  invert: (plan, predict, z0, o) => invertEfDdpm(plan, predict, z0, o),
  sample: (plan, latents, predict, branches, o, onStepEnd) => sampleEfDdpm(plan, latents, predict, branches, { eta: o.eta }, onStepEnd),
  record: {
    tensors: {
      xStart: { kind: 'latent' },
      noiseMaps: { kind: 'stack', count: (o, steps) => steps - o.skip, shape: '[N − skip, C, H, W]' },
    },
  },
  generate: async ({ plan, start, rng }) => ({ xStart: start, noiseMaps: Array.from({ length: plan.timesteps.length }, () => rng.normals(start.length)) }),
  conditioning: 'standard',
  solvers: 'own',
  attention: ATTENTION_CONTROLS,
  guidance: { invert: 3.5, edit: 9 },
});
