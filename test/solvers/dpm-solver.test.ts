/**
 * DPM-Solver++ multistep: whole trajectories (orders 1–3, midpoint/Heun, v-prediction with
 * zero-SNR, SDE variant with given noise) against a straightforward float64 implementation of the
 * DPM-Solver++ update written here from the paper (Lu et al. 2022, arXiv:2211.01095, with the
 * φ-function form of the official code), plus consistency properties: first order is DDIM, and the
 * second-order rule converges at order 2 on a Gaussian whose exact ODE solution is known.
 */
import { describe, expect, it } from 'vitest';
import {
  createScheduler,
  ddimMap,
  dpmSolverPlusPlusUpdate,
  dummyModel,
  resolveSchedulerConfig,
  setTimesteps,
  type NoiseLevel,
} from '../../src/solvers/index.js';
import { maxRelError, Random } from './helpers.js';

const SD = { num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', steps_offset: 1 };
const rng = new Random(7);
const X_INIT = Float64Array.from({ length: 256 }, () => rng.normal());
const NOISES = Array.from({ length: 30 }, () => Float64Array.from({ length: 256 }, () => rng.normal()));

/** Model output of the configured type for the dummy ε-model. */
function output(type: string, x: Float64Array, t: number, alpha: number, sigma: number): Float64Array {
  const eps = dummyModel(x, t);
  if (type === 'epsilon') return eps;
  const x0 = x.map((v, i) => (v - sigma * eps[i]!) / alpha);
  return type === 'sample' ? x0 : eps.map((e, i) => alpha * e - sigma * x0[i]!);
}

/** DPM-Solver++(kM) written from the paper; only the σ table comes from the library (it is fixture-checked). */
function referenceDpm(raw: Record<string, unknown>, steps: number, sde: boolean): Float64Array {
  const cfg = resolveSchedulerConfig(raw, 'DPMSolverMultistepScheduler');
  if (cfg.className !== 'DPMSolverMultistepScheduler') throw new Error('unreachable');
  const plan = setTimesteps(cfg, steps);
  const sig = plan.sigmas!;
  const n = plan.timesteps.length;
  const alphaOf = (s: number) => 1 / Math.sqrt(s * s + 1);
  const sigmaOf = (s: number) => s * alphaOf(s);
  const lambdaOf = (s: number) => Math.log(alphaOf(s)) - Math.log(sigmaOf(s));
  let x = X_INIT.slice();
  const m: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const t = plan.timesteps[i]!;
    const [as, ss] = [alphaOf(sig[i]!), sigmaOf(sig[i]!)];
    const out = output(cfg.predictionType, x, t, as, ss);
    m.unshift(cfg.predictionType === 'epsilon' ? x.map((v, j) => (v - ss * out[j]!) / as) : cfg.predictionType === 'sample' ? out : x.map((v, j) => as * v - ss * out[j]!));
    let order = Math.min(cfg.solverOrder, i + 1);
    if (i === n - 1 && ((cfg.lowerOrderFinal && n < 15) || cfg.finalSigmasType === 'zero' || cfg.eulerAtFinal)) order = 1;
    if (i === n - 2 && cfg.lowerOrderFinal && n < 15) order = Math.min(order, 2);
    const at = alphaOf(sig[i + 1]!);
    const st = sigmaOf(sig[i + 1]!);
    const h = lambdaOf(sig[i + 1]!) - lambdaOf(sig[i]!);
    const phi1 = Math.expm1(-h);
    const phi2 = phi1 / h + 1;
    const phi3 = phi2 / h - 0.5;
    const m0 = m[0]!;
    const next = new Float64Array(x.length);
    for (let j = 0; j < x.length; j++) {
      let d1 = 0;
      let d2 = 0;
      if (order >= 2) {
        const r0 = (lambdaOf(sig[i]!) - lambdaOf(sig[i - 1]!)) / h;
        const d10 = (m0[j]! - m[1]![j]!) / r0;
        if (order === 2) d1 = d10;
        else {
          const r1 = (lambdaOf(sig[i - 1]!) - lambdaOf(sig[i - 2]!)) / h;
          const d11 = (m[1]![j]! - m[2]![j]!) / r1;
          d1 = d10 + (r0 / (r0 + r1)) * (d10 - d11);
          d2 = (d10 - d11) / (r0 + r1);
        }
      }
      if (sde) {
        const e2 = Math.expm1(-2 * h);
        const c1 = order === 2 ? (cfg.solverType === 'midpoint' ? -0.5 * at * e2 : at * (e2 / (2 * h) + 1)) : 0;
        next[j] = (st / ss) * Math.exp(-h) * x[j]! - at * e2 * m0[j]! + c1 * d1 + st * Math.sqrt(-e2) * NOISES[i]![j]!;
      } else if (order === 3) {
        next[j] = (st / ss) * x[j]! - at * phi1 * m0[j]! + at * phi2 * d1 - at * phi3 * d2;
      } else {
        const c1 = order === 2 ? (cfg.solverType === 'midpoint' ? -0.5 * at * phi1 : at * phi2) : 0;
        next[j] = (st / ss) * x[j]! - at * phi1 * m0[j]! + c1 * d1;
      }
    }
    x = next;
  }
  return x;
}

