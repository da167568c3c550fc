/**
 * DC-Solver's cascade polynomial regression (CPR; Zhao et al. 2024, ECCV, Sec. 3.3; code:
 * wl-zhao/DC-Solver, `cascade_polynomial_regression`): the ratio of step s (1-based) of an
 * NFE-step run at guidance w is a polynomial in x = s/NFE whose coefficients are quadratics in
 * w/12 whose coefficients are quadratics in NFE/50:
 *   ρ(w, NFE, s) = Σ_k c_k(w, NFE) x^k,  c_k = Σ_j a_kj(NFE) (w/12)^(2−j),  a_kj = Σ_l θ_kjl (NFE/50)^(2−l),
 * θ laid out [k][j][l] as their `coeffs.reshape(-1, 3, 3)`. Steps 1 and 2 keep ρ = 1 (warm-up).
 * The cascade is linear in θ, so fitting it to searched ratios is linear least squares (their
 * fit's optimum), solved by Householder QR; with fewer than 3 distinct guidances or step counts the missing powers are
 * held at 0 (an honest lower-degree cascade instead of an underdetermined one).
 */
import { RepriseError } from '../../errors.js';
import { DC_RATIO_RANGE, NEUTRAL_DC_RATIO } from './dc-compensation.js';

/** A fitted cascade. */
export interface DcCprModel {
  /** Powers of x: K (θ has K·9 entries). */
  readonly terms: number;
  /** θ, flat [k][j][l] (length terms·9). */
  readonly coefficients: readonly number[];
}

/** One searched fit the cascade learns from. */
export interface DcCprSample {
  readonly guidance: number;
  readonly steps: number;
  /** ρ per step (0-based; the first two are the warm-up). */
  readonly ratios: readonly number[];
}

/** Steps (1-based) below this keep ρ = 1, as their code. */
const FIRST_PREDICTED_STEP = 3;

/** The cascade's features of (w, NFE, s), in θ's layout. */
function features(terms: number, guidance: number, steps: number, step: number): number[] {
  const x = step / steps;
  const w = guidance / 12;
  const n = steps / 50;
  const out: number[] = [];
  for (let k = 0; k < terms; k++) for (let j = 0; j < 3; j++) for (let l = 0; l < 3; l++) out.push(x ** k * w ** (2 - j) * n ** (2 - l));
  return out;
}

/**
 * The ratios the cascade predicts for an NFE-step run at guidance w (one per step), clamped to
 * DC_RATIO_RANGE: the polynomial is fitted on ratios inside that range, and far from the fitted
 * (w, NFE) points it grows without bound (fits at NFE 5 and 10 predicted ρ ≫ 1.5 at NFE 20,
 * and sampling with them diverged); their fit bounds ρ the same way.
 */
export function predictDcRatios(model: DcCprModel, guidance: number, steps: number): number[] {
  const [lo, hi] = DC_RATIO_RANGE;
  return Array.from({ length: steps }, (_, i) => {
    const step = i + 1;
    if (step < FIRST_PREDICTED_STEP) return NEUTRAL_DC_RATIO;
    const f = features(model.terms, guidance, steps, step);
    const r = f.reduce((a, v, q) => a + v * (model.coefficients[q] ?? 0), 0);
    return Math.min(hi, Math.max(lo, r));
  });
}

/**
 * Least squares min ‖A y − b‖ by Householder QR (A: rows × p, rows ≥ p, full column rank; the
 * cascade's features are small products, so normal equations would square a large condition number).
 */
function leastSquares(a: number[][], b: number[]): number[] {
  const m = a.length;
  const p = a[0]?.length ?? 0;
  const r = a.map((row) => [...row]);
  const y = [...b];
  for (let c = 0; c < p; c++) {
    let norm = 0;
    for (let i = c; i < m; i++) norm += r[i]![c]! ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = r[c]![c]! > 0 ? -norm : norm;
    const v = new Array<number>(m).fill(0);
    for (let i = c; i < m; i++) v[i] = r[i]![c]!;
    v[c]! -= alpha;
    let vv = 0;
    for (let i = c; i < m; i++) vv += v[i]! ** 2;
    if (vv === 0) continue;
    for (let k = c; k < p; k++) {
      let d = 0;
      for (let i = c; i < m; i++) d += v[i]! * r[i]![k]!;
      const f = (2 * d) / vv;
      for (let i = c; i < m; i++) r[i]![k]! -= f * v[i]!;
    }
    let d = 0;
    for (let i = c; i < m; i++) d += v[i]! * y[i]!;
    const f = (2 * d) / vv;
    for (let i = c; i < m; i++) y[i]! -= f * v[i]!;
  }
  const x = new Array<number>(p).fill(0);
  for (let c = p - 1; c >= 0; c--) {
    let v = y[c]!;
    for (let k = c + 1; k < p; k++) v -= r[c]![k]! * x[k]!;
    const diag = r[c]![c]!;
    x[c] = diag === 0 ? 0 : v / diag;
  }
  return x;
}

/**
 * Fits the cascade (least squares over every predicted step of every sample). `terms` powers of
 * x (default 3, capped by the distinct x values); guidance and NFE powers capped by their
 * distinct values − 1 (at most 2, the cascade's quadratics).
 */
export function fitDcCpr(samples: readonly DcCprSample[], terms = 3): DcCprModel {
  const rows: { f: number[]; y: number }[] = [];
  const xs = new Set<number>();
  for (const s of samples) {
    s.ratios.forEach((y, i) => {
      const step = i + 1;
      if (step < FIRST_PREDICTED_STEP) return;
      rows.push({ f: features(terms, s.guidance, s.steps, step), y });
      xs.add(step / s.steps);
    });
  }
  const K = Math.max(1, Math.min(terms, xs.size));
  const gDeg = Math.min(2, new Set(samples.map((s) => s.guidance)).size - 1);
  const nDeg = Math.min(2, new Set(samples.map((s) => s.steps)).size - 1);
  // Active θ: k < K, guidance power 2 − j ≤ gDeg, NFE power 2 − l ≤ nDeg.
  const active: number[] = [];
  for (let k = 0; k < terms; k++) for (let j = 0; j < 3; j++) for (let l = 0; l < 3; l++) if (k < K && 2 - j <= gDeg && 2 - l <= nDeg) active.push(k * 9 + j * 3 + l);
  if (rows.length === 0) throw new RepriseError('CONFIG_INVALID', 'the cascade regression needs fitted ratios of steps 3 and later, got none', { hint: 'Fit DC-Solver with at least 3 steps (`reprise fit-solver dc`).' });
  const a = rows.map((row) => active.map((q) => row.f[q]!));
  const b = rows.map((row) => row.y);
  // A vanishing ridge (rows √λ·I appended) keeps the fit defined where the points do not pin
  // every coefficient (e.g. two fitted (w, NFE) points): the smallest coefficients that fit them.
  const scale = a.reduce((s, row) => s + row.reduce((t, v) => t + v * v, 0), 0) / Math.max(1, active.length);
  const ridge = Math.sqrt(1e-14 * scale);
  active.forEach((_, k) => {
    a.push(active.map((_q, c) => (c === k ? ridge : 0)));
    b.push(0);
  });
  const theta = leastSquares(a, b);
  const coefficients = new Array<number>(terms * 9).fill(0);
  active.forEach((q, a) => (coefficients[q] = theta[a]!));
  return { terms, coefficients };
}
