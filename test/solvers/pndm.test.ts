/**
 * PNDM's Runge-Kutta warm-up (skip_prk_steps = false), which the solver fixtures do not hold:
 * diffusers' PRK timestep pattern (each of the last four spaced timesteps and the midpoints
 * after them, doubled), N + 9 model calls, and the same ODE solution as PLMS as steps grow.
 */
import { describe, expect, it } from 'vitest';
import { createScheduler, dummyModel } from '../../src/solvers/index.js';

const SD = { num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', set_alpha_to_one: false, steps_offset: 1 };

function final(skip: boolean, steps: number): { sum: number; timesteps: readonly number[] } {
  const s = createScheduler({ ...SD, skip_prk_steps: skip }, 'PNDMScheduler');
  s.setTimesteps(steps);
  let x = Float64Array.from({ length: 8 }, (_, i) => Math.cos(i));
  for (const t of s.timesteps) x = s.step(dummyModel(x, t), t, x).prevSample;
  return { sum: x.reduce((a, b) => a + b, 0), timesteps: s.timesteps };
}

describe('PNDM Runge-Kutta warm-up', () => {
  it('visits the PRK timesteps of diffusers, then PLMS from the fourth-last spaced timestep', () => {
    const { timesteps } = final(false, 10);
    expect(timesteps).toEqual([901, 851, 851, 801, 801, 751, 751, 701, 701, 651, 651, 601, 601, 501, 401, 301, 201, 101, 1]);
    expect(final(false, 50).timesteps.length).toBe(59);
  });

  it('converges to the PLMS solution as steps grow', () => {
    const gap = (n: number) => Math.abs(final(false, n).sum - final(true, n).sum) / Math.abs(final(true, n).sum);
    expect(gap(200)).toBeLessThan(1e-5);
    expect(gap(200)).toBeLessThan(gap(10));
  });

  it('refuses one step without skip_prk_steps (diffusers would make no model call)', () => {
    const s = createScheduler({ ...SD, skip_prk_steps: false }, 'PNDMScheduler');
    expect(() => s.setTimesteps(1)).toThrow(/at least 2/);
  });
});
