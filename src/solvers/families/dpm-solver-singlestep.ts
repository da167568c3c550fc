/**
 * DPMSolverSinglestepScheduler: DPM-Solver / DPM-Solver++ in singlestep form — steps grouped
 * into orders [1, 2, 3, 1, 2, 3, …] (diffusers' `get_order_list`), each group restarting from the
 * sample at its first step, orders 1–3, midpoint or Heun, and the SDE-DPM-Solver++ variant (orders 1–2).
 *
 * Paper: Lu et al. 2022, "DPM-Solver" (arXiv:2206.00927), Algorithms 1–2 (DPM-Solver-2/3);
 * Lu et al. 2022, "DPM-Solver++" (arXiv:2211.01095), Algorithm 1.
 *
 * Notation: group start s_{k−1} (k = order); m_j = converted outputs (x̂0 for ++, ε̂ otherwise),
 * m0 most recent; h = λ_t − λ_start, r_j = (λ_{s_j} − λ_start)/h.
 */
import { z } from 'zod';
import { allocLike, type FloatArray } from '../arrays.js';
import type { CommonConfig, FinalSigmasType } from '../config.js';
import type { NoiseLevel } from '../prediction.js';
import { noiseLevelFromSigma } from '../prediction.js';
import { vpSigmaPlan } from '../sigma-plan.js';
import { defineSolver } from '../spec.js';
import { dpmKeys, resolveDpmKeys, type DpmAlgorithmType } from './dpm-solver-multistep.js';
import type { DpmSolverType } from '../config.js';

export interface DpmSolverSinglestepConfig extends CommonConfig {
  readonly className: 'DPMSolverSinglestepScheduler';
  readonly solverOrder: 1 | 2 | 3;
  readonly algorithmType: DpmAlgorithmType;
  readonly solverType: DpmSolverType;
  readonly lowerOrderFinal: boolean;
  readonly finalSigmasType: FinalSigmasType;
  readonly lambdaMinClipped: number;
  readonly useKarrasSigmas: boolean;
}

export interface SinglestepState {
  /** Converted outputs, most recent last (at most solver_order). */
  history: (FloatArray | null)[];
  /** The group's starting sample. */
  start: FloatArray | null;
  orders: readonly number[];
}

const keys = z.looseObject(dpmKeys);

/** diffusers `get_order_list` (after its `lower_order_final` overrides). */
export function singlestepOrders(config: DpmSolverSinglestepConfig, steps: number): number[] {
  const order = config.solverOrder;
  // diffusers forces lower_order_final for uneven step counts and for a final σ of zero.
  const lowerFinal = config.lowerOrderFinal || steps % order !== 0 || config.finalSigmasType === 'zero';
  const rep = (pattern: number[], times: number): number[] => Array.from({ length: Math.max(0, times) }, () => pattern).flat();
  let orders: number[];
  if (order === 1) orders = rep([1], steps);
  else if (!lowerFinal) orders = order === 3 ? rep([1, 2, 3], steps / 3) : rep([1, 2], steps / 2);
  else if (order === 3) {
    const q = Math.floor(steps / 3);
    orders = steps % 3 === 0 ? [...rep([1, 2, 3], q - 1), 1, 2, 1] : steps % 3 === 1 ? [...rep([1, 2, 3], q), 1] : [...rep([1, 2, 3], q), 1, 2];
  } else {
    const q = Math.floor(steps / 2);
    orders = steps % 2 === 0 ? [...rep([1, 2], q - 1), 1, 1] : [...rep([1, 2], q), 1];
  }
  if (config.finalSigmasType === 'zero' && orders.length > 0) orders[orders.length - 1] = 1;
  return orders;
}

const lam = (l: NoiseLevel): number => Math.log(l.alpha) - Math.log(l.sigma);

