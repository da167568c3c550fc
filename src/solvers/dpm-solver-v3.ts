/**
 * DPM-Solver-v3's local update (the multistep predictor and the corrector share it): from a
 * start point s to a target t on the statistics grid, with n extra points for the (n+1)-th order
 * Taylor terms of g_θ — as `multistep_predictor_update` / `multistep_corrector_update` of the
 * official code (thu-ml/DPM-Solver-v3).
 *
 * Paper: Zheng, Lu, Chen, Zhu 2023, "DPM-Solver-v3" (NeurIPS 2023, arXiv:2310.13268).
 * Notation (per latent element, statistics broadcast when their size is 1):
 *   N_θ = σ ε_θ − l x,  f_θ = N_θ/α                                (§3.1, the improved parameterization)
 *   g_θ = e^{−∫_{λs}^{λ} s} f_θ − ∫_{λs}^{λ} e^{−∫_{λs}^{r} s} b_r dr = e^{S_s−S_λ} f_θ − e^{S_s}(B_λ − B_s)   (§3.1; code: get_g)
 *   x_t = α_t/α_s e^{−(L_t−L_s)} x_s − α_t e^{−L_t−S_s}(I_t−I_s) g_s
 *         − α_t e^{−L_t}(C_t − C_s − B_s (I_t − I_s))
 *         − α_t e^{−(L_t−L_s)} Σ_k [∫_{λs}^{λt} e^{(L+S)_λ−(L+S)_s} (λ−λ_s)^k/k! dλ] g^{(k)}_s   (Eq. (8))
 * with L, S, I, B, C the cumulative integrals of ./v3-statistics.ts, g^{(k)} from the extra points by
 * a Vandermonde solve or, with `pseudo`, by divided differences (the pseudo-order method, §3.3).
 * With l = 1, s = 0, b = 0: f = −x̂0, g = f, and the update is DPM-Solver++ (data prediction)
 * in its Taylor ("heun") form (§3.1: DPM-Solver++ is the special case l = 1, s = b = 0).
 */
import { solveSmall } from './linear-solve.js';
import { RepriseError } from '../errors.js';
import { allocLike, type FloatArray } from './arrays.js';
import { alphaSigmaOfLambda, type V3Tables } from './v3-statistics.js';

/** One point of the history: the sample, its noise prediction ε̂ and its grid index. */
export interface V3Point {
  readonly x: FloatArray;
  readonly eps: FloatArray;
  readonly index: number;
}

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** Row `j`, element `d` of a per-grid-point table (broadcast when size is 1). */
function at(tables: V3Tables, table: Float64Array, j: number, d: number): number {
  return table[j * tables.size + (tables.size === 1 ? 0 : d)]!;
}

/** ∫_{λs}^{λt} e^{(L+S)_λ − (L+S)_s} (λ − λ_s)^k / k! dλ per element, trapezoid on the grid (their compute_exponential_coefficients_high_order). */
export function v3ExpCoefficient(tables: V3Tables, iS: number, iT: number, k: number): Float64Array {
  const key = `${iS},${iT},${k}`;
  const cached = tables.expCoeffs.get(key);
  if (cached !== undefined) return cached;
  const { size, lambdas, L, S } = tables;
  const out = new Float64Array(size);
  const kf = factorial(k);
  const lamS = lambdas[iS]!;
  for (let d = 0; d < size; d++) {
    const base = L[iS * size + d]! + S[iS * size + d]!;
    // Their per-element max shift of the exponent, then the trapezoid sum.
    let aMax = Number.NEGATIVE_INFINITY;
    for (let j = iS; j <= iT; j++) aMax = Math.max(aMax, L[j * size + d]! + S[j * size + d]! - base);
    let acc = 0;
    for (let j = iS + 1; j <= iT; j++) {
      const term = (i: number): number => ((lambdas[i]! - lamS) ** k / kf) * Math.exp(L[i * size + d]! + S[i * size + d]! - base - aMax);
      acc += 0.5 * (lambdas[j]! - lambdas[j - 1]!) * (term(j) + term(j - 1));
    }
    out[d] = acc * Math.exp(aMax);
  }
  tables.expCoeffs.set(key, out);
  return out;
}

/**
 * g^{(1)} … g^{(n)} at λ_0 from g at λ_0 … λ_n (per element): the Taylor system
 * g_j − g_0 = Σ_k (λ_j − λ_0)^k/k! g^{(k)} solved exactly, or with `pseudo` the divided differences
 * D_i[j] = (D_{i−1}[j] − D_{i−1}[j+1])/(λ_j − λ_{i+j}), g^{(i)} = i!·D_i[0] (their compute_high_order_derivatives).
 */
