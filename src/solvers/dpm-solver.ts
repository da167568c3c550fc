/**
 * DPM-Solver++ multistep (data-prediction form), orders 1–3, midpoint or Heun second-order
 * correction, with the optional SDE variant — as diffusers `DPMSolverMultistepScheduler` with
 * `algorithm_type` "dpmsolver++" / "sde-dpmsolver++".
 *
 * Paper: Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion Probabilistic
 * Models" (arXiv:2211.01095), Algorithm 2; third order from Lu et al. 2022 (arXiv:2206.00927).
 *
 * Notation: levels (α, σ) = (√ā, √(1−ā)); λ = log α − log σ; s0 = current step, s1, s2 = earlier
 * steps, t = target; h = λ_t − λ_s0, r0 = (λ_s0 − λ_s1)/h, r1 = (λ_s1 − λ_s2)/h; m_k = x̂0 at s_k.
 * First order: x_t = (σ_t/σ_s0) x − α_t (e^{−h} − 1) m0.
 */
import { RepriseError } from '../errors.js';
import { allocLike, assertSameLength, type FloatArray } from './arrays.js';
import type { DpmSolverType } from './config.js';
import type { NoiseLevel } from './prediction.js';

/** λ = log α − log σ (the half log-SNR). */
export function logSnrHalf(level: NoiseLevel): number {
  return Math.log(level.alpha) - Math.log(level.sigma);
}

/** Arguments shared by the update rules. */
export interface DpmSolverStepArgs<T extends FloatArray> {
  readonly sample: T;
  /** x̂0 at the current and earlier steps, most recent LAST: [.., m2, m1, m0]. */
  readonly x0History: readonly FloatArray[];
  /** Levels at the same steps, most recent last, followed by the target level: [.., s1, s0, t]. */
  readonly levels: readonly NoiseLevel[];
  /** 1, 2 or 3 (needs that many entries of history). */
  readonly order: 1 | 2 | 3;
  readonly solverType: DpmSolverType;
  /** For "sde-dpmsolver++": the standard normal noise of this step; absent for the ODE solver. */
  readonly sdeNoise?: FloatArray;
}

function at<U>(list: readonly U[], fromEnd: number, what: string): U {
  const v = list[list.length - fromEnd];
  if (v === undefined) throw new RepriseError('SCHEDULER_INVALID', `DPM-Solver++: ${what} is missing (history too short for this order)`);
  return v;
}

/**
 * One DPM-Solver++ multistep update from level s0 to t. With `sdeNoise` it is the SDE variant:
 * x_t = (σ_t/σ_s0) e^{−h} x + α_t (1 − e^{−2h}) D + σ_t √(1 − e^{−2h}) z.
 */
