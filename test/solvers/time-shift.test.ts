/**
 * The time-shift sampler (Li et al. 2024): the selection rule against hand-computed cases (window
 * clipping, ties, cutoff, first and final steps); window 0 and a cutoff above every timestep are
 * bit-identical to plain sampling for every solver that takes it; on a toy model whose sample
 * variance is known in closed form the model is called at the timestep whose noise level matches
 * it; solvers that refuse it say so with a ConfigError.
 */
import { describe, expect, it } from 'vitest';
import { sampleWithScheduler } from '../../src/editing/scheduler-sampling.js';
import { ConfigError } from '../../src/errors.js';
import type { BranchPredict } from '../../src/inversion/types.js';
import {
  SOLVERS,
  TIME_SHIFT_SOLVER_IDS,
  createNoiseSchedule,
  resolveSchedulerConfig,
  sampleVariance,
  shiftedTimestep,
  timeShiftTarget,
  type AnySolverSpec,
  type TimeShiftOptions,
} from '../../src/solvers/index.js';
import { Random } from '../../src/util/random.js';

const SD = { beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', num_train_timesteps: 1000, clip_sample: false, set_alpha_to_one: false, steps_offset: 1 };
const specs = SOLVERS as readonly AnySolverSpec[];
const start = new Random(3).normals(64);

/**
 * A model with exposure bias: it sees a fraction c of the noise the data-free target has,
 * ε̂ = c·x/√(1 − ā_t). Calls are recorded (t of each call).
 */
function biasedModel(alphasCumprod: Float64Array, c: number, calls: number[]): BranchPredict {
  return async (latents, t) => {
    calls.push(t);
    const s = Math.sqrt(1 - alphasCumprod[t]!);
    return latents.map((x) => ({ eps: x.map((v) => (c * v) / s) })) as never;
  };
}

async function sample(className: string, steps: number, timeShift: TimeShiftOptions | undefined, calls: number[] = [], c = 0.9, extra: Record<string, unknown> = {}) {
  const scheduler = resolveSchedulerConfig({ ...SD, ...extra }, className);
  const ac = createNoiseSchedule(scheduler).alphasCumprod;
  const [x] = await sampleWithScheduler(biasedModel(ac, c, calls), { scheduler, steps, start, branches: 1, seed: 1, ...(timeShift ? { timeShift } : {}) });
  return x as Float32Array;
}

describe('time-shift selection', () => {
  // 1 − ā = 0.25, 0.5, 0.75, 0.875 (exact in binary).
  const ac = Float64Array.from([0.75, 0.5, 0.25, 0.125]);

  it('picks the timestep of the window whose noise level 1 − ā is closest to the variance', () => {
    expect(shiftedTimestep(0.7, ac, 1, 2)).toBe(2); // window [0, 2]: |0.7 − 0.75| smallest
    expect(shiftedTimestep(0.3, ac, 2, 2)).toBe(1); // window [1, 3]: 0.25 (τ = 0) is outside
    expect(shiftedTimestep(0.3, ac, 2, 4)).toBe(0); // window [0, 3] reaches it
    expect(shiftedTimestep(0.3, ac, 2, 3)).toBe(1); // odd window: half = 1, as `window_size // 2`
  });

  it('clips the window to the table, keeps the centre with window 0, takes the first on ties', () => {
    expect(shiftedTimestep(2, ac, 3, 10)).toBe(3);
    expect(shiftedTimestep(0, ac, 0, 10)).toBe(0);
    expect(shiftedTimestep(0.9, ac, 1, 0)).toBe(1);
    expect(shiftedTimestep(0.625, ac, 1, 2)).toBe(1); // 0.5 and 0.75 are equally far: the lower τ
  });

  it('measures the unbiased variance, as torch.var', () => {
    expect(sampleVariance([1, 2, 3, 4])).toBeCloseTo(5 / 3, 14);
    expect(sampleVariance(Float32Array.from([2, 2, 2]))).toBe(0);
  });

  it('never shifts the first step, the final step, or a next timestep at or below the cutoff', () => {
    const timesteps = [3, 2, 1, 0];
    const sample = [-1, 1, -1, 1]; // variance 4/3: every window picks its top
    const at = (step: number, cutoff: number) => timeShiftTarget({ step, timesteps, alphasCumprod: ac, sample, options: { window: 4, cutoff } });
    expect(at(0, 0)).toBeNull();
    expect(at(3, 0)).toBeNull();
    expect(at(1, 0)).toBe(3);
    expect(at(1, 1)).toBeNull();
    expect(at(2, 0)).toBeNull(); // its next timestep, 0, is not above the cutoff
    const two = timeShiftTarget({ step: 1, timesteps, alphasCumprod: ac, sample, options: { window: 2, cutoff: 0 } });
    expect(two).toBe(2); // window [0, 2] around 1
  });
});

describe('time-shift sampling', () => {
  const supported = specs.filter((s) => s.timeShift.supported);

  it('is taken by the VP solvers that follow their plan and refused, with the reason, by the others', () => {
    expect(TIME_SHIFT_SOLVER_IDS).toEqual(['ddim', 'ddpm', 'dpm-solver++', 'deis', 'unipc', 'dpm-solver-singlestep']);
    const refused = specs.filter((s) => !s.timeShift.supported).map((s) => [s.id, (s.timeShift as { reason: string }).reason] as const);
    expect(refused.map(([id]) => id)).toEqual(['ddim-inverse', 'euler', 'heun', 'lcm', 'pndm', 'dc-unipc', 'dpm-solver-v3']);
    for (const [, reason] of refused) expect(reason.length).toBeGreaterThan(20);
  });

  it('refuses solvers that do not take it with a ConfigError naming the solver', async () => {
    for (const spec of specs.filter((s) => !s.timeShift.supported)) {
      // A fitted solver runs on its contract stand-in (DC-Solver's ratios) so the refusal is the time shift's.
      const extra = spec.className === 'PNDMScheduler' ? { skip_prk_steps: true } : (spec.contractKeys?.(5) ?? {});
      const p = sample(spec.className, 5, { window: 20, cutoff: 0 }, [], 0.9, extra);
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).code).toBe('CONFIG_UNSUPPORTED');
      expect((err as Error).message).toContain(`"${spec.id}"`);
      expect((err as Error).message).toContain((spec.timeShift as { reason: string }).reason);
    }
  });

  it('is bit-identical to plain sampling with window 0 or a cutoff above every timestep', async () => {
    for (const spec of supported) {
      const plain = await sample(spec.className, 6, undefined);
      const w0 = await sample(spec.className, 6, { window: 0, cutoff: 0 });
      const high = await sample(spec.className, 6, { window: 40, cutoff: 1000 });
      expect(Buffer.from(w0.buffer).equals(Buffer.from(plain.buffer)), spec.id).toBe(true);
      expect(Buffer.from(high.buffer).equals(Buffer.from(plain.buffer)), spec.id).toBe(true);
    }
  });

  it('calls the model at the timestep whose noise level matches the sample variance (closed form, DDIM and DPM-Solver++)', async () => {
    for (const className of ['DDIMScheduler', 'DPMSolverMultistepScheduler']) {
      const calls: number[] = [];
      const plainCalls: number[] = [];
      const c = 0.8;
      const w = 80;
      await sample(className, 5, { window: w, cutoff: 0 }, calls, c);
      await sample(className, 5, undefined, plainCalls, c);
      const ac = createNoiseSchedule(resolveSchedulerConfig(SD, className)).alphasCumprod;
      // Step 0 (never shifted) is first order (DDIM ≡ DPM-Solver++ 1): with ε̂ = c·x/√(1 − ā) it
      // scales x by f = (1 − c)·√(ā₁/ā₀) + c·√((1 − ā₁)/(1 − ā₀)), so Var(x₁) = f²·Var(x_T).
      const [t0, t1, t2] = plainCalls as [number, number, number];
      const f = (1 - c) * Math.sqrt(ac[t1]! / ac[t0]!) + c * Math.sqrt((1 - ac[t1]!) / (1 - ac[t0]!));
      const variance = f * f * sampleVariance(start);
      // Brute force over the window around the nominal t₂.
      const candidates = Array.from({ length: w + 1 }, (_, k) => t2 - w / 2 + k).filter((k) => k >= 0 && k < ac.length);
      const expected = candidates.reduce((best, k) => (Math.abs(variance - (1 - ac[k]!)) < Math.abs(variance - (1 - ac[best]!)) ? k : best));
      expect(calls.slice(0, 2)).toEqual([t0, t1]);
      expect(calls[2], className).toBe(expected);
      expect(expected).not.toBe(t2);
      expect(Math.abs(variance - (1 - ac[expected]!))).toBeLessThan(Math.abs(variance - (1 - ac[t2]!)));
    }
  });

  it('runs every solver that takes it: finite, its model calls shifted, different from plain sampling', async () => {
    for (const spec of supported) {
      const calls: number[] = [];
      const plainCalls: number[] = [];
      const shifted = await sample(spec.className, 8, { window: 60, cutoff: 100 }, calls);
      const plain = await sample(spec.className, 8, undefined, plainCalls);
      expect(shifted.every(Number.isFinite), spec.id).toBe(true);
      expect(calls.length).toBe(plainCalls.length);
      expect(calls[0]).toBe(plainCalls[0]);
      expect(calls.some((t, i) => t !== plainCalls[i]), spec.id).toBe(true);
      expect(Array.from(shifted)).not.toEqual(Array.from(plain));
    }
  });

  it('refuses invalid options with the key named', async () => {
    const err = await sample('DDIMScheduler', 4, { window: -1, cutoff: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/window/);
  });
});
