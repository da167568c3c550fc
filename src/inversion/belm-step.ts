/**
 * The O-BELM step: coefficients of the optimal second-order bidirectional explicit linear
 * multi-step relation, pure arithmetic on noise levels (no model).
 *
 * Paper: Wang, Yin, Dong, Zhu, Zhang, Zhao, Qian & Li, "BELM: Bidirectional Explicit Linear
 * Multi-step Sampler for Exact Inversion in Diffusion Models" (NeurIPS 2024, arXiv:2410.07273),
 * §"Optimal BELM"; the formulas below are as stated in the authors' README and implemented in
 * their samplers/BELM.py (github.com/zituitui/BELM).
 *
 * Notation: levels i = 0 … N least noisy first (as `common.ts`), α_i = √ā_i, σ_i = √(1 − ā_i),
 * x̄ = x/α, σ̄_i = σ_i/α_i and h_i = σ̄_i − σ̄_{i−1} (> 0).
 *   2-step BELM (paper, "2-step BELM"):  x̄_{i−1} = a_{i,2} x̄_{i+1} + a_{i,1} x̄_i + b_{i,1} h_i ε(x_i, i)
 *   O-BELM (paper, Proposition on the LTE, O((h_i + h_{i+1})³)):
 *     a_{i,1} = (h_{i+1}² − h_i²)/h_{i+1}²,  a_{i,2} = h_i²/h_{i+1}²,  b_{i,1} = −(h_i + h_{i+1})/h_{i+1}
 *   In x (paper, "the O-BELM sampler"):
 *     x_{i−1} = (h_i²/h_{i+1}²)(α_{i−1}/α_{i+1}) x_{i+1} + ((h_{i+1}² − h_i²)/h_{i+1}²)(α_{i−1}/α_i) x_i
 *               − (h_i (h_i + h_{i+1})/h_{i+1}) α_{i−1} ε(x_i, i)
 *   Its inversion (paper, "the inversion of O-BELM") solves the same relation for x_{i+1}.
 * Special cases (paper, BELM family; our algebra): every consistent 2-step BELM has a_{i,1} = 1 − a_{i,2}
 * and b_{i,1} h_i = −(h_i + a_{i,2} h_{i+1}); BDIA-γ is a_{i,2} = γ α_{i+1}/α_{i−1}, and equal steps
 * h_i = h_{i+1} = h make O-BELM the symmetric x̄_{i−1} = x̄_{i+1} − 2h ε.
 *
 * Stability (our analysis, not the paper's): a perturbation of the pair obeys r² = a_{i,1} r + a_{i,2},
 * roots 1 and −a_{i,2}. Sampling amplifies the parasitic (alternating) mode by a_{i,2} =
 * (h_i/h_{i+1})², which exceeds 1 where σ̄ grows slower than linearly in the level (near ā = 1 on
 * uniform timestep grids, σ̄ ≈ √t: 1.8–2.9 on the last steps of SD's schedule, on diffusers'
 * leading, trailing and linspace grids alike, the paper's linspace included). `maxRatio` caps a_{i,2}
 * there, keeping the relation consistent (first order) with the b_{i,1} above; capped or not, the
 * relation is solved exactly both ways.
 */
import { RepriseError } from '../errors.js';
import type { InversionLevels } from './common.js';

/** σ̄ = σ/α = √((1 − ā)/ā) of a level ā ∈ (0, 1]. */
export function sigmaBar(alphaBar: number): number {
  return Math.sqrt((1 - alphaBar) / alphaBar);
}

/**
 * The levels O-BELM walks: the plan's inversion levels, except that a last step of zero length
 * (the schedule's final ā equals ā(τ_1): a grid ending at t = 0 without `set_alpha_to_one`) ends
 * at ā_0 = 1 instead, as the paper's code always ends (h_1 must be > 0).
 */
export function belmLevels(levels: InversionLevels): InversionLevels {
  const [a0, a1] = levels.alphaBars as [number, number];
  if (levels.steps < 1 || a0 > a1) return levels;
  return { ...levels, alphaBars: [1, ...levels.alphaBars.slice(1)] };
}

/** x_{i−1} = noisier·x_{i+1} + current·x_i + eps·ε(x_i, τ_i): one sampling relation. */
export interface BelmCoefficients {
  /** Of x_{i+1}. */
  readonly noisier: number;
  /** Of x_i. */
  readonly current: number;
  /** Of ε(x_i, τ_i). */
  readonly eps: number;
  /** a_{i,2} = h_i²/h_{i+1}² before any cap (the parasitic mode's factor in sampling). */
  readonly ratio: number;
}

/**
 * The O-BELM coefficients of relation i (1 ≤ i ≤ N − 1) from the levels ā_{i−1}, ā_i, ā_{i+1},
 * with a_{i,2} capped at `maxRatio` (Infinity: the paper's O-BELM everywhere).
 * @throws RepriseError (RUNTIME_INPUT) unless ā_{i−1} > ā_i > ā_{i+1} > 0
 */
export function belmCoefficients(alphaBarLess: number, alphaBar: number, alphaBarMore: number, maxRatio = Number.POSITIVE_INFINITY): BelmCoefficients {
  if (!(alphaBarLess <= 1 && alphaBarLess > alphaBar && alphaBar > alphaBarMore && alphaBarMore > 0)) {
    throw new RepriseError('RUNTIME_INPUT', `O-BELM needs strictly decreasing levels in (0, 1], got ā = ${alphaBarLess}, ${alphaBar}, ${alphaBarMore}`, {
      hint: 'Use a schedule with strictly decreasing ā over its sampling timesteps (and ā > 0).',
    });
  }
  const [sLess, s, sMore] = [sigmaBar(alphaBarLess), sigmaBar(alphaBar), sigmaBar(alphaBarMore)];
  const h = s - sLess; // h_i = σ̄_i − σ̄_{i−1}
  const hMore = sMore - s; // h_{i+1} = σ̄_{i+1} − σ̄_i
  const ratio = (h * h) / (hMore * hMore); // O-BELM a_{i,2} = h_i²/h_{i+1}² (paper, Proposition)
  const a2 = Math.min(ratio, maxRatio);
  const a1 = 1 - a2; // O-BELM a_{i,1} = (h_{i+1}² − h_i²)/h_{i+1}² = 1 − a_{i,2} (paper, Proposition)
  // O-BELM b_{i,1} h_i = −h_i (h_i + h_{i+1})/h_{i+1} (paper, Proposition), which equals −(h_i + a_{i,2} h_{i+1})
  // for a_{i,2} = h_i²/h_{i+1}²; the latter form also keeps a capped relation consistent (exact on x̄ linear in σ̄).
  const bh = -(h + a2 * hMore);
  const [aLess, a, aMore] = [Math.sqrt(alphaBarLess), Math.sqrt(alphaBar), Math.sqrt(alphaBarMore)];
  // x_{i−1} = α_{i−1} x̄_{i−1}, x̄ = x/α, and ε̄ = ε in the paper's x̄ variables (paper, "the O-BELM sampler").
  return { noisier: (a2 * aLess) / aMore, current: (a1 * aLess) / a, eps: bh * aLess, ratio };
}
