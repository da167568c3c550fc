/**
 * Seeded trajectories of a loaded model for fitting and measuring solvers: N prompts, each with
 * its own z_T (drawn like `Pipeline.generate` with seed S + n, so trajectory n is the generation
 * of prompt n with that seed), sampled together as branches of one batched predictor; a
 * many-step DDIM reference that keeps every intermediate latent with its noise level; and a
 * solver run to the final latent. The MSE is the papers' measure (DPM-Solver-v3, DC-Solver):
 * the mean squared difference of final latents, averaged over trajectories.
 */
import { RepriseError } from '../../errors.js';
import { samplingPlanFromConfig } from '../../inversion/plan.js';
import { unetBranchPredictor } from '../../inversion/predictor.js';
import type { BranchConditioning, BranchPredict } from '../../inversion/types.js';
import { createSchedulerFromConfig, type Scheduler, type SchedulerConfig } from '../../solvers/index.js';
import { Random } from '../../util/random.js';
import type { Pipeline } from '../pipeline.js';

/** Scene captions of the bundled model's vocabulary (any SD model reads them too): the default fitting prompts. */
export const DEFAULT_FIT_PROMPTS: readonly string[] = [
  'a red circle on a blue background',
  'a large yellow star on a green background',
  'a small blue square and a red triangle on a white background',
  'a purple heart on a yellow background',
  'an orange hexagon on a gray background',
  'a green diamond and a pink circle on a black background',
  'a white square on a red background',
  'a cyan triangle on a brown background',
  'a medium black star on a white background',
  'a pink hexagon and a blue heart on a green background',
  'a brown circle on a cyan background',
  'a large red diamond on a yellow background',
  'a small green star on a purple background',
  'a yellow square and a black circle on a blue background',
  'a gray heart on an orange background',
  'a blue triangle on a pink background',
];

/** The prompts of `count` trajectories: the default captions from `offset` on, cycled. */
export function fitPrompts(count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => DEFAULT_FIT_PROMPTS[(offset + i) % DEFAULT_FIT_PROMPTS.length]!);
}

/** What a set of trajectories shares. */
export interface Trajectories {
  readonly prompts: readonly string[];
  readonly seeds: readonly number[];
  readonly guidance: number;
  readonly starts: readonly Float32Array[];
  /** One batched call for every trajectory (branch n = trajectory n). */
  readonly predict: BranchPredict;
  readonly latentShape: readonly [number, number, number];
  /** Model calls made so far (batched calls, one per timestep). */
  calls: number;
}

/** Prepares N trajectories of the loaded model (CFG guidance `guidance`; seeds seed, seed + 1, …). */
export async function prepareTrajectories(pipe: Pipeline, o: { readonly prompts: readonly string[]; readonly seed: number; readonly guidance: number }): Promise<Trajectories> {
  const model = pipe.model;
  if (model.isLcm) throw new RepriseError('CONFIG_INVALID', 'solver fits need a CFG model; this is an LCM model (guidance through its embedding, few steps by design)', { hint: 'Fit with an SD-style model folder.' });
  const f = model.vaeScaleFactor;
  const side = model.nativeSize / f;
  const latentShape: [number, number, number] = [4, side, side];
  const size = latentShape[0] * latentShape[1] * latentShape[2];
  const embeds = await model.encodePrompts([...o.prompts, '']);
  const uncond = embeds[o.prompts.length] as Float32Array;
  const conds: BranchConditioning[] = o.prompts.map((_, i) => ({ cond: embeds[i] as Float32Array, uncond, guidance: o.guidance }));
  const plan = samplingPlanFromConfig(model.schedulerConfig, 10, latentShape);
  const inner = unetBranchPredictor(model.unet, plan, conds);
  const seeds = o.prompts.map((_, i) => o.seed + i);
  const t: Trajectories = {
    prompts: o.prompts,
    seeds,
    guidance: o.guidance,
    starts: seeds.map((s) => new Random(s).normals(size)),
    latentShape,
    calls: 0,
    predict: async (latents, ts, step) => {
      t.calls++;
      return inner(latents, ts, step);
    },
  };
  return t;
}