export const dpmSolverSinglestepSpec = defineSolver({
  id: 'dpm-solver-singlestep',
  aliases: ['dpmsolver-singlestep'],
  className: 'DPMSolverSinglestepScheduler',
  summary: 'DPM-Solver / DPM-Solver++ singlestep, orders 1–3',
  paper: 'Lu et al. 2022, DPM-Solver (arXiv:2206.00927); DPM-Solver++ (arXiv:2211.01095)',
  defaults: { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', timestepSpacing: 'linspace' },
  supports: { predictionTypes: ['epsilon', 'v_prediction', 'sample'], spacings: null, zeroSnr: false, karras: true },
  keys,
  resolve: (k: z.infer<typeof keys>, common): DpmSolverSinglestepConfig => ({
    ...common,
    className: 'DPMSolverSinglestepScheduler',
    ...resolveDpmKeys(k, 'DPMSolverSinglestepScheduler'),
  }),
  placement: 'sigmas',
  sampleFrame: 'vp',
  clampsTerminalAlpha: false,
  plan: (config, steps, schedule) =>
    vpSigmaPlan(config, steps, schedule, {
      karras: config.useKarrasSigmas,
      lambdaMinClipped: config.lambdaMinClipped,
      final: config.finalSigmasType,
      karrasFinal: config.finalSigmasType === 'zero' ? 'zero' : 'sigma_min',
    }),
  createState: (config, plan): SinglestepState => ({
    history: new Array<FloatArray | null>(config.solverOrder).fill(null),
    start: null,
    orders: singlestepOrders(config, plan.timesteps.length),
  }),
  step: (s, state) => {
    const c = s.config;
    const i = s.index();
    const level = (k: number): NoiseLevel => noiseLevelFromSigma(s.sigma(k));
    const d = s.denoise(s.modelOutput, s.sample, level(i));
    const pp = c.algorithmType !== 'dpmsolver';
    state.history = [...state.history.slice(1), pp ? d.x0 : d.eps];
    let order = state.orders[i] ?? 1;
    while (order > 1 && state.history[state.history.length - order] === null) order--;
    if (order === 1) state.start = s.sample;
    const x = state.start ?? s.sample;
    const m = (j: number): FloatArray => state.history[state.history.length - 1 - j]!;
    const lt = level(i + 1);
    const ls = level(i - (order - 1));
    const h = lam(lt) - lam(ls);
    const sde = c.algorithmType === 'sde-dpmsolver++';
    const noise = sde ? s.noise(x.length) : null;
    // Coefficients of x, D0 and the first/second-difference terms.
    const emh = Math.exp(-h);
    const eh = Math.exp(h);
    const cx = pp ? (sde ? (lt.sigma / ls.sigma) * emh : lt.sigma / ls.sigma) : lt.alpha / ls.alpha;
    const c0 = pp ? (sde ? lt.alpha * (1 - Math.exp(-2 * h)) : -lt.alpha * (emh - 1)) : -lt.sigma * (eh - 1);
    const phi1 = pp ? (sde ? lt.alpha * ((1 - Math.exp(-2 * h)) / (-2 * h) + 1) : lt.alpha * ((emh - 1) / h + 1)) : -lt.sigma * ((eh - 1) / h - 1);
    const out = allocLike(s.sample);
    const n = out.length;
    if (order === 1) {
      const m0 = m(0);
      for (let j = 0; j < n; j++) out[j] = cx * x[j]! + c0 * m0[j]!;
    } else if (order === 2) {
      const [m0, m1] = [m(0), m(1)];
      const r0 = (lam(level(i)) - lam(ls)) / h;
      const half = pp ? (sde ? 0.5 * c0 : -0.5 * lt.alpha * (emh - 1)) : -0.5 * lt.sigma * (eh - 1);
      const c1 = c.solverType === 'midpoint' ? half : phi1;
      for (let j = 0; j < n; j++) out[j] = cx * x[j]! + c0 * m1[j]! + c1 * ((1 / r0) * (m0[j]! - m1[j]!));
    } else {
      const [m0, m1, m2] = [m(0), m(1), m(2)];
      const r0 = (lam(level(i)) - lam(ls)) / h;
      const r1 = (lam(level(i - 1)) - lam(ls)) / h;
      const c2 = pp ? -lt.alpha * ((emh - 1 + h) / (h * h) - 0.5) : -lt.sigma * ((eh - 1 - h) / (h * h) - 0.5);
      for (let j = 0; j < n; j++) {
        const d10 = (1 / r1) * (m1[j]! - m2[j]!);
        const d11 = (1 / r0) * (m0[j]! - m2[j]!);
        if (c.solverType === 'midpoint') {
          out[j] = cx * x[j]! + c0 * m2[j]! + phi1 * d11;
        } else {
          const d1 = (r0 * d10 - r1 * d11) / (r0 - r1);
          const d2 = (2 * (d11 - d10)) / (r0 - r1);
          out[j] = cx * x[j]! + c0 * m2[j]! + phi1 * d1 + c2 * d2;
        }
      }
    }
    if (noise !== null) {
      const cz = lt.sigma * Math.sqrt(1 - Math.exp(-2 * h));
      for (let j = 0; j < n; j++) out[j] = out[j]! + cz * noise[j]!;
    }
    return { prevSample: out, x0: d.x0 };
  },
  order: (c) => c.solverOrder,
  modelCalls: (_c, steps) => steps,
  callsPerStep: '1',
  stochastic: (c) => c.algorithmType === 'sde-dpmsolver++',
  timeShift: { supported: true },
});
