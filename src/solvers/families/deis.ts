/**
 * DEISMultistepScheduler: the diffusion exponential integrator sampler (log-ρ polynomial
 * extrapolation of ε̂), orders 1–3, as diffusers runs it (final σ = σ at t = 0).
 *
 * Paper: Zhang & Chen 2023, "Fast Sampling of Diffusion Models with Exponential Integrator"
 * (arXiv:2204.13902), §4 (tAB-DEIS in ρ = σ/α).
 *
 * Notation: ρ = σ/α; e_k = ε̂ at s_k (e0 current). Order 1: x_t = (α_t/α_s) x − σ_t (e^h − 1) e0.
 * Order k: x_t = α_t (x/α_s0 + Σ_j c_j e_j), c_j = ∫_{ρ_s0}^{ρ_t} ℓ_j(log ρ) dρ with ℓ_j the
 * Lagrange basis over log ρ_{s0…s(k−1)}.
 */
import { z } from 'zod';
import { allocLike, type FloatArray } from '../arrays.js';
import { opt, pick, unsupportedValue, type CommonConfig } from '../config.js';
import { noiseLevelFromSigma } from '../prediction.js';
import { vpSigmaPlan } from '../sigma-plan.js';
import { defineSolver } from '../spec.js';

export interface DeisConfig extends CommonConfig {
  readonly className: 'DEISMultistepScheduler';
  readonly solverOrder: 1 | 2 | 3;
  readonly lowerOrderFinal: boolean;
  readonly useKarrasSigmas: boolean;
}

export interface DeisState {
  /** ε̂ of earlier steps, most recent last. */
  history: FloatArray[];
  lowerOrderNums: number;
}

const keys = z.looseObject({
  solver_order: opt(z.number().int(), 2),
  algorithm_type: z.string().nullish(),
  solver_type: z.string().nullish(),
  lower_order_final: opt(z.boolean(), true),
  use_karras_sigmas: opt(z.boolean(), false),
});

/** ∫ (log t − log c)/(log b − log c) dt. */
const ind2 = (t: number, b: number, c: number): number => (t * (-Math.log(c) + Math.log(t) - 1)) / (Math.log(b) - Math.log(c));

/** ∫ (log t − log c)(log t − log d)/((log b − log c)(log b − log d)) dt. */
function ind3(t: number, b: number, c: number, d: number): number {
  const lt = Math.log(t);
  const lc = Math.log(c);
  const ld = Math.log(d);
  const numerator = t * (lc * (ld - lt + 1) - ld * lt + ld + lt ** 2 - 2 * lt + 2);
  return numerator / ((Math.log(b) - lc) * (Math.log(b) - ld));
}

