/**
 * The contract every registered solver passes (as diffusers' common scheduler tests do), looping
 * over the registry: timesteps in range and decreasing for every spacing (and Karras σ where the
 * class has them); model calls = the spec's count; identical outputs for identical inputs; a
 * config saved and loaded gives the same trajectory; x̂0 is the data prediction of the call's
 * model output; and, with the exact ε of a Gaussian target, every deterministic solver converges
 * to the exact sample, with the order it claims measured halfway down the grid (PNDM: see below).
 */
import { describe, expect, it } from 'vitest';
import {
  SOLVERS,
  createScheduler,
  ddimInverseLevels,
  lcmBoundaryScalings,
  noiseLevelFromAlphaBar,
  noiseLevelFromSigma,
  parseJsonWithNonFinite,
  type AnySolverSpec,
  type NoiseLevel,
  type Scheduler,
} from '../../src/solvers/index.js';

const SD = { num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', clip_sample: false, set_alpha_to_one: true };
const specs = SOLVERS as readonly AnySolverSpec[];
/** A spec's config for a run of `steps` steps: the class keys plus what the spec's contract needs (DC-Solver's ratios). */
const withKeys = (cfg: Record<string, unknown>, spec: AnySolverSpec, steps: number): Record<string, unknown> => ({ ...cfg, ...spec.contractKeys?.(steps) });
const X = Float64Array.from({ length: 8 }, (_, i) => Math.cos(1.3 * i + 0.2) * 1.5);

/** Level of the model input of call `k` (σ-placed: σ_k; timestep-placed: ā_t). */
function inputLevel(s: Scheduler, k: number, t: number): NoiseLevel {
  if (s.className === 'DDIMInverseScheduler') return noiseLevelFromAlphaBar(ddimInverseLevels(s.schedule, t, s.plan.steps).alphaBarFrom);
  const sigmas = s.plan.sigmas;
  if (sigmas !== null) return noiseLevelFromSigma(sigmas[k]!);
  return noiseLevelFromAlphaBar(s.schedule.alphasCumprod[t]!);
}

/** Runs the sampler with model `eps(xIn, level)` and returns the trajectory and the x̂0 of every call. */
function run(s: Scheduler, steps: number, eps: (x: Float64Array, level: NoiseLevel) => Float64Array, seed = 0) {
  s.setTimesteps(steps);
  let x = X.map((v) => v * s.initNoiseSigma);
  const traj: number[][] = [];
  const x0s: { x0: Float64Array; expected: Float64Array }[] = [];
  s.timesteps.forEach((t, k) => {
    const input = s.scaleModelInput(x, t);
    const level = inputLevel(s, k, t);
    const e = eps(input, level);
    const out = s.step(e, t, x, s.isStochastic() ? { varianceNoise: Float64Array.from(X, (v, i) => Math.sin(v * (k + 1) + seed + i)) } : {});
    const x0 = input.map((v, i) => (v - level.sigma * e[i]!) / level.alpha);
    // LCM returns its consistency output c_skip x + c_out x̂0 instead.
    const lcm = s.className === 'LCMScheduler' ? lcmBoundaryScalings(t, 10) : null;
    x0s.push({ x0: out.x0, expected: lcm === null ? x0 : x0.map((v, i) => lcm.cSkip * input[i]! + lcm.cOut * v) });
    x = out.prevSample;
    traj.push(Array.from(x));
  });
  return { traj, x0s, final: x };
}

const dummy = (x: Float64Array, level: NoiseLevel) => x.map((v) => 0.3 * v * level.sigma + 0.05 * Math.sin(3 * v));

/** Configs a spec is checked with: every spacing it accepts, and Karras σ where it has them. */
function variants(spec: AnySolverSpec): Record<string, unknown>[] {
  const spacings = spec.supports.spacings ?? ['linspace'];
  const out: Record<string, unknown>[] = spacings.map((sp) => ({ ...SD, timestep_spacing: sp, steps_offset: 1 }));
  if (spec.supports.karras) out.push({ ...SD, use_karras_sigmas: true });
  return out;
}

describe.each(specs.map((s) => [s.id, s] as const))('solver contract: %s', (_id, spec) => {
  it('places timesteps in range, decreasing (ascending for inversion), for every spacing', () => {
    for (const cfg of variants(spec)) {
      for (const steps of [4, 10, 25]) {
        const s = createScheduler(withKeys(cfg, spec, steps), spec.className);
        s.setTimesteps(steps);
        const ts = s.timesteps;
        expect(ts.every((t) => t >= 0 && t <= 999), `${JSON.stringify(cfg)} ${steps}`).toBe(true);
        // PNDM and Heun visit a timestep twice in a row; the distinct values are monotone.
        const distinct = ts.filter((t, i) => i === 0 || t !== ts[i - 1]);
        const ok = distinct.every((t, i) => i === 0 || (spec.className === 'DDIMInverseScheduler' ? t > distinct[i - 1]! : t < distinct[i - 1]!));
        expect(ok, `${spec.id} ${JSON.stringify(cfg)} ${steps}: ${ts.join(',')}`).toBe(true);
        expect(ts.length).toBe(spec.modelCalls(s.config as never, steps));
        if (s.plan.sigmas !== null) expect(s.plan.sigmas.length).toBe(ts.length + 1);
      }
    }
  });

  it('gives identical outputs for identical inputs, and after a config save/load', () => {
    const a = run(createScheduler(withKeys(SD, spec, 12), spec.className), 12, dummy);
    const b = run(createScheduler(withKeys(SD, spec, 12), spec.className), 12, dummy);
    expect(b.traj).toEqual(a.traj);
    const saved = JSON.stringify({ ...withKeys(SD, spec, 12), _class_name: spec.className });
    const c = run(createScheduler(parseJsonWithNonFinite(saved)), 12, dummy);
    expect(c.traj).toEqual(a.traj);
    expect(a.final.every(Number.isFinite)).toBe(true);
  });

  it("returns x̂0 = the data prediction of the call's model output", () => {
    const r = run(createScheduler(withKeys(SD, spec, 12), spec.className), 12, dummy);
    for (const { x0, expected } of r.x0s) {
      for (let i = 0; i < x0.length; i++) expect(x0[i]!).toBeCloseTo(expected[i]!, 9);
    }
  });
});

/**
 * Data x0 ~ N(μ, s²) per element: the exact ε is σ (x − α μ)/(α² s² + σ²), and the probability-flow
 * ODE keeps u = (x − α μ)/√(α² s² + σ²) constant, so the exact sample at the plan's last level
 * follows from x_T. Returns max |x_end − exact| (in the VP frame).
 */
function gaussianError(s: Scheduler, steps: number, stopAt?: number): number {
  const MU = 0.3;
  const S2 = 0.25;
  s.setTimesteps(steps);
  const sig = s.plan.sigmas;
  const level = (k: number, t: number): NoiseLevel => (sig !== null ? noiseLevelFromSigma(sig[k]!) : noiseLevelFromAlphaBar(s.schedule.alphasCumprod[t]!));
  const l0 = level(0, s.timesteps[0]!);
  // Stopping after `stopAt` steps, the sample lies at the level of the next call's input (σ_k or ā of timestep k).
  const lEnd =
    stopAt !== undefined ? level(stopAt, s.timesteps[stopAt]!) : sig !== null ? noiseLevelFromSigma(sig[sig.length - 1]!) : noiseLevelFromAlphaBar(s.schedule.finalAlphaCumprod);
  const ve = s.plan.sigmas !== null && s.initNoiseSigma !== 1;
  let x = X.map((v) => v * s.initNoiseSigma);
  s.timesteps.slice(0, stopAt).forEach((t, k) => {
    const input = s.scaleModelInput(x, t);
    const lv = level(k, t);
    const v = lv.alpha ** 2 * S2 + lv.sigma ** 2;
    x = s.step(input.map((xi) => (lv.sigma * (xi - lv.alpha * MU)) / v), t, x).prevSample;
  });
  const v0 = l0.alpha ** 2 * S2 + l0.sigma ** 2;
  const v1 = lEnd.alpha ** 2 * S2 + lEnd.sigma ** 2;
  let err = 0;
  X.forEach((z, i) => {
    const start = ve ? z * s.initNoiseSigma * l0.alpha : z;
    const exact = lEnd.alpha * MU + (Math.sqrt(v1) * (start - l0.alpha * MU)) / Math.sqrt(v0);
    err = Math.max(err, Math.abs((ve ? x[i]! * lEnd.alpha : x[i]!) - exact));
  });
  return err;
}

describe('convergence on a Gaussian target with the exact ε', () => {
  const samplers = specs.filter((s) => s.className !== 'DDIMInverseScheduler' && !s.stochastic(createScheduler(SD, s.className).config as never, {}));
  it.each(samplers.map((s) => [s.id, s] as const))('%s converges to the exact sample as steps grow', (_id, spec) => {
    const errors = [16, 32, 64].map((n) => gaussianError(createScheduler(withKeys(SD, spec, n), spec.className), n));
    // The last step to σ ≈ 0 is first order in every diffusers class, so the global error falls at least ~1/N.
    expect(errors[1]!).toBeLessThan(errors[0]!);
    expect(errors[2]!).toBeLessThan(errors[0]! / 2.5);
    expect(errors[2]!).toBeLessThan(0.05);
  });

  /** Least-squares slope of −log2(error) against log2(steps). */
  const slope = (ns: readonly number[], errs: readonly number[]): number => {
    const xs = ns.map(Math.log2);
    const ys = errs.map((e) => -Math.log2(e));
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    return xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  };
  // PNDM claims PLMS's order 4; diffusers' PLMS (matched to its fixtures at 1e-7) measures ≈1.5–1.9
  // here (warm-up and the pseudo-numerical transfer in discrete t), so for it only convergence is asserted.
  // DPM-Solver-v3's pseudo-order corrector (divided differences, Zheng et al. 2023 §3.3) is second
  // order only asymptotically: at 16–64 steps it measures ≈1.0 (far below DPM-Solver++'s error at
  // 16 steps); test/solvers/dpm-solver-v3.test.ts asserts its slope at 64–256 steps.
  const claimed = samplers.filter((s) => s.id !== 'pndm' && s.id !== 'dpm-solver-v3');
  it.each(claimed.map((s) => [s.id, s] as const))('%s converges with the order it claims (error halfway down the grid)', (_id, spec) => {
    // The error at the middle of the grid (σ well above 0), where the first-order final step to
    // σ ≈ 0 (and lower_order_final) does not mask the solver's order; the grid's spacing is the class default.
    const ns = [16, 32, 64];
    const errors = ns.map((n) => gaussianError(createScheduler(withKeys(SD, spec, n), spec.className), n, n / 2));
    const order = createScheduler(SD, spec.className).order;
    expect(Math.abs(slope(ns, errors) - order), `measured slope ${slope(ns, errors).toFixed(2)}, claimed ${order}`).toBeLessThanOrEqual(0.5);
  });
  it('pndm (skip_prk_steps, as Stable Diffusion 1.5) converges halfway down the grid faster than first order (measured ≈1.4; its claim 4 is not reached)', () => {
    const ns = [16, 32, 64];
    const errors = ns.map((n) => gaussianError(createScheduler({ ...SD, skip_prk_steps: true }, 'PNDMScheduler'), n, n / 2));
    expect(slope(ns, errors)).toBeGreaterThan(1.2);
  });
});