/** A scheduler of `config` stepping with ε (the predictor's output). */
export function epsScheduler(config: SchedulerConfig, steps: number): Scheduler {
  const s = createSchedulerFromConfig({ ...config, predictionType: 'epsilon' } as SchedulerConfig);
  s.setTimesteps(steps);
  return s;
}

/** ε of every trajectory at latents `xs` and timestep t. */
export async function epsAt(t: Trajectories, xs: readonly Float32Array[], timestep: number, step: number): Promise<Float32Array[]> {
  const pred = await t.predict(xs as Float32Array[], timestep, step);
  return pred.map((p) => p.eps as Float32Array);
}

/** Runs a deterministic σ- or t-placed solver (initial noise scaled by its init σ); returns every trajectory's final latent. */
export async function runSolver(t: Trajectories, config: SchedulerConfig, steps: number): Promise<Float32Array[]> {
  const schedulers = t.starts.map(() => epsScheduler(config, steps));
  const first = schedulers[0]!;
  let xs = t.starts.map((z) => z.map((v) => v * first.initNoiseSigma));
  for (const [k, ts] of first.timesteps.entries()) {
    const eps = await epsAt(t, xs.map((x, b) => schedulers[b]!.scaleModelInput(x, ts)), ts, k);
    xs = xs.map((x, b) => schedulers[b]!.step(eps[b]!, ts, x).prevSample);
  }
  return xs;
}

/** A many-step DDIM reference: every step's latents with the noise level σ = √((1 − ā)/ā) they are at. */
export interface Reference {
  readonly steps: number;
  /** σ after each step (the last: the final level). */
  readonly sigmas: readonly number[];
  /** latents[k][n]: trajectory n after step k. */
  readonly latents: readonly (readonly Float32Array[])[];
}

/** Runs the DDIM reference (`ddim`: the folder's DDIM config) for every trajectory. */
export async function ddimReference(t: Trajectories, ddim: SchedulerConfig, steps: number, progress?: (step: number, total: number) => void): Promise<Reference> {
  if (ddim.className !== 'DDIMScheduler') throw new RepriseError('CONFIG_INVALID', `the reference must be DDIM, got ${ddim.className}`);
  const schedulers = t.starts.map(() => epsScheduler(ddim, steps));
  const first = schedulers[0]!;
  const ts = first.timesteps;
  const ac = first.schedule.alphasCumprod;
  const sigmaOf = (a: number): number => Math.sqrt((1 - a) / a);
  let xs = t.starts.map((z) => z.slice());
  const latents: Float32Array[][] = [];
  const sigmas: number[] = [];
  for (const [k, timestep] of ts.entries()) {
    const eps = await epsAt(t, xs, timestep, k);
    xs = xs.map((x, b) => schedulers[b]!.step(eps[b]!, timestep, x).prevSample);
    latents.push(xs);
    // DDIM steps to the next timestep of its plan; the last to the final ā.
    const next = ts[k + 1];
    sigmas.push(sigmaOf(next === undefined ? first.schedule.finalAlphaCumprod : ac[next]!));
    progress?.(k + 1, ts.length);
  }
  return { steps, sigmas, latents };
}

/** The reference latents nearest to level σ (in log σ; σ = 0 or below the reference's last level: the final latents). */
export function referenceAt(ref: Reference, sigma: number): readonly Float32Array[] {
  const last = ref.latents[ref.latents.length - 1]!;
  if (!(sigma > 0)) return last;
  let best = ref.latents.length - 1;
  let dist = Number.POSITIVE_INFINITY;
  ref.sigmas.forEach((s, k) => {
    const d = Math.abs(Math.log(s) - Math.log(sigma));
    if (s > 0 && d < dist) {
      dist = d;
      best = k;
    }
  });
  return ref.latents[best]!;
}

/** Mean over trajectories of the mean squared difference. */
export function meanMse(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let total = 0;
  a.forEach((x, n) => {
    const y = b[n]!;
    let s = 0;
    for (let i = 0; i < x.length; i++) s += (x[i]! - y[i]!) ** 2;
    total += s / x.length;
  });
  return total / a.length;
}
