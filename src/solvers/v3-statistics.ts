/**
 * DPM-Solver-v3's empirical model statistics (EMS) l_λ, s_λ, b_λ on a λ grid, the discrete-time
 * noise schedule in λ (their `NoiseScheduleVP("discrete")`), and the cumulative integrals the
 * solver's coefficients are made of (their `weighted_cumsumexp_trapezoid`).
 *
 * Paper: Zheng, Lu, Chen, Zhu 2023, "DPM-Solver-v3: Improved Diffusion ODE Solver with Empirical
 * Model Statistics" (NeurIPS 2023, arXiv:2310.13268); code: github.com/thu-ml/DPM-Solver-v3.
 *
 * Notation: λ = log α − log σ; the grid λ_0 … λ_M runs uniformly from λ_T (the noisiest training
 * timestep) to λ_min-noise (timestep 0), as their `get_time_steps("logSNR", T, eps, M)`. Each
 * statistic holds `size` values per grid point (one per latent element, as their code stores
 * l, s, b of shape (M+1, C, H, W); size 1 broadcasts one value over every element).
 * Model time: their discrete wrapper feeds the UNet 1000·(t − 1/N) with t_n = (n+1)/N, which for
 * N = 1000 is the (fractional) training-timestep index u; Reprise uses u directly.
 */
import { RepriseError } from '../errors.js';
import type { NoiseSchedule } from './schedule.js';

/** l_λ, s_λ, b_λ per grid point (row-major: grid point, then element). */
export interface V3Statistics {
  /** The λ grid (M + 1 points, λ_T first). */
  readonly lambdas: Float64Array;
  /** Values per grid point: 1 (broadcast) or the latent's C·H·W. */
  readonly size: number;
  readonly l: Float64Array;
  readonly s: Float64Array;
  readonly b: Float64Array;
  /** The CFG scale the statistics were computed with (their Stable Diffusion EMS are per guidance scale). */
  readonly guidance: number;
}

/** Whether `v` has the shape of {@link V3Statistics} (array lengths consistent). */
export function isV3Statistics(v: unknown): v is V3Statistics {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const arrays = [o['lambdas'], o['l'], o['s'], o['b']];
  if (!arrays.every((a) => a instanceof Float64Array) || typeof o['size'] !== 'number' || typeof o['guidance'] !== 'number') return false;
  const n = (o['lambdas'] as Float64Array).length * (o['size'] as number);
  return n > 0 && [o['l'], o['s'], o['b']].every((a) => (a as Float64Array).length === n);
}

/** log α at a fractional training-timestep index u: linear interpolation of ½ log ā_n (their `interpolate_fn`, extrapolating at the ends). */
export function logAlphaAtIndex(schedule: NoiseSchedule, u: number): number {
  const ac = schedule.alphasCumprod;
  const last = ac.length - 1;
  const lo = Math.min(Math.max(Math.floor(u), 0), last - 1);
  const a = 0.5 * Math.log(ac[lo]!);
  const b = 0.5 * Math.log(ac[lo + 1]!);
  return a + (u - lo) * (b - a);
}

/** λ from log α: λ = log α − ½ log(1 − α²) (their `marginal_lambda`). */
export function lambdaFromLogAlpha(logAlpha: number): number {
  return logAlpha - 0.5 * Math.log(-Math.expm1(2 * logAlpha));
}

/** λ at a fractional training-timestep index. */
export function lambdaAtIndex(schedule: NoiseSchedule, u: number): number {
  return lambdaFromLogAlpha(logAlphaAtIndex(schedule, u));
}

/** The fractional timestep index of λ: log α = −½ log(1 + e^{−2λ}), then u by linear interpolation over ½ log ā_n (their `inverse_lambda`). */
export function indexAtLambda(schedule: NoiseSchedule, lambda: number): number {
  const ac = schedule.alphasCumprod;
  const target = -0.5 * Math.log1p(Math.exp(-2 * lambda));
  // ½ log ā_n decreases with n: find the segment [lo, lo + 1] holding target (or the end segment).
  let lo = 0;
  let hi = ac.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (0.5 * Math.log(ac[mid]!) > target) lo = mid;
    else hi = mid;
  }
  const a = 0.5 * Math.log(ac[lo]!);
  const b = 0.5 * Math.log(ac[lo + 1]!);
  return lo + (target - a) / (b - a);
}

