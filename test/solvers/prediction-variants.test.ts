/**
 * Prediction types, zero-SNR + trailing spacing and Karras σ with every registered solver that
 * accepts them: the same denoiser expressed as ε, v or x0 gives the same trajectory, the run stays
 * finite, and what diffusers refuses (or Reprise does not reproduce) is refused with a message
 * naming the key and the value.
 */
import { describe, expect, it } from 'vitest';
import { RepriseError } from '../../src/errors.js';
import {
  SOLVERS,
  createScheduler,
  ddimInverseLevels,
  fromDenoised,
  noiseLevelFromAlphaBar,
  noiseLevelFromSigma,
  resolveSchedulerConfig,
  type AnySolverSpec,
  type NoiseLevel,
  type PredictionType,
  type Scheduler,
} from '../../src/solvers/index.js';

const SD = { num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', clip_sample: false, set_alpha_to_one: false };
const X = Float64Array.from({ length: 8 }, (_, i) => Math.cos(1.3 * i + 0.2) * 1.5);
const specs = (SOLVERS as readonly AnySolverSpec[]).filter((s) => s.className !== 'LCMScheduler');

function levelOf(s: Scheduler, k: number, t: number): NoiseLevel {
  if (s.className === 'DDIMInverseScheduler') return noiseLevelFromAlphaBar(ddimInverseLevels(s.schedule, t, s.plan.steps).alphaBarFrom);
  return s.plan.sigmas !== null ? noiseLevelFromSigma(s.plan.sigmas[k]!) : noiseLevelFromAlphaBar(s.schedule.alphasCumprod[t]!);
}

/** Runs with a fixed denoiser (x̂0 = 0.5·tanh(x_in), ε̂ consistent with it) expressed in `type`. */
function trajectory(raw: Record<string, unknown>, cls: string, type: PredictionType, steps: number): number[] {
  // A fitted solver (DC-Solver) runs with its contract's stand-in fit.
  const extra = (SOLVERS as readonly AnySolverSpec[]).find((x) => x.className === cls)?.contractKeys?.(steps) ?? {};
  const s = createScheduler({ ...raw, ...extra, prediction_type: type }, cls);
  s.setTimesteps(steps);
  let x = X.map((v) => v * s.initNoiseSigma);
  const sums: number[] = [];
  s.timesteps.forEach((t, k) => {
    const input = s.scaleModelInput(x, t);
    const level = levelOf(s, k, t);
    const x0 = input.map((v) => 0.5 * Math.tanh(v));
    const eps = input.map((v, i) => (v - level.alpha * x0[i]!) / level.sigma);
    const out = fromDenoised(type, { eps, x0 }, level);
    const noise = s.isStochastic() ? { varianceNoise: X.map((v) => Math.sin(v + k)) } : {};
    x = s.step(out, t, x, noise).prevSample;
    sums.push(x.reduce((a, b) => a + b, 0));
  });
  return sums;
}

function expectSame(a: readonly number[], b: readonly number[], what: string): void {
  expect(a.length, what).toBe(b.length);
  a.forEach((v, i) => {
    expect(Number.isFinite(v), `${what} step ${i}`).toBe(true);
    expect(Math.abs(v - b[i]!), `${what} step ${i}: ${v} vs ${b[i]}`).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(b[i]!)));
  });
}

describe.each(specs.map((s) => [s.id, s] as const))('prediction types: %s', (_id, spec) => {
  const types = spec.supports.predictionTypes;

  it('ε, v and x0 forms of one denoiser give one trajectory', () => {
    const ref = trajectory(SD, spec.className, 'epsilon', 10);
    // PNDM, as diffusers, combines the raw v outputs of several timesteps and converts the
    // combination with the current sample, so only its first (uncombined) step matches the ε form.
    const n = spec.className === 'PNDMScheduler' ? 1 : ref.length;
    for (const type of types) expectSame(trajectory(SD, spec.className, type, 10).slice(0, n), ref.slice(0, n), `${type}`);
    if (spec.className === 'PNDMScheduler') expect(trajectory(SD, spec.className, 'v_prediction', 10)[5]).not.toBe(ref[5]);
  });
});

