/**
 * DC-Solver's cascade polynomial regression (CPR; Zhao et al. 2024, ECCV, Sec. 3.3; code:
 * wl-zhao/DC-Solver, `cascade_polynomial_regression`): the ratio of step s (1-based) of an
 * NFE-step run at guidance w is a polynomial in x = s/NFE whose coefficients are quadratics in
 * w/12 whose coefficients are quadratics in NFE/50:
 *   ρ(w, NFE, s) = Σ_k c_k(w, NFE) x^k,  c_k = Σ_j a_kj(NFE) (w/12)^(2−j),  a_kj = Σ_l θ_kjl (NFE/50)^(2−l),
 * θ laid out [k][j][l] as their `coeffs.reshape(-1, 3, 3)`. Steps 1 and 2 keep ρ = 1 (warm-up).
 * The cascade is linear in θ, so fitting it to searched ratios is linear least squares (their
 * fit's optimum); with fewer than 3 distinct guidances or step counts the missing powers are
 * held at 0 (an honest lower-degree cascade instead of an underdetermined one).
 */
import { NEUTRAL_DC_RATIO } from './dc-compensation.js';

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

/** The ratios the cascade predicts for an NFE-step run at guidance w (one per step). */
export function predictDcRatios(model: DcCprModel, guidance: number, steps: number): number[] {
  return Array.from({ length: steps }, (_, i) => {
    const step = i + 1;
    if (step < FIRST_PREDICTED_STEP) return NEUTRAL_DC_RATIO;
    const f = features(model.terms, guidance, steps, step);
    return f.reduce((a, v, q) => a + v * (model.coefficients[q] ?? 0), 0);
  });
}

/** Solves the symmetric positive (semi)definite system A y = b by Gaussian elimination with partial pivoting. */
function solveDense(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let v = m[r]![n]!;
    for (let k = r + 1; k < n; k++) v -= m[r]![k]! * y[k]!;
    y[r] = v / m[r]![r]!;
  }
  return y;
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
  const p = active.length;
  const ata = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const atb = new Array<number>(p).fill(0);
  for (const { f, y } of rows) {
    for (let a = 0; a < p; a++) {
      const fa = f[active[a]!]!;
      atb[a]! += fa * y;
      for (let b = 0; b < p; b++) ata[a]![b]! += fa * f[active[b]!]!;
    }
  }
  // A vanishing ridge keeps the normal equations solvable when rows are fewer than unknowns.
  const trace = ata.reduce((s, r, i) => s + r[i]!, 0);
  for (let a = 0; a < p; a++) ata[a]![a]! += 1e-12 * (trace / Math.max(1, p) || 1);
  const theta = p === 0 ? [] : solveDense(ata, atb);
  const coefficients = new Array<number>(terms * 9).fill(0);
  active.forEach((q, a) => (coefficients[q] = theta[a]!));
  return { terms, coefficients };
}
