/**
 * The `scheduler` override of `edit`: on a DDIM-family record it steps the target branches with
 * the solver asked for while the source branch keeps DDIM (and so still reconstructs the record);
 * methods with their own rule, σ-frame solvers and solvers whose model calls do not line up are
 * refused with a ConfigError that names why. Job files validate the same field.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchEditOptionsSchema } from '../../src/editing/batch-pipeline.js';
import { Pipeline } from '../../src/editing/pipeline.js';
import { ConfigError } from '../../src/errors.js';
import { SD1_SCHEDULER_CONFIG, writeRandomModel } from '../../src/models/random-model.js';
import { tempDir, expectRepriseError, rejectionOf } from '../helpers.js';

const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

const configError = async (p: Promise<unknown>): Promise<ConfigError> => expectRepriseError(await rejectionOf(p), { type: ConfigError });

describe('edit with a scheduler override', async () => {
  // Trailing spacing: DDIM and the multistep solvers then place the same timesteps.
  const folder = writeRandomModel(path.join(tempDir(), 'model'), { seed: 7, scheduler: { ...SD1_SCHEDULER_CONFIG, timestep_spacing: 'trailing', steps_offset: 0 } });
  const pipe = await Pipeline.load(folder, { cache: false });
  const gen = { seed: 3, steps: 3, width: 32, height: 32 };
  const ddim = (await pipe.generate('a red circle', { ...gen, method: 'ddim' })).inversion;
  const edit = { prompt: 'a blue circle', attention: { edit: 'none' as const, selfReplace: 0 } };

  it('steps the target branch with the solver, the source branch unchanged (bit for bit the record)', async () => {
    const plain = await pipe.edit(ddim, edit);
    const dpm = await pipe.edit(ddim, { ...edit, scheduler: 'dpm-solver++' });
    const uni = await pipe.edit(ddim, { ...edit, scheduler: 'unipc' });
    expect([plain.solver, dpm.solver, uni.solver]).toEqual(['ddim', 'ddim+dpm-solver++', 'ddim+unipc']);
    for (const r of [plain, dpm]) expect(maxDiff(r.latents[0] as Float32Array, ddim.z0)).toBe(0);
    // A second-order multistep solver takes another path from the same z_T.
    expect(maxDiff(dpm.latents[1] as Float32Array, plain.latents[1] as Float32Array)).toBeGreaterThan(1e-3);
  });

  it('scheduler "ddim" on a leading-spacing record is the default rule', async () => {
    const lead = await Pipeline.load(writeRandomModel(path.join(tempDir(), 'lead'), { seed: 7 }), { cache: false });
    const rec = (await lead.generate('a red circle', { ...gen, method: 'ddim' })).inversion;
    const plain = await lead.edit(rec, edit);
    const same = await lead.edit(rec, { ...edit, scheduler: 'ddim' });
    expect(same.solver).toBe('ddim+ddim');
    expect(maxDiff(same.latents[1] as Float32Array, plain.latents[1] as Float32Array)).toBeLessThan(1e-4);
    expect(maxDiff(same.latents[0] as Float32Array, rec.z0)).toBe(0);
  });

  it('refuses methods with their own rule, σ-frame solvers, misaligned solvers, unknown names, karras alone', async () => {
    const ef = (await pipe.generate('a red circle', { ...gen, method: 'ef-ddpm' })).inversion;
    const own = await configError(pipe.edit(ef, { ...edit, scheduler: 'unipc' }));
    expect([own.key, own.code]).toEqual(['scheduler', 'CONFIG_INVALID']);
    expect(own.message).toMatch(/edit a ef-ddpm record: ef-ddpm samples with its own rule/);
    expect((await configError(pipe.edit(ddim, { ...edit, scheduler: 'euler' }))).message).toMatch(/σ frame/);
    expect((await configError(pipe.edit(ddim, { ...edit, scheduler: 'pndm' }))).message).toMatch(/calls the model at timesteps/);
    // Karras σ move the timesteps off the record's.
    expect((await configError(pipe.edit(ddim, { ...edit, scheduler: 'unipc', karras: true }))).message).toMatch(/calls the model at timesteps \[999, 427, 0\]/);
    expect((await configError(pipe.edit(ddim, { ...edit, scheduler: 'kdpm2' }))).message).toMatch(/unknown scheduler "kdpm2".*dpm-solver\+\+/);
    expect((await configError(pipe.edit(ddim, { ...edit, karras: true }))).key).toBe('karras');
  });
});

describe('job-file scheduler', () => {
  const issues = (o: unknown): string[] => {
    const r = batchEditOptionsSchema.safeParse(o);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  it('is validated against the registry and the inversion method', () => {
    expect(issues({ method: 'ddim', scheduler: 'unipc', karras: true })).toEqual([]);
    expect(issues({ method: 'negative-prompt', scheduler: 'DPMSolverMultistepScheduler' })).toEqual([]);
    expect(issues({ method: 'ddim', scheduler: 'warp' })).toEqual([expect.stringMatching(/^scheduler: unknown scheduler "warp"/)]);
    expect(issues({ method: 'bdia', scheduler: 'unipc' })).toEqual([expect.stringMatching(/^scheduler: .*bdia samples with its own rule/)]);
    // The default method (ef-ddpm) has its own rule too.
    expect(issues({ scheduler: 'ddim' })).toEqual([expect.stringMatching(/ef-ddpm/)]);
    expect(issues({ method: 'ddim', karras: true })).toEqual([expect.stringMatching(/^karras: /)]);
  });
});
