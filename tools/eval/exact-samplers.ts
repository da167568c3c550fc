/**
 * How close the exact samplers' generations come to the probability-flow ODE: each case samples
 * from a seeded z_T with its own rule (the spec's `generate` and `sample`, as `Pipeline.generate`
 * does), and the final latent is compared (MSE) with a many-step DDIM reference from the same z_T,
 * starting at the same timestep and ending at the same level — as the DPM-Solver and BELM papers
 * measure sampler error.
 */
import { resolveSpecOptions } from '../../src/inversion/method-options.js';
import { getInversionMethod } from '../../src/inversion/registry.js';
import type { BranchPredict, InversionMethod, SamplingPlan } from '../../src/inversion/types.js';
import { Random } from '../../src/util/random.js';

/** One sampler under comparison: a registered method with options. */
export interface SamplerCase {
  readonly label: string;
  readonly method: InversionMethod;
  readonly options: Readonly<Record<string, number>>;
}

/** The compared samplers: the DDIM baseline, the exact two-latent and coupled methods, O-BELM as registered (a_{i,2} capped at 1) and as the paper's everywhere. */
export const SAMPLER_CASES: readonly SamplerCase[] = [
  { label: 'ddim', method: 'ddim', options: {} },
  { label: 'bdia γ=1', method: 'bdia', options: { gamma: 1 } },
  { label: 'edict p=0.93', method: 'edict', options: { p: 0.93 } },
  { label: 'o-belm (maxRatio 1)', method: 'belm', options: { maxRatio: 1 } },
  { label: 'o-belm maxRatio=100', method: 'belm', options: { maxRatio: 100 } },
];

/**
 * The reference plan of `plan`: `steps` DDIM steps on integer timesteps spaced evenly from the
 * plan's first timestep to its last (then to the same final level), fewer when the span has
 * fewer integers.
 */
export function referencePlan(plan: SamplingPlan, steps: number): SamplingPlan {
  const first = plan.timesteps[0] as number;
  const last = plan.timesteps[plan.timesteps.length - 1] as number;
  const ts: number[] = [];
  for (let k = 0; k < steps; k++) {
    const t = Math.round(first + ((last - first) * k) / Math.max(1, steps - 1));
    if (ts.length === 0 || t < (ts[ts.length - 1] as number)) ts.push(t);
  }
  return { ...plan, timesteps: ts };
}

/** Mean squared difference. */
export function mse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / b.length;
}

/** The final latent of sampling `plan` from `start` with a case's own rule. */
export async function sampleCase(c: SamplerCase, plan: SamplingPlan, predict: BranchPredict, start: Float32Array, seed: number): Promise<Float32Array> {
  const spec = getInversionMethod(c.method as string);
  if (spec.generate === undefined) throw new Error(`invariant: ${c.method} cannot generate`);
  const latents = await spec.generate({ plan, predict, start, rng: new Random(seed) });
  const [z] = await spec.sample(plan, latents, predict, 1, resolveSpecOptions(spec, c.options));
  return z as Float32Array;
}
