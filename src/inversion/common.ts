/**
 * Helpers shared by the inversion methods: the noise levels of a {@link SamplingPlan} in
 * inversion order, input checks, and a checked call of a {@link BranchPredict}.
 *
 * Notation (docs/design.md §3/§4): the plan's timesteps t_0 > t_1 > … > t_{N−1} (noisiest first) are
 * renamed τ_i = t_{N−i} for i = 1 … N (least noisy first), with levels ā_i = ā(τ_i) and ā_0 = the
 * schedule's final ā (`set_alpha_to_one` ? 1 : ā(0)). The model evaluation at τ_i has the
 * sampling-step index N − i (0 = noisiest), whichever direction a method runs.
 */
import { RepriseError } from '../errors.js';
import { alphaBarAt } from '../solvers/index.js';
import type { BranchPrediction, BranchPredict, SamplingPlan } from './types.js';

/** The plan's levels in inversion order. */
export interface InversionLevels {
  /** N, the number of sampling steps. */
  readonly steps: number;
  /** τ_0 … τ_N: τ_i = the plan's timestep of sampling step N − i (τ_0 = −1, unused: level 0 has no timestep). */
  readonly timesteps: readonly number[];
  /** ā_0 … ā_N: ā_0 = the schedule's final ā, ā_i = ā(τ_i). */
  readonly alphaBars: readonly number[];
}

/** Checks the plan (integer timesteps, strictly decreasing, a latent shape) and returns its levels. */
export function inversionLevels(plan: SamplingPlan): InversionLevels {
  const n = plan.timesteps.length;
  if (n < 1) throw new RepriseError('RUNTIME_INPUT', 'the sampling plan has no timesteps', { hint: 'Build the plan with at least one step.' });
  plan.timesteps.forEach((t, k) => {
    const next = plan.timesteps[k + 1];
    if (!Number.isInteger(t) || (next !== undefined && !(next < t))) {
      throw new RepriseError('RUNTIME_INPUT', `sampling plan timesteps must be integers in decreasing order, got [${plan.timesteps.join(', ')}]`, {
        hint: 'Use the timesteps of a DDIM/DDPM/LCM scheduler (samplingPlanFromConfig builds them).',
      });
    }
  });
  const timesteps = [-1];
  const alphaBars = [plan.schedule.finalAlphaCumprod];
  for (let i = 1; i <= n; i++) {
    const t = plan.timesteps[n - i] as number;
    timesteps.push(t);
    alphaBars.push(alphaBarAt(plan.schedule, t));
  }
  return { steps: n, timesteps, alphaBars };
}

/** Sampling-step index (0 = noisiest) of the model evaluation at τ_i. */
export function stepOf(levels: InversionLevels, i: number): number {
  return levels.steps - i;
}

/** Throws CONFIG_INVALID when a level the method divides by is ā = 0 (zero terminal SNR). */
export function requireNonZeroLevels(levels: InversionLevels, method: string): void {
  const zero = levels.alphaBars.findIndex((a) => !(a > 0));
  if (zero >= 0) {
    throw new RepriseError('CONFIG_INVALID', `${method} inversion divides by √ā, but ā(${levels.timesteps[zero]}) = ${levels.alphaBars[zero]}`, {
      hint: 'The schedule has zero terminal SNR at a sampling timestep; use "leading" spacing, fewer steps, or EF-DDPM.',
    });
  }
}

/** Elements of one latent of the plan's shape. */
export function latentSize(plan: SamplingPlan): number {
  const [c, h, w] = plan.latentShape;
  return c * h * w;
}

/** Throws RUNTIME_INPUT unless `z` holds one latent of the plan's shape (a Float32Array, or with `precision` 'f64' a Float64Array). */
export function checkLatent(plan: SamplingPlan, z: Float32Array | Float64Array, what: string, precision: 'f32' | 'f64' = 'f32'): void {
  const kind = precision === 'f32' ? Float32Array : Float64Array;
  if (!(z instanceof kind) || z.length !== latentSize(plan)) {
    throw new RepriseError('RUNTIME_INPUT', `${what} must be a ${kind.name} of ${latentSize(plan)} values (latent shape [${plan.latentShape.join(', ')}]), got ${describe(z)}`, {
      hint: 'Pass one batch-1 latent of the plan\'s latentShape.',
    });
  }
}

/** The model's input for a float64 state: the state rounded to float32. */
export function modelInput(z: Float64Array): Float32Array {
  return Float32Array.from(z);
}

/**
 * A float64 latent as float32 parts: `hi` = fround(z) and `rest` = [fround(r1), fround(r2)] with
 * r1 = z − hi, r2 = r1 − fround(r1) (each difference exact in float64). hi + rest[0] + rest[1] is z
 * exactly for every |z| above ~1e-30 (and 0).
 */
export function splitFloat64(z: Float64Array): { readonly hi: Float32Array; readonly rest: Float32Array } {
  const n = z.length;
  const hi = Float32Array.from(z);
  const rest = new Float32Array(2 * n);
  for (let j = 0; j < n; j++) {
    const r1 = z[j]! - hi[j]!;
    const mid = Math.fround(r1);
    rest[j] = mid;
    rest[n + j] = r1 - mid;
  }
  return { hi, rest };
}

/** The float64 latent of {@link splitFloat64}'s parts. */
export function joinFloat64(hi: Float32Array, rest: Float32Array): Float64Array {
  const n = hi.length;
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) out[j] = hi[j]! + rest[j]! + rest[n + j]!;
  return out;
}

/** Throws RUNTIME_INPUT unless `branches` is a positive integer. */
export function checkBranches(branches: number): void {
  if (!Number.isInteger(branches) || branches < 1) {
    throw new RepriseError('RUNTIME_INPUT', `the number of branches must be a positive integer, got ${branches}`, {
      hint: 'Pass 1 for reconstruction, 1 + the number of edits for editing (branch 0 is the source).',
    });
  }
}

/** Calls `predict` and checks it answered one prediction of the right size per branch. */
export async function evaluate(predict: BranchPredict, latents: readonly Float32Array[], t: number, step: number): Promise<BranchPrediction[]> {
  const out = await predict(latents, t, step);
  if (out.length !== latents.length) {
    throw new RepriseError('RUNTIME_INPUT', `the predictor returned ${out.length} prediction(s) for ${latents.length} branch(es)`, {
      hint: 'A BranchPredict must return one (eps, x0) per latent it is given, in order.',
    });
  }
  out.forEach((p, b) => {
    const n = (latents[b] as Float32Array).length;
    if (p.eps.length !== n || p.x0.length !== n) {
      throw new RepriseError('RUNTIME_INPUT', `the predictor's output for branch ${b} has ${p.eps.length}/${p.x0.length} values, the latent ${n}`, {
        hint: 'Check that the predictor was built for the same latent shape as the plan.',
      });
    }
  });
  return out;
}

/** The one prediction of a 1-branch call. */
export async function evaluateOne(predict: BranchPredict, z: Float32Array, t: number, step: number): Promise<BranchPrediction> {
  return (await evaluate(predict, [z], t, step))[0] as BranchPrediction;
}

/** n copies of `z`. */
export function replicate(z: Float32Array, n: number): Float32Array[] {
  return Array.from({ length: n }, () => z.slice());
}

function describe(v: unknown): string {
  if (v instanceof Float32Array || v instanceof Float64Array) return `a ${v.constructor.name} of ${v.length} values`;
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return v === null ? 'null' : typeof v;
}
