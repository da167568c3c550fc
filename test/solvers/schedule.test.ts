import { describe, expect, it } from 'vitest';
import { RepriseError } from '../../src/errors.js';
import {
  alphasCumprodFromBetas,
  betasForAlphaBar,
  createNoiseSchedule,
  parseJsonWithNonFinite,
  rescaleZeroTerminalSnr,
  resolveSchedulerConfig,
  schedulerConfigSchema,
  torchLinspaceF32,
} from '../../src/solvers/index.js';

const SD = { num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', steps_offset: 1, set_alpha_to_one: false, clip_sample: false };

function expectSchedulerError(fn: () => unknown, ...fragments: string[]): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(RepriseError);
  expect((error as RepriseError).code).toBe('SCHEDULER_INVALID');
  for (const f of fragments) expect((error as RepriseError).message).toContain(f);
}

describe('noise schedules', () => {
  it('torch float32 linspace hits both endpoints exactly', () => {
    const l = torchLinspaceF32(0.0001, 0.02, 1000);
    expect(l[0]).toBe(Math.fround(0.0001));
    expect(l[999]).toBe(Math.fround(0.02));
    for (let i = 1; i < l.length; i++) expect(l[i]!).toBeGreaterThan(l[i - 1]!);
  });

  it('scaled_linear ā is decreasing, in (0,1), and every value is a float32', () => {
    const s = createNoiseSchedule(resolveSchedulerConfig(SD, 'DDIMScheduler'));
    for (let i = 0; i < 1000; i++) {
      const a = s.alphasCumprod[i]!;
      expect(Math.fround(a)).toBe(a);
      expect(a).toBeGreaterThan(0);
      expect(a).toBeLessThan(1);
      if (i > 0) expect(a).toBeLessThan(s.alphasCumprod[i - 1]!);
    }
    expect(s.alphasCumprod[0]).toBeCloseTo(1 - 0.00085, 6);
  });

  it('squaredcos_cap_v2 follows the cosine ᾱ(t) closed form and caps β at 0.999', () => {
    const betas = betasForAlphaBar(1000);
    expect(Math.max(...betas)).toBeLessThanOrEqual(Math.fround(0.999));
    const abar = alphasCumprodFromBetas(betas);
    const f = (t: number) => Math.cos(((t + 0.008) / 1.008) * Math.PI / 2) ** 2;
    for (const t of [0, 100, 500, 900]) expect(Math.abs(abar[t]! - f((t + 1) / 1000) / f(0)) / abar[t]!).toBeLessThan(1e-4);
  });

  it('trained_betas are used as given (rounded to float32)', () => {
    const trained = Array.from({ length: 10 }, (_, i) => 0.01 + 0.001 * i);
    const s = createNoiseSchedule(resolveSchedulerConfig({ num_train_timesteps: 10, trained_betas: trained }, 'DDIMScheduler'));
    expect(Array.from(s.betas)).toEqual(trained.map(Math.fround));
  });

  it('final ā: 1 with set_alpha_to_one, else ā_0', () => {
    const one = createNoiseSchedule(resolveSchedulerConfig({ ...SD, set_alpha_to_one: true }, 'DDIMScheduler'));
    const zero = createNoiseSchedule(resolveSchedulerConfig(SD, 'DDIMScheduler'));
    expect(one.finalAlphaCumprod).toBe(1);
    expect(zero.finalAlphaCumprod).toBe(zero.alphasCumprod[0]);
  });
});

describe('zero terminal SNR', () => {
  for (const schedule of ['linear', 'scaled_linear', 'squaredcos_cap_v2']) {
    it(`${schedule}: ā at the last timestep is 0 and √ā_0 is unchanged`, () => {
      const cfg = resolveSchedulerConfig({ ...SD, beta_schedule: schedule }, 'DDIMScheduler');
      const plain = createNoiseSchedule(cfg);
      const rescaled = createNoiseSchedule(resolveSchedulerConfig({ ...SD, beta_schedule: schedule, rescale_betas_zero_snr: true }, 'DDIMScheduler'));
      expect(rescaled.alphasCumprod[999]).toBe(0);
      expect(rescaled.betas[999]).toBe(1);
      const r0 = Math.sqrt(rescaled.alphasCumprod[0]!);
      const p0 = Math.sqrt(plain.alphasCumprod[0]!);
      expect(Math.abs(r0 - p0) / p0).toBeLessThan(1e-6);
      for (let i = 1; i < 1000; i++) expect(rescaled.alphasCumprod[i]!).toBeLessThanOrEqual(rescaled.alphasCumprod[i - 1]!);
      // SNR strictly lower than the original everywhere after t = 0.
      expect(rescaled.alphasCumprod[500]!).toBeLessThan(plain.alphasCumprod[500]!);
    });
  }

  it('rescaleZeroTerminalSnr works on raw betas', () => {
    const betas = torchLinspaceF32(0.0001, 0.02, 1000);
    const abar = alphasCumprodFromBetas(rescaleZeroTerminalSnr(betas));
    expect(abar[999]).toBe(0);
  });

  it('DPM-Solver and Euler replace the terminal ā = 0 by 2^-24 (finite σ_max), DDIM keeps 0', () => {
    const raw = { ...SD, rescale_betas_zero_snr: true, timestep_spacing: 'trailing' };
    for (const cls of ['DPMSolverMultistepScheduler', 'EulerDiscreteScheduler']) {
      expect(createNoiseSchedule(resolveSchedulerConfig(raw, cls)).alphasCumprod[999]).toBe(2 ** -24);
    }
    expect(createNoiseSchedule(resolveSchedulerConfig(raw, 'DDIMScheduler')).alphasCumprod[999]).toBe(0);
  });
});