function runWrapper(raw: Record<string, unknown>, steps: number, withNoise: boolean): Float64Array {
  const s = createScheduler(raw, 'DPMSolverMultistepScheduler');
  s.setTimesteps(steps);
  let x = X_INIT.slice();
  const sig = s.plan.sigmas!;
  s.timesteps.forEach((t, i) => {
    const alpha = 1 / Math.sqrt(sig[i]! ** 2 + 1);
    const out = output(s.config.predictionType, x, t, alpha, sig[i]! * alpha);
    x = s.step(out, t, x, withNoise ? { varianceNoise: NOISES[i]! } : {}).prevSample;
  });
  return x;
}

describe('DPM-Solver++ trajectories against the paper formulas', () => {
  const cases: [string, Record<string, unknown>, number][] = [
    ['order 3, 20 steps, linspace', { ...SD, solver_order: 3, timestep_spacing: 'linspace' }, 20],
    ['order 3, 10 steps (lower_order_final)', { ...SD, solver_order: 3, timestep_spacing: 'linspace' }, 10],
    ['order 3, 25 steps, leading, final σ_min', { ...SD, solver_order: 3, timestep_spacing: 'leading', final_sigmas_type: 'sigma_min' }, 25],
    ['order 3, 16 steps, no lower_order_final, final σ_min', { ...SD, solver_order: 3, lower_order_final: false, final_sigmas_type: 'sigma_min' }, 16],
    ['order 2 Heun, 20 steps', { ...SD, solver_type: 'heun' }, 20],
    ['order 1, 12 steps', { ...SD, solver_order: 1 }, 12],
    ['order 2, v-prediction + zero-SNR + trailing, 20 steps', { ...SD, prediction_type: 'v_prediction', rescale_betas_zero_snr: true, timestep_spacing: 'trailing' }, 20],
    ['order 3, v-prediction + zero-SNR + trailing, 30 steps', { ...SD, solver_order: 3, prediction_type: 'v_prediction', rescale_betas_zero_snr: true, timestep_spacing: 'trailing' }, 30],
    ['order 2, sample prediction, 15 steps', { ...SD, prediction_type: 'sample' }, 15],
  ];
  for (const [name, raw, steps] of cases) {
    it(name, () => {
      const ours = runWrapper(raw, steps, false);
      expect(ours.every(Number.isFinite)).toBe(true);
      expect(maxRelError(ours, referenceDpm(raw, steps, false), 1e-3)).toBeLessThan(1e-9);
    });
  }

  for (const solverType of ['midpoint', 'heun']) {
    it(`sde-dpmsolver++ (${solverType}) with given noise`, () => {
      const raw = { ...SD, algorithm_type: 'sde-dpmsolver++', solver_type: solverType };
      expect(maxRelError(runWrapper(raw, 20, true), referenceDpm(raw, 20, true), 1e-3)).toBeLessThan(1e-9);
    });
  }
});

describe('DPM-Solver++ properties', () => {
  it('first order is DDIM: x_t = D(x_s, ε; s→t) at ā = 1/(σ²+1)', () => {
    const s = createScheduler({ ...SD, solver_order: 1, final_sigmas_type: 'sigma_min' }, 'DPMSolverMultistepScheduler');
    s.setTimesteps(12);
    const sig = s.plan.sigmas!;
    let x = X_INIT.slice();
    let y = X_INIT.slice();
    s.timesteps.forEach((t, i) => {
      x = s.step(dummyModel(x, t), t, x).prevSample;
      y = ddimMap(y, dummyModel(y, t), 1 / (sig[i]! ** 2 + 1), 1 / (sig[i + 1]! ** 2 + 1));
    });
    expect(maxRelError(x, y, 1e-3)).toBeLessThan(1e-11);
  });

  it('order 2 converges at order 2 on a Gaussian with a known ODE solution', () => {
    const [mu, sd, z] = [0.7, 0.5, 1.3];
    const level = (lambda: number): NoiseLevel => {
      const alpha = 1 / Math.sqrt(1 + Math.exp(-2 * lambda));
      return { alpha, sigma: alpha * Math.exp(-lambda) };
    };
    const exact = (l: NoiseLevel) => l.alpha * mu + Math.sqrt(l.alpha ** 2 * sd * sd + l.sigma ** 2) * z;
    const denoise = (l: NoiseLevel, x: number) => mu + ((l.alpha * sd * sd) / (l.alpha ** 2 * sd * sd + l.sigma ** 2)) * (x - l.alpha * mu);
    const errorWith = (n: number, order: 1 | 2): number => {
      const levels = Array.from({ length: n + 1 }, (_, i) => level(-2.5 + (6 * i) / n));
      let x = new Float64Array([exact(levels[0]!)]);
      const history: Float64Array[] = [];
      for (let i = 0; i < n; i++) {
        history.push(new Float64Array([denoise(levels[i]!, x[0]!)]));
        x = dpmSolverPlusPlusUpdate({ sample: x, x0History: history.slice(-2), levels: levels.slice(Math.max(0, i - 1), i + 2), order: i === 0 ? 1 : order, solverType: 'midpoint' });
      }
      return Math.abs(x[0]! - exact(levels[n]!));
    };
    const rate2 = Math.log2(errorWith(40, 2) / errorWith(80, 2));
    const rate1 = Math.log2(errorWith(40, 1) / errorWith(80, 1));
    expect(rate2).toBeGreaterThan(1.9);
    expect(rate1).toBeGreaterThan(0.9);
    expect(rate1).toBeLessThan(1.1);
  });

  it('a timestep that is not in the plan is an error', () => {
    const s = createScheduler({ ...SD }, 'DPMSolverMultistepScheduler');
    s.setTimesteps(5);
    expect(() => s.step(X_INIT, 123, X_INIT)).toThrow(/not one of/);
  });
});
