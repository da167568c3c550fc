/**
 * DDIM map/step, DDIM inverse and DDPM posterior steps: exactness properties, and whole
 * trajectories of configurations the fixtures do not cover (v-prediction + zero-SNR + trailing,
 * η = 1 with given noise at other step counts, DDPMScheduler with given noise) against
 * straightforward float64 re-implementations of the diffusers formulas written here.
 */
import { describe, expect, it } from 'vitest';
import {
  createNoiseSchedule,
  createScheduler,
  ddimInverseStep,
  ddimMap,
  ddimStep,
  ddpmPosterior,
  dummyModel,
  efDdpmPosterior,
  noiseLevelFromAlphaBar,
  posteriorStep,
  resolveSchedulerConfig,
  setTimesteps,
  solvePosteriorNoise,
  toDenoised,
  type PredictionType,
} from '../../src/solvers/index.js';
import { maxRelError, Random } from './helpers.js';

const SD = { num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', steps_offset: 1, set_alpha_to_one: false, clip_sample: false };
const rng = new Random(99);
const normals = (n: number) => Float64Array.from({ length: n }, () => rng.normal());
const X_INIT = normals(256);
const NOISES = Array.from({ length: 60 }, () => normals(256));

/** Dummy model returning the prediction type's output for a fixed synthetic clean image. */
function modelFor(type: PredictionType) {
  return (x: Float64Array, t: number, alphaBar: number): Float64Array => {
    const eps = dummyModel(x, t);
    if (type === 'epsilon') return eps;
    const a = Math.sqrt(alphaBar);
    const s = Math.sqrt(1 - alphaBar);
    // x0 consistent with (x, eps) where defined; at ā = 0 use a bounded stand-in.
    const x0 = a > 0 ? x.map((v, i) => (v - s * eps[i]!) / a) : x.map((v) => Math.tanh(v));
    return type === 'sample' ? x0 : x0.map((v, i) => a * eps[i]! - s * v);
  };
}

/** diffusers DDIMScheduler.step in plain float64 (eq. 12/16 of the DDIM paper). */
function referenceDdim(raw: Record<string, unknown>, steps: number, eta: number, noise: 'given' | 'none') {
  const cfg = resolveSchedulerConfig(raw, 'DDIMScheduler');
  const ac = createNoiseSchedule(cfg).alphasCumprod;
  const final = cfg.className === 'DDIMScheduler' && cfg.setAlphaToOne ? 1 : ac[0]!;
  const timesteps = setTimesteps(cfg, steps).timesteps;
  const model = modelFor(cfg.predictionType);
  let x = X_INIT.slice();
  const sums: number[] = [];
  timesteps.forEach((t, i) => {
    const prev = t - Math.floor(1000 / steps);
    const a = ac[t]!;
    const ap = prev >= 0 ? ac[prev]! : final;
    const out = model(x, t, a);
    let x0: Float64Array;
    let eps: Float64Array;
    if (cfg.predictionType === 'epsilon') {
      eps = out;
      x0 = x.map((v, j) => (v - Math.sqrt(1 - a) * out[j]!) / Math.sqrt(a));
    } else if (cfg.predictionType === 'v_prediction') {
      x0 = x.map((v, j) => Math.sqrt(a) * v - Math.sqrt(1 - a) * out[j]!);
      eps = x.map((v, j) => Math.sqrt(a) * out[j]! + Math.sqrt(1 - a) * v);
    } else {
      x0 = out;
      eps = x.map((v, j) => (v - Math.sqrt(a) * out[j]!) / Math.sqrt(1 - a));
    }
    const variance = ((1 - ap) / (1 - a)) * (1 - a / ap);
    const std = eta * Math.sqrt(variance);
    x = x0.map((v, j) => Math.sqrt(ap) * v + Math.sqrt(Math.max(0, 1 - ap - std * std)) * eps[j]! + (noise === 'given' && eta > 0 ? std * NOISES[i]![j]! : 0));
    sums.push(x.reduce((p, c) => p + c, 0));
  });
  return { x, sums, timesteps };
}

function runWrapper(raw: Record<string, unknown>, cls: string, steps: number, eta: number, noise: 'given' | 'none') {
  const scheduler = createScheduler(raw, cls);
  scheduler.setTimesteps(steps);
  const model = modelFor(scheduler.config.predictionType);
  let x = X_INIT.map((v) => v * scheduler.initNoiseSigma);
  const sums: number[] = [];
  scheduler.timesteps.forEach((t, i) => {
    const out = model(scheduler.scaleModelInput(x, t), t, scheduler.schedule.alphasCumprod[t]!);
    x = scheduler.step(out, t, x, { eta, ...(noise === 'given' ? { varianceNoise: NOISES[i]! } : {}) }).prevSample;
    sums.push(x.reduce((p, c) => p + c, 0));
  });
  return { x, sums };
}

describe('DDIM map', () => {
  it('D(s→r) then D(r→s) with the same ε is the identity (float64 and float32)', () => {
    const schedule = createNoiseSchedule(resolveSchedulerConfig(SD, 'DDIMScheduler'));
    const eps = normals(256);
    for (const [s, r] of [[981, 961], [1, 981], [500, 20], [999, 0]] as const) {
      const as = schedule.alphasCumprod[s]!;
      const ar = schedule.alphasCumprod[r]!;
      const z = normals(256);
      expect(maxRelError(ddimMap(ddimMap(z, eps, as, ar), eps, ar, as), z, 1)).toBeLessThan(1e-12);
      const z32 = Float32Array.from(z);
      const back = ddimMap(ddimMap(z32, eps, as, ar), eps, ar, as);
      expect(back).toBeInstanceOf(Float32Array);
      expect(maxRelError(back, z32, 1)).toBeLessThan(3e-5);
    }
  });

  it('a deterministic DDIM step equals D(x, ε; t→t′), and DDIM-inverse undoes it', () => {
    const a = 0.2;
    const ap = 0.6;
    const x = normals(64);
    const out = normals(64);
    const d = toDenoised('epsilon', out, x, noiseLevelFromAlphaBar(a));
    const step = ddimStep({ denoised: d, alphaBar: a, alphaBarPrev: ap, eta: 0, noise: { kind: 'none' } }).prevSample;
    expect(maxRelError(step, ddimMap(x, out, a, ap), 1)).toBeLessThan(1e-13);
    const back = ddimInverseStep(toDenoised('epsilon', out, step, noiseLevelFromAlphaBar(ap)), a).prevSample;
    expect(maxRelError(back, x, 1)).toBeLessThan(1e-13);
  });

  it('η > 0 without noise is an error', () => {
    const d = { eps: normals(4), x0: normals(4) };
    expect(() => ddimStep({ denoised: d, alphaBar: 0.2, alphaBarPrev: 0.6, eta: 1, noise: { kind: 'none' } })).toThrow(/noise/);
  });
});

describe('DDIM trajectories against a float64 re-implementation', () => {
  const zeroSnr = { ...SD, prediction_type: 'v_prediction', rescale_betas_zero_snr: true, timestep_spacing: 'trailing' };
  const cases: [string, Record<string, unknown>, number, number, 'given' | 'none'][] = [
    ['v-pred + zero-SNR + trailing, η=0, 50 steps', zeroSnr, 50, 0, 'none'],
    ['v-pred + zero-SNR + trailing, η=0, 10 steps', zeroSnr, 10, 0, 'none'],
    ['v-pred + zero-SNR + trailing, η=1 given noise, 25 steps', { ...zeroSnr, set_alpha_to_one: true }, 25, 1, 'given'],
    ['ε, η=1 given noise, 10 steps', SD, 10, 1, 'given'],
    ['ε, η=1 given noise, 25 steps', SD, 25, 1, 'given'],
    ['ε, η=1 given noise, 60 steps', SD, 60, 1, 'given'],
    ['ε, η=0.5 given noise, trailing 30 steps', { ...SD, timestep_spacing: 'trailing' }, 30, 0.5, 'given'],
    ['sample prediction, linspace, 20 steps', { ...SD, prediction_type: 'sample', timestep_spacing: 'linspace' }, 20, 0, 'none'],
  ];
  for (const [name, raw, steps, eta, noise] of cases) {
    it(name, () => {
      const ref = referenceDdim(raw, steps, eta, noise);
      const ours = runWrapper(raw, 'DDIMScheduler', steps, eta, noise);
      expect(ours.x.every(Number.isFinite)).toBe(true);
      expect(maxRelError(ours.sums, ref.sums, 1e-3)).toBeLessThan(1e-10);
      expect(maxRelError(ours.x, ref.x, 1e-3)).toBeLessThan(1e-10);
    });
  }

  it('zero-SNR trailing starts at t = 999 where ā = 0', () => {
    const s = createScheduler(zeroSnr, 'DDIMScheduler');
    s.setTimesteps(10);
    expect(s.timesteps[0]).toBe(999);
    expect(s.schedule.alphasCumprod[999]).toBe(0);
  });
});

describe('DDPM posterior', () => {
  const schedule = createNoiseSchedule(resolveSchedulerConfig(SD, 'DDPMScheduler'));

  it('the η-form with η = 1 equals the posterior q(x_{t′}|x_t, x0) mean and std', () => {
    for (const [t, tp] of [[981, 961], [500, 480], [21, 1]] as const) {
      const a = schedule.alphasCumprod[t]!;
      const ap = schedule.alphasCumprod[tp]!;
      const x = normals(64);
      const d = toDenoised('epsilon', normals(64), x, noiseLevelFromAlphaBar(a));
      const ef = efDdpmPosterior({ denoised: d, alphaBar: a, alphaBarPrev: ap, eta: 1 });
      const ddpm = ddpmPosterior({ x0: d.x0, sample: x, alphaBar: a, alphaBarPrev: ap, varianceType: 'fixed_small', isFinalStep: false });
      expect(maxRelError(ef.mean, ddpm.mean, 1)).toBeLessThan(1e-12);
      expect(Math.abs(ef.noiseScale - ddpm.noiseScale) / ddpm.noiseScale).toBeLessThan(1e-12);
      const z = normals(64);
      const viaDdim = ddimStep({ denoised: d, alphaBar: a, alphaBarPrev: ap, eta: 1, noise: { kind: 'given', noise: z } }).prevSample;
      expect(maxRelError(posteriorStep(ef, z), viaDdim, 1)).toBeLessThan(1e-12);
    }
  });

  for (const eta of [1, 0.6]) {
    it(`the step with the noise solved for reproduces the target (η=${eta}, float64 and float32)`, () => {
      const a = schedule.alphasCumprod[741]!;
      const ap = schedule.alphasCumprod[721]!;
      for (const make of [(v: Float64Array) => v, (v: Float64Array) => Float32Array.from(v)]) {
        const x = make(normals(256));
        const d = toDenoised('epsilon', make(normals(256)), x, noiseLevelFromAlphaBar(a));
        const posterior = efDdpmPosterior({ denoised: d, alphaBar: a, alphaBarPrev: ap, eta });
        const target = make(normals(256));
        const solved = solvePosteriorNoise(target, posterior);
        const replay = posteriorStep(posterior, solved.noise);
        expect(Array.from(replay)).toEqual(Array.from(solved.prevSample));
        expect(maxRelError(replay, target, 1)).toBeLessThan(target instanceof Float32Array ? 1e-6 : 1e-14);
      }
    });
  }

  it('edit-friendly inversion: regenerating from x_T with the solved noises returns x0 bit for bit', () => {
    const cfg = resolveSchedulerConfig(SD, 'DDIMScheduler');
    const ac = createNoiseSchedule(cfg).alphasCumprod;
    const timesteps = setTimesteps(cfg, 25).timesteps;
    const abarOf = (t: number) => (t >= 0 ? ac[t]! : ac[0]!);
    const x0 = normals(256).map((v) => 0.5 * v);
    // Independent noisy latents x_t = √ā x0 + √(1−ā) ε_t for every timestep, then the last one.
    const xs = timesteps.map((t) => x0.map((v) => Math.sqrt(ac[t]!) * v + Math.sqrt(1 - ac[t]!) * rng.normal()));
    xs.push(x0);
    const zs: Float64Array[] = [];
    for (let i = 0; i < timesteps.length; i++) {
      const t = timesteps[i]!;
      const d = toDenoised('epsilon', dummyModel(xs[i]!, t), xs[i]!, noiseLevelFromAlphaBar(ac[t]!));
      const posterior = efDdpmPosterior({ denoised: d, alphaBar: ac[t]!, alphaBarPrev: abarOf(t - 40), eta: 1 });
      const solved = solvePosteriorNoise(xs[i + 1]!, posterior);
      zs.push(solved.noise);
      xs[i + 1] = solved.prevSample;
    }
    expect(maxRelError(xs[timesteps.length]!, x0, 1)).toBeLessThan(1e-14);
    let x = xs[0]!;
    timesteps.forEach((t, i) => {
      const d = toDenoised('epsilon', dummyModel(x, t), x, noiseLevelFromAlphaBar(ac[t]!));
      x = posteriorStep(efDdpmPosterior({ denoised: d, alphaBar: ac[t]!, alphaBarPrev: abarOf(t - 40), eta: 1 }), zs[i]!);
      expect(Array.from(x)).toEqual(Array.from(xs[i + 1]!));
    });
  });

  it('DDPMScheduler trajectories with given noise match the posterior formulas (Ho et al. eq. 7)', () => {
    for (const [steps, spacing, variance] of [[10, 'leading', 'fixed_small'], [50, 'trailing', 'fixed_large'], [60, 'linspace', 'fixed_small_log']] as const) {
      const raw = { ...SD, timestep_spacing: spacing, variance_type: variance };
      const cfg = resolveSchedulerConfig(raw, 'DDPMScheduler');
      const ac = createNoiseSchedule(cfg).alphasCumprod;
      const ts = setTimesteps(cfg, steps).timesteps;
      let ref = X_INIT.slice();
      ts.forEach((t, i) => {
        const prev = i === ts.length - 1 ? -1 : ts[i + 1]!;
        const a = ac[t]!;
        const ap = prev >= 0 ? ac[prev]! : 1;
        const beta = 1 - a / ap;
        const eps = dummyModel(ref, t);
        const x0 = ref.map((v, j) => (v - Math.sqrt(1 - a) * eps[j]!) / Math.sqrt(a));
        const std = variance === 'fixed_large' ? Math.sqrt(beta) : Math.sqrt(Math.max(((1 - ap) / (1 - a)) * beta, 1e-20));
        ref = ref.map((v, j) => ((Math.sqrt(ap) * beta) / (1 - a)) * x0[j]! + ((Math.sqrt(a / ap) * (1 - ap)) / (1 - a)) * v + (t > 0 ? std * NOISES[i]![j]! : 0));
      });
      const scheduler = createScheduler(raw, 'DDPMScheduler');
      scheduler.setTimesteps(steps);
      let x = X_INIT.slice();
      scheduler.timesteps.forEach((t, i) => {
        x = scheduler.step(dummyModel(x, t), t, x, { varianceNoise: NOISES[i]! }).prevSample;
      });
      expect(maxRelError(x, ref, 1e-3)).toBeLessThan(1e-10);
    }
  });
});