describe('scheduler config', () => {
  it('keeps unknown keys and accepts -Infinity', () => {
    const parsed = schedulerConfigSchema.parse({ ...SD, lambda_min_clipped: Number.NEGATIVE_INFINITY, _diffusers_version: '0.40.0', skip_prk_steps: true });
    expect(parsed['skip_prk_steps']).toBe(true);
    expect(parsed.lambda_min_clipped).toBe(Number.NEGATIVE_INFINITY);
  });

  it('parses Python JSON with bare -Infinity / NaN', () => {
    expect(parseJsonWithNonFinite('{"a": -Infinity, "b": [NaN, Infinity], "c": "-Infinity"}')).toEqual({
      a: Number.NEGATIVE_INFINITY,
      b: [Number.NaN, Number.POSITIVE_INFINITY],
      c: '-Infinity',
    });
  });

  it('uses _class_name, or the class given', () => {
    expect(resolveSchedulerConfig({ ...SD, _class_name: 'DDIMScheduler' }).className).toBe('DDIMScheduler');
    expect(resolveSchedulerConfig({ ...SD, _class_name: 'PNDMScheduler' }, 'EulerDiscreteScheduler').className).toBe('EulerDiscreteScheduler');
  });

  it('applies each class its diffusers defaults', () => {
    const dpm = resolveSchedulerConfig({}, 'DPMSolverMultistepScheduler');
    expect(dpm).toMatchObject({ solverOrder: 2, algorithmType: 'dpmsolver++', solverType: 'midpoint', lowerOrderFinal: true, timestepSpacing: 'linspace', finalSigmasType: 'zero' });
    expect(resolveSchedulerConfig({}, 'LCMScheduler')).toMatchObject({ betaSchedule: 'scaled_linear', originalInferenceSteps: 50, timestepScaling: 10, clipSample: false });
    expect(resolveSchedulerConfig({}, 'DDIMScheduler')).toMatchObject({ clipSample: true, setAlphaToOne: true, timestepSpacing: 'leading' });
    expect(resolveSchedulerConfig({}, 'DDPMScheduler')).toMatchObject({ varianceType: 'fixed_small' });
  });

  it('maps deis / logrho onto dpmsolver++ / midpoint as diffusers does', () => {
    expect(resolveSchedulerConfig({ algorithm_type: 'deis', solver_type: 'logrho' }, 'DPMSolverMultistepScheduler')).toMatchObject({
      algorithmType: 'dpmsolver++',
      solverType: 'midpoint',
    });
  });

  it('names the key and value of unsupported settings', () => {
    expectSchedulerError(() => resolveSchedulerConfig({ ...SD, use_karras_sigmas: true }, 'DDIMScheduler'), 'use_karras_sigmas');
    expectSchedulerError(() => resolveSchedulerConfig({ ...SD, use_exponential_sigmas: true }, 'EulerDiscreteScheduler'), 'use_exponential_sigmas');
    expectSchedulerError(() => resolveSchedulerConfig({ ...SD, timestep_spacing: 'quadratic' }, 'DDIMScheduler'), 'timestep_spacing', 'quadratic');
    expectSchedulerError(() => resolveSchedulerConfig({ ...SD, prediction_type: 'flow' }, 'DDIMScheduler'), 'prediction_type', 'flow');
    expectSchedulerError(() => resolveSchedulerConfig({ ...SD, beta_schedule: 'sigmoid' }, 'DDIMScheduler'), 'beta_schedule', 'sigmoid');
    expectSchedulerError(() => resolveSchedulerConfig({ ...SD, solver_order: 4 }, 'DPMSolverMultistepScheduler'), 'solver_order', '4');
    expectSchedulerError(() => resolveSchedulerConfig({ ...SD, algorithm_type: 'dpmsolver' }, 'DPMSolverMultistepScheduler'), 'algorithm_type', 'dpmsolver');
    expectSchedulerError(() => resolveSchedulerConfig({ ...SD, thresholding: true }, 'DDIMScheduler'), 'thresholding');
    expectSchedulerError(() => resolveSchedulerConfig({ ...SD, timestep_spacing: 'linspace' }, 'DDIMInverseScheduler'), 'timestep_spacing', 'linspace');
    expectSchedulerError(() => resolveSchedulerConfig({ ...SD, variance_type: 'learned_range' }, 'DDPMScheduler'), 'variance_type', 'learned_range');
    expectSchedulerError(() => resolveSchedulerConfig({ ...SD, steps_offset: 'one' }, 'DDIMScheduler'), 'steps_offset', '"one"');
    expectSchedulerError(() => resolveSchedulerConfig({ ...SD, _class_name: 'KDPM2DiscreteScheduler' }), 'KDPM2DiscreteScheduler', 'PNDMScheduler');
    expectSchedulerError(() => resolveSchedulerConfig(SD), '_class_name');
  });
});
