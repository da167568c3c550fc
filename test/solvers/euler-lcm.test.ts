/**
 * Euler discrete and LCM steps against float64 re-implementations of the diffusers formulas
 * (Karras et al. 2022 Algorithm 2 without churn; Luo et al. 2023 Algorithm 3), and properties of
 * the stateful wrapper.
 */
import { describe, expect, it } from 'vitest';
import { RepriseError } from '../../src/errors.js';
import { createNoiseSchedule, createScheduler, dummyModel, lcmBoundaryScalings, resolveSchedulerConfig, setTimesteps } from '../../src/solvers/index.js';
import { maxRelError, Random } from './helpers.js';

const SD = { num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', steps_offset: 1 };
const rng = new Random(11);
const X_INIT = Float64Array.from({ length: 256 }, () => rng.normal());
const NOISES = Array.from({ length: 8 }, () => Float64Array.from({ length: 256 }, () => rng.normal()));

function referenceEuler(raw: Record<string, unknown>, steps: number): Float64Array {
  const cfg = resolveSchedulerConfig(raw, 'EulerDiscreteScheduler');
  const plan = setTimesteps(cfg, steps);
  const sig = plan.sigmas!;
  const smax = Math.max(...sig);
  let x = X_INIT.map((v) => v * (cfg.timestepSpacing === 'leading' ? Math.sqrt(smax * smax + 1) : smax));
  plan.timesteps.forEach((t, i) => {
    const s = sig[i]!;
    const input = x.map((v) => v / Math.sqrt(s * s + 1));
    const eps = dummyModel(input, t);
    // Model output of the configured type for the same underlying ε-model.
    const a = 1 / Math.sqrt(s * s + 1);
    const x0eps = x.map((v, j) => v - s * eps[j]!);
    const out = cfg.predictionType === 'epsilon' ? eps : cfg.predictionType === 'sample' ? x0eps : eps.map((e, j) => a * e - s * a * x0eps[j]!);
    const x0 =
      cfg.predictionType === 'epsilon'
        ? x.map((v, j) => v - s * out[j]!)
        : cfg.predictionType === 'sample'
          ? out
          : out.map((o, j) => o * (-s / Math.sqrt(s * s + 1)) + x[j]! / (s * s + 1));
    x = x.map((v, j) => v + ((v - x0[j]!) / s) * (sig[i + 1]! - s));
  });
  return x;
}

function runEuler(raw: Record<string, unknown>, steps: number): Float64Array {
  const s = createScheduler(raw, 'EulerDiscreteScheduler');
  s.setTimesteps(steps);
  let x = X_INIT.map((v) => v * s.initNoiseSigma);
  s.timesteps.forEach((t, i) => {
    const input = s.scaleModelInput(x, t);
    const eps = dummyModel(input, t);
    const sigma = s.plan.sigmas![i]!;
    const a = 1 / Math.sqrt(sigma * sigma + 1);
    const x0 = x.map((v, j) => v - sigma * eps[j]!);
    const type = s.config.predictionType;
    const out = type === 'epsilon' ? eps : type === 'sample' ? x0 : eps.map((e, j) => a * e - sigma * a * x0[j]!);
    x = s.step(out, t, x).prevSample;
  });
  return x;
}

describe('Euler discrete', () => {
  const cases: [string, Record<string, unknown>, number][] = [
    ['ε, linspace, 25 steps', { ...SD, timestep_spacing: 'linspace' }, 25],
    ['ε, leading, 30 steps (init σ = √(σ²+1))', { ...SD, timestep_spacing: 'leading' }, 30],
    ['v-prediction + zero-SNR + trailing, 20 steps', { ...SD, prediction_type: 'v_prediction', rescale_betas_zero_snr: true, timestep_spacing: 'trailing' }, 20],
    ['sample prediction, final σ_min, 10 steps', { ...SD, prediction_type: 'sample', final_sigmas_type: 'sigma_min' }, 10],
  ];
  for (const [name, raw, steps] of cases) {
    it(name, () => {
      const ours = runEuler(raw, steps);
      expect(ours.every(Number.isFinite)).toBe(true);
      expect(maxRelError(ours, referenceEuler(raw, steps), 1e-3)).toBeLessThan(1e-9);
    });
  }

  it('zero-SNR Euler starts from σ_max = √((1−2⁻²⁴)/2⁻²⁴) ≈ 4096', () => {
    const s = createScheduler({ ...SD, rescale_betas_zero_snr: true, timestep_spacing: 'trailing' }, 'EulerDiscreteScheduler');
    s.setTimesteps(10);
    expect(s.initNoiseSigma).toBeCloseTo(4096, 0);
  });

  it('scaleModelInput divides by √(σ²+1) and leaves other schedulers alone', () => {
    const s = createScheduler(SD, 'EulerDiscreteScheduler');
    s.setTimesteps(10);
    const t = s.timesteps[3]!;
    const sigma = s.plan.sigmas![3]!;
    const scaled = s.scaleModelInput(X_INIT, t);
    expect(scaled[5]).toBeCloseTo(X_INIT[5]! / Math.sqrt(sigma * sigma + 1), 14);
    const d = createScheduler(SD, 'DDIMScheduler');
    d.setTimesteps(10);
    expect(d.scaleModelInput(X_INIT, 901)).toBe(X_INIT);
  });
});

describe('LCM', () => {
  it('boundary scalings: c_skip(0) = 1, c_out(0) = 0, c_skip + c_out² ≈ 1 for large t', () => {
    expect(lcmBoundaryScalings(0, 10)).toEqual({ cSkip: 1, cOut: 0 });
    const s = lcmBoundaryScalings(999, 10);
    expect(s.cSkip).toBeCloseTo(0.25 / (9990 ** 2 + 0.25), 15);
    expect(s.cOut).toBeCloseTo(9990 / Math.sqrt(9990 ** 2 + 0.25), 15);
  });

  it('multistep with given noise matches the LCM algorithm; the last step returns the denoised sample', () => {
    const raw = { ...SD, set_alpha_to_one: false };
    const cfg = resolveSchedulerConfig(raw, 'LCMScheduler');
    const ac = createNoiseSchedule(cfg).alphasCumprod;
    const ts = setTimesteps(cfg, 4).timesteps;
    let ref = X_INIT.slice();
    let refDenoised = ref;
    ts.forEach((t, i) => {
      const a = ac[t]!;
      const eps = dummyModel(ref, t);
      const x0 = ref.map((v, j) => (v - Math.sqrt(1 - a) * eps[j]!) / Math.sqrt(a));
      const st = t * 10;
      const cSkip = 0.25 / (st * st + 0.25);
      const cOut = st / Math.sqrt(st * st + 0.25);
      refDenoised = x0.map((v, j) => cOut * v + cSkip * ref[j]!);
      const ap = ac[ts[i + 1] ?? t]!;
      ref = i === ts.length - 1 ? refDenoised : refDenoised.map((v, j) => Math.sqrt(ap) * v + Math.sqrt(1 - ap) * NOISES[i]![j]!);
    });
    const s = createScheduler(raw, 'LCMScheduler');
    s.setTimesteps(4);
    let x = X_INIT.slice();
    let last = x;
    s.timesteps.forEach((t, i) => {
      const out = s.step(dummyModel(x, t), t, x, { varianceNoise: NOISES[i]! });
      x = out.prevSample;
      last = out.x0;
    });
    expect(maxRelError(x, ref, 1e-3)).toBeLessThan(1e-12);
    expect(Array.from(x)).toEqual(Array.from(last));
  });

  it('noise from a seeded generator is reproducible, and a missing noise source is an error', () => {
    const run = (seed: number) => {
      const s = createScheduler(SD, 'LCMScheduler');
      s.setTimesteps(4);
      const g = new Random(seed);
      let x = X_INIT.slice();
      for (const t of s.timesteps) x = s.step(dummyModel(x, t), t, x, { generator: g }).prevSample;
      return Array.from(x);
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
    const s = createScheduler(SD, 'LCMScheduler');
    s.setTimesteps(4);
    expect(() => s.step(X_INIT, 999, X_INIT)).toThrow(/noise/);
  });
});

describe('scheduler wrapper', () => {
  it('needs setTimesteps before use', () => {
    const s = createScheduler(SD, 'DDIMScheduler');
    expect(() => s.timesteps).toThrow(/setTimesteps/);
  });

  it('refuses varianceNoise together with a generator', () => {
    const s = createScheduler(SD, 'DDIMScheduler');
    s.setTimesteps(10);
    expect(() => s.step(X_INIT, 901, X_INIT, { eta: 1, varianceNoise: NOISES[0]!, generator: new Random(1) })).toThrow(RepriseError);
  });

  it('keeps float32 samples float32', () => {
    const s = createScheduler(SD, 'DPMSolverMultistepScheduler');
    s.setTimesteps(10);
    const x = Float32Array.from(X_INIT);
    const out = s.step(Float32Array.from(dummyModel(X_INIT, 999)), s.timesteps[0]!, x);
    expect(out.prevSample).toBeInstanceOf(Float32Array);
  });

  it('DDIM with clip_sample clamps x̂0 to clip_sample_range', () => {
    const s = createScheduler({ ...SD, clip_sample: true, clip_sample_range: 0.5 }, 'DDIMScheduler');
    s.setTimesteps(10);
    const x = X_INIT.map((v) => v * 3);
    const out = s.step(dummyModel(x, 901), 901, x);
    expect(Math.max(...out.x0.map(Math.abs))).toBeLessThanOrEqual(0.5);
  });
});
