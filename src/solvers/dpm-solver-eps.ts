/**
 * DPM-Solver multistep in the noise-prediction form (diffusers `algorithm_type="dpmsolver"`),
 * orders 1–3, midpoint or Heun second-order term.
 *
 * Paper: Lu et al. 2022, "DPM-Solver" (arXiv:2206.00927), Eq. 3.7 and the multistep forms of
 * Lu et al. 2022 (arXiv:2211.01095), Appendix.
 *
 * Notation: levels (α, σ); λ = log α − log σ; s0 = current step, s1, s2 earlier, t = target;
 * h = λ_t − λ_s0, r0 = (λ_s0 − λ_s1)/h, r1 = (λ_s1 − λ_s2)/h; e_k = ε̂ at s_k.
 * First order: x_t = (α_t/α_s0) x − σ_t (e^h − 1) e0.
 */
import { RepriseError } from '../errors.js';
import { allocLike, assertSameLength, type FloatArray } from './arrays.js';
import { logSnrHalf } from './dpm-solver.js';
import type { NoiseLevel } from './prediction.js';

function at<U>(list: readonly U[], fromEnd: number, what: string): U {
  const v = list[list.length - fromEnd];
  if (v === undefined) throw new RepriseError('SCHEDULER_INVALID', `DPM-Solver: ${what} is missing (history too short for this order)`);
  return v;
}

/** One DPM-Solver (ε form) multistep update from s0 to t. */
export function dpmSolverNoiseUpdate<T extends FloatArray>(args: {
  readonly sample: T;
  /** ε̂ at the current and earlier steps, most recent last. */
  readonly epsHistory: readonly FloatArray[];
  /** Levels [.., s1, s0, t]. */
  readonly levels: readonly NoiseLevel[];
  readonly order: 1 | 2 | 3;
  readonly solverType: 'midpoint' | 'heun';
}): T {
  const { sample, epsHistory, levels, order, solverType } = args;
  const lt = at(levels, 1, 'target level');
  const l0 = at(levels, 2, 'level s0');
  const e0 = at(epsHistory, 1, 'ε̂ at s0');
  assertSameLength('dpmSolverNoiseUpdate', sample, e0);
  const lambda0 = logSnrHalf(l0);
  const h = logSnrHalf(lt) - lambda0;
  const phi = Math.exp(h) - 1;
  const cx = lt.alpha / l0.alpha;
  const c0 = -lt.sigma * phi;
  const out = allocLike(sample);
  const n = sample.length;
  if (order === 1) {
    for (let i = 0; i < n; i++) out[i] = cx * sample[i]! + c0 * e0[i]!;
    return out;
  }
  const lambda1 = logSnrHalf(at(levels, 3, 'level s1'));
  const e1 = at(epsHistory, 2, 'ε̂ at s1');
  const r0 = (lambda0 - lambda1) / h;
  if (order === 2) {
    const c1 = solverType === 'midpoint' ? -0.5 * lt.sigma * phi : -lt.sigma * (phi / h - 1);
    for (let i = 0; i < n; i++) out[i] = cx * sample[i]! + c0 * e0[i]! + c1 * ((1 / r0) * (e0[i]! - e1[i]!));
    return out;
  }
  const lambda2 = logSnrHalf(at(levels, 4, 'level s2'));
  const e2 = at(epsHistory, 3, 'ε̂ at s2');
  const r1 = (lambda1 - lambda2) / h;
  const c1 = -lt.sigma * (phi / h - 1);
  const c2 = -lt.sigma * ((phi - h) / (h * h) - 0.5);
  for (let i = 0; i < n; i++) {
    const d10 = (1 / r0) * (e0[i]! - e1[i]!);
    const d11 = (1 / r1) * (e1[i]! - e2[i]!);
    const d1 = d10 + (r0 / (r0 + r1)) * (d10 - d11);
    const d2 = (1 / (r0 + r1)) * (d10 - d11);
    out[i] = cx * sample[i]! + c0 * e0[i]! + c1 * d1 + c2 * d2;
  }
  return out;
}
