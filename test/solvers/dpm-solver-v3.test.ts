/**
 * DPM-Solver-v3: the reduction to DPM-Solver++ with l = 1, s = b = 0 (update rule and sampler),
 * its order on a Gaussian target, the EMS of an analytic Gaussian model against their closed
 * form, and sampling with those EMS (exact up to the grid for that model).
 */
import { describe, expect, it } from 'vitest';
import {
  alphaSigmaOfLambda,
  createScheduler,
  degenerateStatistics,
  dpmSolverPlusPlusUpdate,
  lambdaGrid,
  noiseLevelFromSigma,
  resolveSchedulerConfig,
  v3LocalUpdate,
  v3Tables,
  type NoiseLevel,
  type Scheduler,
  type V3Statistics,
} from '../../src/solvers/index.js';
import { computeV3Statistics } from '../../src/solvers/v3-ems.js';
import { createNoiseSchedule } from '../../src/solvers/resolve.js';

const SD = { num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear' };
const V3 = 'DPMSolverV3Scheduler';
const X = Float64Array.from({ length: 8 }, (_, i) => Math.cos(1.3 * i + 0.2) * 1.5);
const schedule = createNoiseSchedule(resolveSchedulerConfig(SD, V3));
const MU = 0.3;
const S2 = 0.25;

/** The exact ε of data x0 ~ N(MU, S2) per element: σ (x − α μ)/(α² s² + σ²). */
const gaussEps = (x: ArrayLike<number>, lv: NoiseLevel): Float64Array => Float64Array.from(x, (xi) => (lv.sigma * (xi - lv.alpha * MU)) / (lv.alpha ** 2 * S2 + lv.sigma ** 2));

/** Runs a σ-placed scheduler on the Gaussian target; returns max |x − exact| after `stop` steps (default: all). */
function gaussianError(s: Scheduler, steps: number, stop?: number, start: Float64Array = X): number {
  s.setTimesteps(steps);
  const sig = s.plan.sigmas as Float64Array;
  let x = Float64Array.from(start);
  s.timesteps.slice(0, stop).forEach((t, k) => {
    x = s.step(gaussEps(x, noiseLevelFromSigma(sig[k]!)), t, x).prevSample;
  });
  const l0 = noiseLevelFromSigma(sig[0]!);
  const le = noiseLevelFromSigma(sig[stop ?? sig.length - 1]!);
  const v0 = l0.alpha ** 2 * S2 + l0.sigma ** 2;
  const v1 = le.alpha ** 2 * S2 + le.sigma ** 2;
  let err = 0;
  start.forEach((z, i) => {
    err = Math.max(err, Math.abs(x[i]! - (le.alpha * MU + (Math.sqrt(v1) * (z - l0.alpha * MU)) / Math.sqrt(v0))));
  });
  return err;
}

describe('DPM-Solver-v3 with l = 1, s = 0, b = 0 is DPM-Solver++ (data prediction; Zheng et al. 2023 §3.1)', () => {
  /** One v3 update against dpmSolverPlusPlusUpdate (Taylor/"heun" form) between grid points; max abs difference. */
  function updateGap(gridSteps: number, order: 1 | 2): number {
    const grid = lambdaGrid(schedule, gridSteps);
    const tables = v3Tables(degenerateStatistics(grid));
    // Grid points at fixed fractions of the range, so every grid resolution sees the same λ.
    const idx = [0.3, 0.4, 0.55].map((f) => Math.round(f * gridSteps));
    const levels = idx.map((j) => alphaSigmaOfLambda(grid[j]!));
    const xs = [X.map((v) => v * 0.9), X.map((v) => v * 0.8 + 0.1)];
    const eps = xs.map((x, k) => Float64Array.from(x, (v, e) => Math.sin(v + e + k) * 0.7));
    const x0 = xs.map((x, k) => Float64Array.from(x, (v, e) => (v - levels[k]!.sigma * eps[k]![e]!) / levels[k]!.alpha));
    const points = [1, 0].slice(0, order).map((k) => ({ x: xs[k]!, eps: eps[k]!, index: idx[k]! }));
    const mine = v3LocalUpdate<Float64Array>(tables, points, idx[2]!, false);
    const ref = dpmSolverPlusPlusUpdate({ sample: xs[1]!, x0History: order === 1 ? [x0[1]!] : [x0[0]!, x0[1]!], levels: order === 1 ? [levels[1]!, levels[2]!] : levels, order, solverType: 'heun' });
    return Math.max(...Array.from(mine, (v, i) => Math.abs(v - ref[i]!)));
  }

  it.each([1, 2] as const)('order %i: one update matches DPM-Solver++ up to the trapezoid rule of the grid (error ∝ Δλ²)', (order) => {
    const coarse = updateGap(500, order);
    const fine = updateGap(8000, order);
    expect(fine).toBeLessThan(1e-6);
    expect(coarse).toBeGreaterThan(0);
    // 16× finer grid: ~256× smaller error (second-order trapezoid); at least 100×.
    expect(fine).toBeLessThan(coarse / 100);
  });

  it('the sampler without corrector follows DPM-Solver++ 2M (heun form, lower_order_final) at the same levels', () => {
    for (const [gridSteps, tol] of [
      [250, 2e-4],
      [8000, 2e-7],
    ] as const) {
      const s = createScheduler({ ...SD, use_corrector: false, statistics_steps: gridSteps }, V3);
      s.setTimesteps(10);
      const sig = s.plan.sigmas as Float64Array;
      const lv = Array.from(sig, (v) => noiseLevelFromSigma(v));
      let x = Float64Array.from(X);
      let y = Float64Array.from(X);
      const hist: Float64Array[] = [];
      s.timesteps.forEach((t, k) => {
        x = s.step(gaussEps(x, lv[k]!), t, x).prevSample;
        const e = gaussEps(y, lv[k]!);
        hist.push(Float64Array.from(y, (v, i) => (v - lv[k]!.sigma * e[i]!) / lv[k]!.alpha));
        const order = k === 0 || k === s.timesteps.length - 1 ? 1 : 2;
        y = dpmSolverPlusPlusUpdate({ sample: y, x0History: hist.slice(-order), levels: lv.slice(k + 1 - order, k + 2), order, solverType: 'heun' });
      });
      const gap = Math.max(...Array.from(x, (v, i) => Math.abs(v - y[i]!)));
      expect(gap, `grid ${gridSteps}`).toBeLessThan(tol);
    }
  });
});

describe('DPM-Solver-v3 sampler on a Gaussian target', () => {
  it('converges at second order asymptotically (pseudo-order corrector), and beats DPM-Solver++ 2M at 16 steps', () => {
    const errs = [64, 128, 256].map((n) => gaussianError(createScheduler({ ...SD, statistics_steps: 16000 }, V3), n, n / 2));
    const slopes = [Math.log2(errs[0]! / errs[1]!), Math.log2(errs[1]! / errs[2]!)];
    for (const sl of slopes) expect(sl).toBeGreaterThan(1.5);
    for (const sl of slopes) expect(sl).toBeLessThan(2.5);
    const v3 = gaussianError(createScheduler(SD, V3), 16, 8);
    const dpm = gaussianError(createScheduler(SD, 'DPMSolverMultistepScheduler'), 16, 8);
    expect(v3).toBeLessThan(dpm / 2);
  });

  it('refuses more steps than its statistics grid separates, naming the grid', () => {
    const s = createScheduler({ ...SD, statistics_steps: 12 }, V3);
    expect(() => s.setTimesteps(30)).toThrow(/same point of the 12-step statistics grid/);
    expect(() => s.setTimesteps(5)).not.toThrow();
  });

  it('refuses statistics of another noise schedule, naming the grids', () => {
    const other = degenerateStatistics(Float64Array.from([-5, 0, 5]));
    const s = createScheduler({ ...SD, statistics: other }, V3);
    expect(() => s.setTimesteps(5)).toThrow(/does not match this noise schedule/);
  });
});

describe('EMS of an analytic Gaussian model (data N(μ, s²) per element, exact ε)', () => {
  // Closed forms: σ∂ε/∂x = σ²/(α²s² + σ²) = 1/(1 + s² e^{2λ}) = l; then f = (σε − l x)/α = −μ l does not
  // depend on x (Var f = 0, so s = 0) and b = f' = −μ l'(λ) with l' = −2 s² e^{2λ}/(1 + s² e^{2λ})².
  const lClosed = (lam: number): number => 1 / (1 + S2 * Math.exp(2 * lam));
  const bClosed = (lam: number): number => (MU * 2 * S2 * Math.exp(2 * lam)) / (1 + S2 * Math.exp(2 * lam)) ** 2;
  const size = 6;
  const gridSteps = 200;

  async function fit(pool: 'element' | 'channel' = 'element'): Promise<V3Statistics> {
    const data = Array.from({ length: 8 }, (_, k) => Float32Array.from({ length: size }, (_, e) => MU + Math.sqrt(S2) * Math.sin(3.7 * k + e)));
    // ε at a fractional timestep index u: the level from the schedule's interpolated log α.
    const eps = async (xs: readonly Float32Array[], u: number): Promise<Float32Array[]> => {
      const lo = Math.min(Math.floor(u), 998);
      const la = 0.5 * Math.log(schedule.alphasCumprod[lo]!) + (u - lo) * 0.5 * (Math.log(schedule.alphasCumprod[lo + 1]!) - Math.log(schedule.alphasCumprod[lo]!));
      const alpha = Math.exp(la);
      const lv = { alpha, sigma: Math.sqrt(1 - alpha * alpha) };
      return xs.map((x) => Float32Array.from(gaussEps(x, lv)));
    };
    return computeV3Statistics(eps, { schedule, data, steps: gridSteps, seed: 1, guidance: 1, batch: 3, jvpStep: 1e-2, pool, channels: 2 });
  }

  it.each(['element', 'channel'] as const)('l matches σ∂ε/∂x, s is 0 and b matches −μ l′ (grid derivative smoothed over ±5 points), pooled per %s', async (pool) => {
    const st = await fit(pool);
    expect(st.size).toBe(size);
    expect(st.lambdas.length).toBe(gridSteps + 1);
    let lErr = 0;
    let bErr = 0;
    let bMax = 0;
    st.lambdas.forEach((lam, j) => {
      for (let e = 0; e < size; e++) {
        lErr = Math.max(lErr, Math.abs(st.l[j * size + e]! - lClosed(lam)));
        expect(st.s[j * size + e]).toBe(0);
        // The one-sided ends of the smoothed derivative are excluded.
        if (j >= 6 && j <= gridSteps - 6) bErr = Math.max(bErr, Math.abs(st.b[j * size + e]! - bClosed(lam)));
      }
      bMax = Math.max(bMax, Math.abs(bClosed(lam)));
    });
    expect(lErr).toBeLessThan(1e-4);
    expect(bErr).toBeLessThan(0.04 * bMax);
  });

  it('sampling with these EMS is exact up to the grid: 5 steps land far closer than DPM-Solver++ 2M', async () => {
    const st = await fit();
    const start = X.slice(0, size);
    const v3 = gaussianError(createScheduler({ ...SD, statistics: st, use_corrector: false }, V3), 5, undefined, start);
    const degenerate = gaussianError(createScheduler({ ...SD, statistics_steps: gridSteps, use_corrector: false }, V3), 5, undefined, start);
    expect(v3).toBeLessThan(degenerate / 20);
  });
});