export const deisSpec = defineSolver({
  id: 'deis',
  className: 'DEISMultistepScheduler',
  summary: 'DEIS exponential integrator (log-ρ), multistep orders 1–3',
  paper: 'Zhang & Chen 2023, Fast Sampling of Diffusion Models with Exponential Integrator (arXiv:2204.13902)',
  defaults: { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', timestepSpacing: 'linspace' },
  supports: { predictionTypes: ['epsilon', 'v_prediction', 'sample'], spacings: ['leading', 'trailing', 'linspace'], zeroSnr: false, karras: true },
  keys,
  resolve: (k: z.infer<typeof keys>, common): DeisConfig => {
    const order = k.solver_order;
    if (order !== 1 && order !== 2 && order !== 3) throw unsupportedValue('solver_order', order, '1, 2, 3');
    // diffusers maps dpmsolver/dpmsolver++ onto "deis" and the other solver types onto "logrho".
    pick('algorithm_type', k.algorithm_type === 'dpmsolver' || k.algorithm_type === 'dpmsolver++' ? 'deis' : k.algorithm_type, 'deis', ['deis']);
    const solver = k.solver_type !== null && k.solver_type !== undefined && ['midpoint', 'heun', 'bh1', 'bh2'].includes(k.solver_type) ? 'logrho' : k.solver_type;
    pick('solver_type', solver, 'logrho', ['logrho']);
    return { ...common, className: 'DEISMultistepScheduler', solverOrder: order, lowerOrderFinal: k.lower_order_final, useKarrasSigmas: k.use_karras_sigmas };
  },
  placement: 'sigmas',
  sampleFrame: 'vp',
  clampsTerminalAlpha: false,
  plan: (config, steps, schedule) =>
    vpSigmaPlan(config, steps, schedule, { karras: config.useKarrasSigmas, lambdaMinClipped: Number.NEGATIVE_INFINITY, final: 'sigma_min', karrasFinal: 'last' }),
  createState: (): DeisState => ({ history: [], lowerOrderNums: 0 }),
  step: (s, state) => {
    const c = s.config;
    const i = s.index();
    const numSteps = s.plan.timesteps.length;
    const lowerFinal = i === numSteps - 1 && c.lowerOrderFinal && numSteps < 15;
    const lowerSecond = i === numSteps - 2 && c.lowerOrderFinal && numSteps < 15;
    const level = (k: number) => noiseLevelFromSigma(s.sigma(k));
    const d = s.denoise(s.modelOutput, s.sample, level(i));
    // diffusers converts back to ε̂ from x̂0: (x − α x̂0)/σ.
    const l0 = level(i);
    const eps = allocLike(s.sample);
    for (let k = 0; k < eps.length; k++) eps[k] = (s.sample[k]! - l0.alpha * d.x0[k]!) / l0.sigma;
    state.history = [...state.history, eps].slice(-c.solverOrder);
    const h = state.history;
    const order = c.solverOrder === 1 || state.lowerOrderNums < 1 || lowerFinal ? 1 : c.solverOrder === 2 || state.lowerOrderNums < 2 || lowerSecond ? 2 : 3;
    const lt = level(i + 1);
    const x = s.sample;
    const out = allocLike(x);
    const m0 = h[h.length - 1]!;
    if (order === 1) {
      const hh = Math.log(lt.alpha) - Math.log(lt.sigma) - (Math.log(l0.alpha) - Math.log(l0.sigma));
      for (let k = 0; k < out.length; k++) out[k] = (lt.alpha / l0.alpha) * x[k]! - lt.sigma * (Math.exp(hh) - 1) * m0[k]!;
    } else if (order === 2) {
      const l1 = level(i - 1);
      const m1 = h[h.length - 2]!;
      const [rt, r0, r1] = [lt.sigma / lt.alpha, l0.sigma / l0.alpha, l1.sigma / l1.alpha];
      const c1 = ind2(rt, r0, r1) - ind2(r0, r0, r1);
      const c2 = ind2(rt, r1, r0) - ind2(r0, r1, r0);
      for (let k = 0; k < out.length; k++) out[k] = lt.alpha * (x[k]! / l0.alpha + c1 * m0[k]! + c2 * m1[k]!);
    } else {
      const l1 = level(i - 1);
      const l2 = level(i - 2);
      const m1 = h[h.length - 2]!;
      const m2 = h[h.length - 3]!;
      const [rt, r0, r1, r2] = [lt.sigma / lt.alpha, l0.sigma / l0.alpha, l1.sigma / l1.alpha, l2.sigma / l2.alpha];
      const c1 = ind3(rt, r0, r1, r2) - ind3(r0, r0, r1, r2);
      const c2 = ind3(rt, r1, r2, r0) - ind3(r0, r1, r2, r0);
      const c3 = ind3(rt, r2, r0, r1) - ind3(r0, r2, r0, r1);
      for (let k = 0; k < out.length; k++) out[k] = lt.alpha * (x[k]! / l0.alpha + c1 * m0[k]! + c2 * m1[k]! + c3 * m2[k]!);
    }
    if (state.lowerOrderNums < c.solverOrder) state.lowerOrderNums++;
    return { prevSample: out, x0: d.x0 };
  },
  order: (c) => c.solverOrder,
  modelCalls: (_c, steps) => steps,
  callsPerStep: '1',
  stochastic: () => false,
  timeShift: { supported: true },
});