export function dpmSolverPlusPlusUpdate<T extends FloatArray>(args: DpmSolverStepArgs<T>): T {
  const { sample, x0History, levels, order, solverType, sdeNoise } = args;
  const lt = at(levels, 1, 'target level');
  const l0 = at(levels, 2, 'level s0');
  const m0 = at(x0History, 1, 'x̂0 at s0');
  assertSameLength('dpmSolverPlusPlusUpdate', sample, m0, sdeNoise);
  const lambdaT = logSnrHalf(lt);
  const lambda0 = logSnrHalf(l0);
  const h = lambdaT - lambda0;
  const expMinusH = Math.exp(-h);
  const sde = sdeNoise !== undefined;
  // Coefficient of x and of the zero-order term D0.
  const cx = sde ? (lt.sigma / l0.sigma) * expMinusH : lt.sigma / l0.sigma;
  const c0 = sde ? lt.alpha * (1 - Math.exp(-2 * h)) : -(lt.alpha * (expMinusH - 1));
  const cz = sde ? lt.sigma * Math.sqrt(1 - Math.exp(-2 * h)) : 0;
  const out = allocLike(sample);
  const n = sample.length;

  if (order === 1) {
    for (let i = 0; i < n; i++) out[i] = cx * sample[i]! + c0 * m0[i]!;
  } else if (order === 2) {
    const l1 = at(levels, 3, 'level s1');
    const m1 = at(x0History, 2, 'x̂0 at s1');
    assertSameLength('dpmSolverPlusPlusUpdate', sample, m1);
    const r0 = (lambda0 - logSnrHalf(l1)) / h;
    // D1 = (m0 − m1)/r0; coefficient of D1:
    let c1: number;
    if (solverType === 'midpoint') c1 = sde ? 0.5 * lt.alpha * (1 - Math.exp(-2 * h)) : -0.5 * (lt.alpha * (expMinusH - 1));
    else c1 = sde ? lt.alpha * ((1 - Math.exp(-2 * h)) / (-2 * h) + 1) : lt.alpha * ((expMinusH - 1) / h + 1);
    for (let i = 0; i < n; i++) {
      const d1 = (1 / r0) * (m0[i]! - m1[i]!);
      out[i] = cx * sample[i]! + c0 * m0[i]! + c1 * d1;
    }
  } else {
    if (sde) throw new RepriseError('SCHEDULER_INVALID', 'sde-dpmsolver++ supports solver_order 1 or 2, not 3');
    const l1 = at(levels, 3, 'level s1');
    const l2 = at(levels, 4, 'level s2');
    const m1 = at(x0History, 2, 'x̂0 at s1');
    const m2 = at(x0History, 3, 'x̂0 at s2');
    assertSameLength('dpmSolverPlusPlusUpdate', sample, m1, m2);
    const lambda1 = logSnrHalf(l1);
    const lambda2 = logSnrHalf(l2);
    const r0 = (lambda0 - lambda1) / h;
    const r1 = (lambda1 - lambda2) / h;
    const c1 = lt.alpha * ((expMinusH - 1) / h + 1);
    const c2 = -(lt.alpha * ((expMinusH - 1 + h) / (h * h) - 0.5));
    for (let i = 0; i < n; i++) {
      const d10 = (1 / r0) * (m0[i]! - m1[i]!);
      const d11 = (1 / r1) * (m1[i]! - m2[i]!);
      const d1 = d10 + (r0 / (r0 + r1)) * (d10 - d11);
      const d2 = (1 / (r0 + r1)) * (d10 - d11);
      out[i] = cx * sample[i]! + c0 * m0[i]! + c1 * d1 + c2 * d2;
    }
  }
  if (sde) for (let i = 0; i < n; i++) out[i] = out[i]! + cz * sdeNoise[i]!;
  return out;
}

/**
 * The order diffusers uses at step `stepIndex` of `numSteps`: limited by the configured order,
 * by how many steps ran (`lowerOrderNums`), and lowered on the last steps (`lower_order_final`
 * with < 15 steps, `euler_at_final`, or a final σ of zero forces first order at the end).
 */
export function dpmSolverOrderAt(args: {
  readonly stepIndex: number;
  readonly numSteps: number;
  readonly solverOrder: 1 | 2 | 3;
  readonly lowerOrderNums: number;
  readonly lowerOrderFinal: boolean;
  readonly eulerAtFinal: boolean;
  readonly finalSigmaZero: boolean;
}): 1 | 2 | 3 {
  const { stepIndex, numSteps, solverOrder, lowerOrderNums, lowerOrderFinal } = args;
  const lowerFinal = stepIndex === numSteps - 1 && (args.eulerAtFinal || (lowerOrderFinal && numSteps < 15) || args.finalSigmaZero);
  const lowerSecond = stepIndex === numSteps - 2 && lowerOrderFinal && numSteps < 15;
  if (solverOrder === 1 || lowerOrderNums < 1 || lowerFinal) return 1;
  if (solverOrder === 2 || lowerOrderNums < 2 || lowerSecond) return 2;
  return 3;
}
