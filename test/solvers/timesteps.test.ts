import { describe, expect, it } from 'vitest';
import { RepriseError } from '../../src/errors.js';
import { createScheduler, resolveSchedulerConfig, setTimesteps } from '../../src/solvers/index.js';

const SD = { num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', steps_offset: 1, set_alpha_to_one: false, clip_sample: false };
const ts = (raw: Record<string, unknown>, cls: string, steps: number) => [...setTimesteps(resolveSchedulerConfig(raw, cls), steps).timesteps];
const range = (start: number, step: number, n: number) => Array.from({ length: n }, (_, i) => start + i * step);

describe('setTimesteps (diffusers set_timesteps)', () => {
  it('DDIM / DDPM leading with steps_offset', () => {
    expect(ts(SD, 'DDIMScheduler', 50)).toEqual(range(981, -20, 50));
    expect(ts(SD, 'DDIMScheduler', 10)).toEqual(range(901, -100, 10));
    expect(ts(SD, 'DDPMScheduler', 3)).toEqual([667, 334, 1]);
    expect(ts({ ...SD, steps_offset: 0 }, 'DDIMScheduler', 7)).toEqual(range(852, -142, 7));
  });

  it('DDIM trailing and linspace', () => {
    expect(ts({ ...SD, timestep_spacing: 'trailing' }, 'DDIMScheduler', 50)).toEqual(range(999, -20, 50));
    expect(ts({ ...SD, timestep_spacing: 'trailing' }, 'DDIMScheduler', 3)).toEqual([999, 666, 332]);
    expect(ts({ ...SD, timestep_spacing: 'linspace' }, 'DDIMScheduler', 4)).toEqual([999, 666, 333, 0]);
    // np.linspace(0, 999, 21).round(): 499.5 → 500 (half to even)
    expect(ts({ ...SD, timestep_spacing: 'linspace' }, 'DDIMScheduler', 21)[10]).toBe(500);
  });

  it('DDIM inverse: ascending leading / trailing', () => {
    expect(ts(SD, 'DDIMInverseScheduler', 50)).toEqual(range(1, 20, 50));
    expect(ts({ ...SD, timestep_spacing: 'trailing' }, 'DDIMInverseScheduler', 3)).toEqual([332, 666, 999]);
  });

  it('DPM-Solver: linspace over steps+1 points, leading with last_timestep // (steps+1), trailing', () => {
    expect(ts({ ...SD, timestep_spacing: 'linspace' }, 'DPMSolverMultistepScheduler', 20)).toEqual([
      999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 500, 450, 400, 350, 300, 250, 200, 150, 100, 50,
    ]);
    expect(ts({ ...SD, timestep_spacing: 'leading' }, 'DPMSolverMultistepScheduler', 20)).toEqual(range(941, -47, 20));
    expect(ts({ ...SD, timestep_spacing: 'trailing' }, 'DPMSolverMultistepScheduler', 20)).toEqual(range(999, -50, 20));
  });

  it('DPM-Solver clips timesteps whose λ is below lambda_min_clipped', () => {
    const clipped = ts({ ...SD, beta_schedule: 'squaredcos_cap_v2', lambda_min_clipped: -5.1, timestep_spacing: 'linspace' }, 'DPMSolverMultistepScheduler', 10);
    const unclipped = ts({ ...SD, beta_schedule: 'squaredcos_cap_v2', timestep_spacing: 'linspace' }, 'DPMSolverMultistepScheduler', 10);
    expect(unclipped[0]).toBe(999);
    expect(clipped[0]!).toBeLessThan(999);
  });

  it('Euler: float32 linspace timesteps and interpolated σ', () => {
    const cfg = resolveSchedulerConfig({ ...SD, timestep_spacing: 'linspace' }, 'EulerDiscreteScheduler');
    const plan = setTimesteps(cfg, 25);
    expect(plan.timesteps.slice(0, 3)).toEqual([999, 957.375, 915.75]);
    expect(plan.timesteps[24]).toBe(0);
    expect(plan.sigmas!.length).toBe(26);
    expect(plan.sigmas![25]).toBe(0);
    expect(plan.sigmas![0]).toBeCloseTo(14.6146, 3);
    for (const s of plan.sigmas!) expect(Math.fround(s)).toBe(s);
    expect(ts({ ...SD, timestep_spacing: 'leading' }, 'EulerDiscreteScheduler', 25)).toEqual(range(961, -40, 25));
  });

  it('Euler init_noise_sigma: σ_max for linspace/trailing, √(σ_max²+1) for leading', () => {
    const lin = createScheduler({ ...SD, timestep_spacing: 'linspace' }, 'EulerDiscreteScheduler');
    lin.setTimesteps(25);
    const lead = createScheduler({ ...SD, timestep_spacing: 'leading' }, 'EulerDiscreteScheduler');
    lead.setTimesteps(25);
    expect(lin.initNoiseSigma).toBe(lin.plan.sigmas![0]);
    const m = lead.plan.sigmas![0]!;
    expect(lead.initNoiseSigma).toBeCloseTo(Math.sqrt(m * m + 1), 12);
  });

  it('LCM: evenly skipping the original 50-step schedule', () => {
    expect(ts({}, 'LCMScheduler', 4)).toEqual([999, 759, 499, 259]);
    expect(ts({}, 'LCMScheduler', 1)).toEqual([999]);
    expect(ts({}, 'LCMScheduler', 2)).toEqual([999, 499]);
    expect(ts({}, 'LCMScheduler', 8)).toEqual([999, 879, 759, 639, 499, 379, 259, 139]);
    expect(ts({ original_inference_steps: 100 }, 'LCMScheduler', 4)).toEqual([999, 749, 499, 249]);
  });

  it('rejects step counts diffusers rejects', () => {
    expect(() => ts(SD, 'DDIMScheduler', 0)).toThrow(RepriseError);
    expect(() => ts(SD, 'DDIMScheduler', 1001)).toThrow(/num_train_timesteps/);
    expect(() => ts({}, 'LCMScheduler', 51)).toThrow(RepriseError);
  });
});
