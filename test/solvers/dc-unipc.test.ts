/**
 * DC-Solver (families/dc-unipc.ts): with every ratio neutral it is UniPC bit for bit; a ratio ≠ 1
 * changes the run from the step it is applied at (not before, not in the warm-up); the
 * compensation is the Lagrange interpolant of the last outputs; a missing or short fit is refused.
 */
import { describe, expect, it } from 'vitest';
import { RepriseError } from '../../src/errors.js';
import { createScheduler, dynamicCompensation, type Scheduler } from '../../src/solvers/index.js';

const SD = { num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', timestep_spacing: 'leading', steps_offset: 1 };
const X = Float32Array.from({ length: 16 }, (_, i) => Math.cos(1.7 * i + 0.4));

/** Every step's sample of a run with a fixed nonlinear ε model. */
function run(s: Scheduler, steps: number): Float32Array[] {
  s.setTimesteps(steps);
  let x = X.slice();
  const out: Float32Array[] = [];
  for (const t of s.timesteps) {
    const eps = x.map((v, i) => 0.4 * Math.tanh(v) + 0.1 * Math.sin(i + t / 100));
    x = s.step(eps, t, x).prevSample;
    out.push(x);
  }
  return out;
}

describe('DC-Solver (dc-unipc)', () => {
  for (const extra of [{}, { solver_order: 3 }, { predict_x0: false, solver_type: 'bh1' }, { disable_corrector: [0] }]) {
    it(`with every ratio 1 equals UniPC bit for bit (${JSON.stringify(extra)})`, () => {
      const steps = 9;
      const uni = run(createScheduler({ ...SD, ...extra }, 'UniPCMultistepScheduler'), steps);
      const dc = run(createScheduler({ ...SD, ...extra, dc_ratios: new Array(steps).fill(1) }, 'DCSolverMultistepScheduler'), steps);
      expect(dc.length).toBe(steps);
      dc.forEach((x, i) => expect(Array.from(x), `step ${i}`).toEqual(Array.from(uni[i]!)));
    });
  }

  it('a ratio ≠ 1 at step k changes the samples from step k on, and not in the warm-up steps 0 and 1', () => {
    const steps = 8;
    const uni = run(createScheduler(SD, 'UniPCMultistepScheduler'), steps);
    const at = (k: number, r: number) => run(createScheduler({ ...SD, dc_ratios: Array.from({ length: steps }, (_, i) => (i === k ? r : 1)) }, 'DCSolverMultistepScheduler'), steps);
    const dc = at(4, 1.2);
    for (let i = 0; i < 4; i++) expect(Array.from(dc[i]!)).toEqual(Array.from(uni[i]!));
    for (let i = 4; i < steps; i++) expect(Array.from(dc[i]!)).not.toEqual(Array.from(uni[i]!));
    // Steps 0 and 1 have fewer than dc_order + 1 = 3 outputs: nothing to interpolate.
    for (const k of [0, 1]) at(k, 1.3).forEach((x, i) => expect(Array.from(x)).toEqual(Array.from(uni[i]!)));
  });

  it('compensates with the Lagrange interpolant at t̃ = t_{i−1} + ρ (t_i − t_{i−1})', () => {
    // m(t) = 2 + 0.5 t − 0.01 t² elementwise (scaled): a quadratic is reproduced exactly by 3 points.
    const m = (t: number) => Float64Array.from([1, -2], (c) => c * (2 + 0.5 * t - 0.01 * t * t));
    const times = [30, 20, 10];
    const out = dynamicCompensation(times.map(m), times, 0.6, 2);
    const tShift = 20 + 0.6 * (10 - 20);
    expect(out).not.toBeNull();
    Array.from(out!).forEach((v, i) => expect(v).toBeCloseTo(m(tShift)[i]!, 10));
    expect(dynamicCompensation(times.map(m), times, 1, 2)).toBeNull();
    expect(dynamicCompensation(times.slice(1).map(m), times.slice(1), 0.6, 2)).toBeNull();
  });

  it('refuses a config without ratios or with ratios for another step count, naming the fit command', () => {
    const s = createScheduler(SD, 'DCSolverMultistepScheduler');
    expect(() => s.setTimesteps(6)).toThrow(RepriseError);
    expect(() => s.setTimesteps(6)).toThrow(/fit-solver dc/);
    const short = createScheduler({ ...SD, dc_ratios: [1, 1, 1] }, 'DCSolverMultistepScheduler');
    expect(() => short.setTimesteps(6)).toThrow(/3 ratio\(s\) but the run has 6 steps/);
  });
});