/** α and σ of a λ: α² = sigmoid(2λ), σ² = sigmoid(−2λ). */
export function alphaSigmaOfLambda(lambda: number): { alpha: number; sigma: number } {
  return { alpha: Math.sqrt(1 / (1 + Math.exp(-2 * lambda))), sigma: Math.sqrt(1 / (1 + Math.exp(2 * lambda))) };
}

/** The uniform λ grid of M steps from λ_T (timestep N − 1) to λ at timestep 0 (their statistics grid). */
export function lambdaGrid(schedule: NoiseSchedule, steps: number): Float64Array {
  if (!Number.isInteger(steps) || steps < 1) throw new RepriseError('SCHEDULER_INVALID', `DPM-Solver-v3: the statistics grid needs a whole number of steps ≥ 1, got ${steps}`);
  const lambdaT = lambdaAtIndex(schedule, schedule.alphasCumprod.length - 1);
  const lambda0 = lambdaAtIndex(schedule, 0);
  return Float64Array.from({ length: steps + 1 }, (_, j) => lambdaT + ((lambda0 - lambdaT) * j) / steps);
}

/** l = 1, s = 0, b = 0 on a grid (their `degenerated=True`): the solver is then DPM-Solver++ (data prediction). */
export function degenerateStatistics(lambdas: Float64Array, size = 1, guidance = 1): V3Statistics {
  const n = lambdas.length * size;
  return { lambdas, size, l: new Float64Array(n).fill(1), s: new Float64Array(n), b: new Float64Array(n), guidance };
}

/**
 * y_j = ∫_{x_0}^{x_j} w e^{a} dx by the trapezoid rule on the grid, per element (their
 * `weighted_cumsumexp_trapezoid`, with the same per-element max shift of a for range); `w` absent means 1.
 */
export function cumsumExpTrapezoid(a: Float64Array, x: Float64Array, w: Float64Array | null, size: number): Float64Array {
  const m = x.length;
  const out = new Float64Array(m * size);
  for (let d = 0; d < size; d++) {
    let aMax = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < m; j++) aMax = Math.max(aMax, a[j * size + d]!);
    const term = (j: number): number => (w === null ? 1 : w[j * size + d]!) * Math.exp(a[j * size + d]! - aMax);
    let acc = 0;
    let prev = term(0);
    for (let j = 1; j < m; j++) {
      const cur = term(j);
      acc += 0.5 * (x[j]! - x[j - 1]!) * (cur + prev);
      out[j * size + d] = acc * Math.exp(aMax);
      prev = cur;
    }
  }
  return out;
}

/** The statistics with the integrals the solver's coefficients use (DPM-Solver_v3.__init__). */
export interface V3Tables extends V3Statistics {
  /** L_λ = ∫ l, S_λ = ∫ s (from λ_T). */
  readonly L: Float64Array;
  readonly S: Float64Array;
  /** I_λ = ∫ e^{L+S}, B_λ = ∫ e^{−S} b, C_λ = ∫ e^{L+S} B. */
  readonly I: Float64Array;
  readonly B: Float64Array;
  readonly C: Float64Array;
  /** Lazily filled high-order exponential coefficients, keyed "i_s,i_t,k". */
  readonly expCoeffs: Map<string, Float64Array>;
}

/** Precomputes the cumulative integrals of Eq. (8)'s coefficients (Zheng et al. 2023, §3.2 and their code). */
export function v3Tables(stats: V3Statistics): V3Tables {
  const { lambdas: ts, size, l, s, b } = stats;
  const zero = new Float64Array(l.length);
  const L = cumsumExpTrapezoid(zero, ts, l, size);
  const S = cumsumExpTrapezoid(zero, ts, s, size);
  const LS = L.map((v, i) => v + S[i]!);
  const I = cumsumExpTrapezoid(LS, ts, null, size);
  const B = cumsumExpTrapezoid(S.map((v) => -v), ts, b, size);
  const C = cumsumExpTrapezoid(LS, ts, B, size);
  return { ...stats, L, S, I, B, C, expCoeffs: new Map() };
}

/** Rounds half to even, as numpy's `round` (their grid-index snapping). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
