/** The fixture runner and comparison themselves (independent of the reference folder). */
import { describe, expect, it } from 'vitest';
import { RepriseError } from '../../src/errors.js';
import { compareSchedulerRun, parseSchedulerFixtures, runSchedulerFixture, type SchedulerFixtureRun } from '../../src/solvers/index.js';
import { Random } from './helpers.js';

const rng = new Random(3);
const inputs = {
  xInit: Float64Array.from({ length: 256 }, () => rng.normal()),
  varianceNoises: Float64Array.from({ length: 10 * 256 }, () => rng.normal()),
};
const config = { num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', steps_offset: 1, set_alpha_to_one: false, clip_sample: false, lambda_min_clipped: Number.NEGATIVE_INFINITY };

function selfRun(cls: string, steps: number, stepKwargs: Record<string, unknown> = {}): SchedulerFixtureRun {
  const skeleton: SchedulerFixtureRun = { class: cls, config, steps, timesteps: [], step_kwargs: stepKwargs, traj_sums: [], final_sum: 0, final_abs_mean: 0, final_first8: [] };
  const r = runSchedulerFixture(skeleton, inputs);
  return { ...skeleton, timesteps: [...r.timesteps], traj_sums: [...r.trajSums], final_sum: r.finalSum, final_abs_mean: r.finalAbsMean, final_first8: [...r.finalFirst8] };
}

describe('scheduler fixture runner', () => {
  it('parses a fixture file with -Infinity and skips non-run entries', () => {
    const run = selfRun('DPMSolverMultistepScheduler', 5);
    const text = JSON.stringify({ a: run, alphas_cumprod_sd: [0.5], note: 'x' }).replace('"lambda_min_clipped":null', '"lambda_min_clipped": -Infinity');
    const file = parseSchedulerFixtures(text);
    expect([...file.runs.keys()]).toEqual(['a']);
    expect(file.runs.get('a')!.config['lambda_min_clipped']).toBe(Number.NEGATIVE_INFINITY);
    expect(file.alphasCumprod).toEqual([0.5]);
  });

  it('a run compared with itself passes with zero error', () => {
    const run = selfRun('DDIMScheduler', 10, { eta: 1, variance_noise: 'variance_noises[i]' });
    const cmp = compareSchedulerRun(run, runSchedulerFixture(run, inputs));
    expect(cmp).toMatchObject({ pass: true, timestepsIdentical: true, maxStepRelError: 0, finalSumRelError: 0 });
  });

  it('fails on a different timestep or a sum off by more than the tolerance', () => {
    const run = selfRun('EulerDiscreteScheduler', 8);
    const result = runSchedulerFixture(run, inputs);
    expect(compareSchedulerRun({ ...run, timesteps: [...run.timesteps.slice(0, -1), 1] }, result).pass).toBe(false);
    const sums = [...run.traj_sums];
    sums[3] = sums[3]! + 1e-4 * Math.max(Math.abs(sums[3]!), run.final_abs_mean);
    const cmp = compareSchedulerRun({ ...run, traj_sums: sums }, result);
    expect(cmp.pass).toBe(false);
    expect(cmp.maxStepRelError).toBeGreaterThan(1e-5);
  });

  it('timesteps-only runs report NaN errors and pass on timesteps', () => {
    const run = { ...selfRun('LCMScheduler', 4), compare: 'timesteps only: fresh noise', final_sum: 123 };
    const cmp = compareSchedulerRun(run, runSchedulerFixture(run, inputs));
    expect(cmp.pass).toBe(true);
    expect(cmp.finalSumRelError).toBeNaN();
  });

  it('names unsupported step_kwargs and missing noise tensors', () => {
    const run = selfRun('DDIMScheduler', 5);
    expect(() => runSchedulerFixture({ ...run, step_kwargs: { s_churn: 1 } }, inputs)).toThrow(/s_churn/);
    expect(() => runSchedulerFixture({ ...run, steps: 20, step_kwargs: { eta: 1, variance_noise: 'variance_noises[i]' } }, inputs)).toThrow(RepriseError);
  });
});