const zeroSnrSpecs = specs.filter((s) => s.supports.zeroSnr && (s.supports.spacings ?? []).includes('trailing'));
describe.each(zeroSnrSpecs.map((s) => [s.id, s] as const))('zero-SNR + trailing: %s', (_id, spec) => {
  const types = spec.supports.predictionTypes;
  it('zero-SNR with trailing spacing: finite, v and x0 forms agree', () => {
    const raw = { ...SD, rescale_betas_zero_snr: true, timestep_spacing: 'trailing' };
    const s = createScheduler({ ...raw, ...spec.contractKeys?.(10) }, spec.className);
    s.setTimesteps(10);
    // The class starts at (or next to) zero terminal SNR.
    expect(s.timesteps).toContain(spec.className === 'DDIMInverseScheduler' ? 899 : 999);
    const v = trajectory(raw, spec.className, 'v_prediction', 10);
    if (types.includes('sample')) expectSame(trajectory(raw, spec.className, 'sample', 10), v, 'sample vs v');
    expect(v.every(Number.isFinite)).toBe(true);
  });

});

const karrasSpecs = specs.filter((s) => s.supports.karras);
describe.each(karrasSpecs.map((s) => [s.id, s] as const))('Karras σ + v-prediction: %s', (_id, spec) => {
  it('Karras σ with v-prediction: finite and equal to the ε form', () => {
    const raw = { ...SD, use_karras_sigmas: true };
    expectSame(trajectory(raw, spec.className, 'v_prediction', 12), trajectory(raw, spec.className, 'epsilon', 12), 'karras v vs ε');
  });
});

function refused(raw: Record<string, unknown>, cls: string, ...fragments: string[]): void {
  let error: unknown;
  try {
    resolveSchedulerConfig(raw, cls);
  } catch (e) {
    error = e;
  }
  expect(error, `${cls} ${JSON.stringify(raw)}`).toBeInstanceOf(RepriseError);
  expect((error as RepriseError).code).toBe('SCHEDULER_INVALID');
  for (const f of fragments) expect((error as RepriseError).message).toContain(f);
}

describe('refusals name the key, the value and the class', () => {
  it('refuses what diffusers refuses', () => {
    refused({ ...SD, prediction_type: 'sample' }, 'PNDMScheduler', 'prediction_type', 'sample', 'PNDMScheduler');
    refused({ ...SD, algorithm_type: 'dpmsolver' }, 'DPMSolverMultistepScheduler', 'final_sigmas_type', 'dpmsolver');
    refused({ ...SD, algorithm_type: 'dpmsolver' }, 'DPMSolverSinglestepScheduler', 'final_sigmas_type', 'dpmsolver');
    refused({ ...SD, solver_order: 4 }, 'DEISMultistepScheduler', 'solver_order', '4');
    refused({ ...SD, solver_type: 'bh3' }, 'UniPCMultistepScheduler', 'solver_type', 'bh3');
    refused({ ...SD, algorithm_type: 'sde-dpmsolver' }, 'DPMSolverMultistepScheduler', 'algorithm_type', 'sde-dpmsolver');
  });

  it('refuses settings Reprise does not reproduce or the class does not have', () => {
    refused({ ...SD, use_karras_sigmas: true }, 'PNDMScheduler', 'use_karras_sigmas', 'PNDMScheduler');
    refused({ ...SD, rescale_betas_zero_snr: true }, 'DEISMultistepScheduler', 'rescale_betas_zero_snr', 'DEISMultistepScheduler');
    refused({ ...SD, solver_p: { _class_name: 'DDIMScheduler' } }, 'UniPCMultistepScheduler', 'solver_p');
    refused({ ...SD, algorithm_type: 'sde-dpmsolver++', solver_order: 3 }, 'DPMSolverSinglestepScheduler', 'solver_order', '3');
    refused({ ...SD, use_lu_lambdas: true }, 'DPMSolverMultistepScheduler', 'use_lu_lambdas');
    refused({ ...SD, thresholding: true }, 'UniPCMultistepScheduler', 'thresholding');
  });

  it('accepts diffusers aliases as diffusers maps them', () => {
    expect(resolveSchedulerConfig({ ...SD, solver_type: 'midpoint' }, 'UniPCMultistepScheduler')).toMatchObject({ solverType: 'bh2' });
    expect(resolveSchedulerConfig({ ...SD, algorithm_type: 'dpmsolver++' }, 'DEISMultistepScheduler')).toMatchObject({ solverOrder: 2 });
    expect(resolveSchedulerConfig({ ...SD, timestep_spacing: 'leading' }, 'DPMSolverSinglestepScheduler')).toMatchObject({ timestepSpacing: 'linspace' });
  });
});