export function v3Derivatives(lambdas: readonly number[], g: readonly Float64Array[], pseudo: boolean): Float64Array[] {
  const n = lambdas.length - 1;
  const size = g[0]?.length ?? 0;
  const out = Array.from({ length: n }, () => new Float64Array(size));
  if (n === 0) return out;
  if (pseudo) {
    for (let d = 0; d < size; d++) {
      let prev = g.map((gi) => gi[d]!);
      for (let i = 1; i <= n; i++) {
        const next: number[] = [];
        for (let j = 0; j + i <= n; j++) next.push((prev[j]! - prev[j + 1]!) / (lambdas[j]! - lambdas[i + j]!));
        out[i - 1]![d] = next[0]! * factorial(i);
        prev = next;
      }
    }
    return out;
  }
  const R = Array.from({ length: n }, (_, j) => Array.from({ length: n }, (_, k) => (lambdas[j + 1]! - lambdas[0]!) ** (k + 1)));
  for (let d = 0; d < size; d++) {
    const sol = solveSmall(R, Array.from({ length: n }, (_, j) => g[j + 1]![d]! - g[0]![d]!));
    for (let k = 0; k < n; k++) out[k]![d] = sol[k]! * factorial(k + 1);
  }
  return out;
}

/**
 * The local update of order `points.length` from `points[0]` (the start s) to grid index `target`;
 * `points[1…]` are the extra points whose g values give the derivatives (for the corrector,
 * `points[1]` is the target itself).
 */
export function v3LocalUpdate<T extends FloatArray>(tables: V3Tables, points: readonly V3Point[], target: number, pseudo: boolean): T {
  const start = points[0];
  if (start === undefined) throw new RepriseError('SCHEDULER_INVALID', 'DPM-Solver-v3: the update needs at least the start point');
  const xS = start.x as T;
  const n = xS.length;
  if (tables.size !== 1 && tables.size !== n) {
    throw new RepriseError('SCHEDULER_INVALID', `DPM-Solver-v3: the statistics hold ${tables.size} values per grid point but the sample has ${n}`, {
      hint: 'Compute the statistics for this latent size (the same model and width/height), or use size-1 statistics.',
    });
  }
  const { lambdas, l, L, S, I, B, C } = tables;
  const iS = start.index;
  const iT = target;
  const lamS = lambdas[iS]!;
  const { alpha: alphaS } = alphaSigmaOfLambda(lamS);
  const { alpha: alphaT } = alphaSigmaOfLambda(lambdas[iT]!);
  // g_i = e^{S_s − S_i} f_i − e^{S_s} (B_i − B_s), f_i = (σ_i ε_i − l_i x_i)/α_i (§3.1, Zheng et al. 2023; their get_g).
  const g = points.map((p) => {
    const { alpha, sigma } = alphaSigmaOfLambda(lambdas[p.index]!);
    const out = new Float64Array(n);
    for (let d = 0; d < n; d++) {
      const f = (sigma * p.eps[d]! - at(tables, l, p.index, d) * p.x[d]!) / alpha;
      const sS = at(tables, S, iS, d);
      out[d] = Math.exp(sS - at(tables, S, p.index, d)) * f - Math.exp(sS) * (at(tables, B, p.index, d) - at(tables, B, iS, d));
    }
    return out;
  });
  const x = allocLike(xS, n);
  const derivs = v3Derivatives(
    points.map((p) => lambdas[p.index]!),
    g,
    pseudo,
  );
  const coeffs = derivs.map((_, k) => v3ExpCoefficient(tables, iS, iT, k + 1));
  const g0 = g[0]!;
  for (let d = 0; d < n; d++) {
    const lS = at(tables, L, iS, d);
    const lT = at(tables, L, iT, d);
    const sS = at(tables, S, iS, d);
    const dI = at(tables, I, iT, d) - at(tables, I, iS, d);
    const decay = Math.exp(lS - lT);
    // Eq. (8), Zheng et al. 2023: the zeroth-order part.
    let v =
      (alphaT / alphaS) * decay * xS[d]! -
      alphaT * Math.exp(-lT - sS) * dI * g0[d]! -
      alphaT * Math.exp(-lT) * (at(tables, C, iT, d) - at(tables, C, iS, d) - at(tables, B, iS, d) * dI);
    // Eq. (8), Zheng et al. 2023: the Taylor terms of g.
    for (let k = 0; k < derivs.length; k++) v -= alphaT * decay * coeffs[k]![tables.size === 1 ? 0 : d]! * derivs[k]![d]!;
    x[d] = v;
  }
  return x;
}
