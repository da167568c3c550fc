/** Inversion options: defaults, and clear CONFIG_INVALID errors for bad values. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { invertBdia } from '../../src/inversion/bdia.js';
import { invertEfDdpm } from '../../src/inversion/ef-ddpm.js';
import { INVERSION_METHODS, resolveInversionOptions } from '../../src/inversion/options.js';
import { samplingPlanFromConfig } from '../../src/inversion/plan.js';
import { invert, sampleBranches } from '../../src/inversion/reconstruct.js';
import { analyticPredict, SD1_SCHEDULER, seededConditioning, seededLatent } from './helpers.js';

function rejects(input: unknown, steps?: number): ConfigError {
  try {
    resolveInversionOptions(input, steps === undefined ? {} : { steps });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).code).toBe('CONFIG_INVALID');
    return e as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('inversion options', () => {
  it('fill in the documented defaults', () => {
    expect(resolveInversionOptions({ method: 'ddim' })).toEqual({ method: 'ddim' });
    expect(resolveInversionOptions({ method: 'ef-ddpm' })).toEqual({ method: 'ef-ddpm', eta: 1, skip: 0, seed: 0 });
    expect(resolveInversionOptions({ method: 'bdia' })).toEqual({ method: 'bdia', gamma: 1 });
    expect(resolveInversionOptions({ method: 'edict' })).toEqual({ method: 'edict', p: 0.93 });
    expect(resolveInversionOptions({ method: 'ddcm' })).toEqual({ method: 'ddcm', seed: 0 });
    expect(resolveInversionOptions({ method: 'negative-prompt' })).toEqual({ method: 'negative-prompt' });
    expect(resolveInversionOptions({ method: 'ef-ddpm', eta: 0.5, skip: 12, seed: 7 }, { steps: 50 })).toEqual({ method: 'ef-ddpm', eta: 0.5, skip: 12, seed: 7 });
  });

  it('reject γ outside (0, 1], p outside (0, 1), η outside (0, 1], skip ≥ steps, bad seeds, unknown keys and methods', () => {
    for (const gamma of [0, -0.5, 1.01, Number.NaN]) expect(rejects({ method: 'bdia', gamma }).key).toBe('gamma');
    expect(rejects({ method: 'bdia', gamma: 1.5 }).message).toMatch(/inversion options \(bdia\): "gamma" = 1\.5: must lie in \(0, 1\][\s\S]*0\.92–1/);
    for (const p of [0, 1, 1.2]) expect(rejects({ method: 'edict', p }).message).toMatch(/"p" = [\d.]+: must lie in the open interval \(0, 1\)/);
    expect(rejects({ method: 'ef-ddpm', eta: 0 }).message).toMatch(/"eta" = 0[\s\S]*use DDIM/);
    const skip = rejects({ method: 'ef-ddpm', skip: 20 }, 20);
    expect(skip.key).toBe('skip');
    expect(skip.message).toMatch(/"skip" = 20 must be smaller than the number of steps \(20\)/);
    expect(rejects({ method: 'ef-ddpm', skip: 1.5 }).key).toBe('skip');
    expect(rejects({ method: 'ddcm', seed: -1 }).key).toBe('seed');
    expect(rejects({ method: 'ddcm', seed: 0.5 }).key).toBe('seed');
    expect(rejects({ method: 'ddim', gamma: 1 }).message).toMatch(/unknown option\(s\) "gamma"/);
    // names every registered method, in registry order
    expect(rejects({ method: 'null-text' }).message).toContain(`method must be one of ${INVERSION_METHODS.map((m) => `"${m}"`).join(', ')}`);
    expect(INVERSION_METHODS).toEqual(expect.arrayContaining(['ddim', 'ef-ddpm', 'bdia', 'belm', 'edict', 'ddcm', 'negative-prompt']));
    expect(rejects('bdia').key).toBe('method');
  });

  it('are checked by the method functions, by invert (against the plan) and by sampling overrides', async () => {
    const plan = samplingPlanFromConfig(SD1_SCHEDULER, 6, [4, 2, 2]);
    const model = analyticPredict(plan);
    const z0 = seededLatent(1, 16);
    await expect(invertBdia(plan, model, z0, { gamma: 2 })).rejects.toMatchObject({ code: 'CONFIG_INVALID', key: 'gamma' });
    await expect(invertEfDdpm(plan, model, z0, { skip: 6 })).rejects.toMatchObject({ code: 'CONFIG_INVALID', key: 'skip' });
    const meta = { modelId: 'm', schedulerConfig: SD1_SCHEDULER, prompts: { source: 's' }, conditioning: seededConditioning(1, 4, 1) };
    await expect(invert(plan, model, z0, { method: 'edict', p: 1 }, meta)).rejects.toMatchObject({ code: 'CONFIG_INVALID', key: 'p' });
    await expect(invert(plan, model, z0, { method: 'ddim' }, { ...meta, schedulerConfig: { ...SD1_SCHEDULER, steps_offset: 0 } })).rejects.toMatchObject({ code: 'RUNTIME_INPUT' });
    await expect(invert(plan, model, new Float32Array(5), { method: 'ddim' }, meta)).rejects.toThrow(/z0 must be a Float32Array of 16 values/);

    const bdia = await invert(plan, model, z0, { method: 'bdia' }, meta);
    await expect(sampleBranches(bdia, model, 1, { gamma: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID', key: 'gamma' });
    const [edited] = await sampleBranches(bdia, model, 1, { gamma: 0.92 });
    expect(Array.from(edited!)).not.toEqual(Array.from(z0));
    const edict = await invert(plan, model, z0, { method: 'edict' }, meta);
    await expect(sampleBranches(edict, model, 1, { gamma: 0.95 })).rejects.toThrow(/applies to BDIA only/);
    await expect(sampleBranches(edict, model, 0)).rejects.toThrow(/number of branches must be a positive integer/);
  });
});
