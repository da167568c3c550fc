/**
 * Exactness properties independent of ONNX: every method against a closed-form ε-model
 * (the scheduler fixtures' dummy model), on a 4×8×8 latent.
 */
import { describe, expect, it } from 'vitest';
import { invertBdia, sampleBdia } from '../../src/inversion/bdia.js';
import { invertDdcm, sampleDdcm } from '../../src/inversion/ddcm.js';
import { invertDdim, sampleDdim } from '../../src/inversion/ddim.js';
import { invertEdict, sampleEdict } from '../../src/inversion/edict.js';
import { invertEfDdpm, sampleEfDdpm } from '../../src/inversion/ef-ddpm.js';
import { samplingPlanFromConfig } from '../../src/inversion/plan.js';
import type { BranchPredict } from '../../src/inversion/types.js';
import { analyticPredict, relError, SD1_SCHEDULER, seededLatent } from './helpers.js';

const plan = samplingPlanFromConfig(SD1_SCHEDULER, 20, [4, 8, 8]);
const z0 = seededLatent(1, 256);
const model = analyticPredict(plan);

/** Records every (t, step) the method asks for. */
function recording(predict: BranchPredict): { predict: BranchPredict; calls: Array<[number, number]> } {
  const calls: Array<[number, number]> = [];
  return {
    calls,
    predict: async (latents, t, step) => {
      calls.push([t, step]);
      return predict(latents, t, step);
    },
  };
}

describe('closed-form model', () => {
  it('DDIM inversion is inexact (ε evaluated at the next timestep with the current latent)', async () => {
    const latents = await invertDdim(plan, model, z0);
    const [z] = await sampleDdim(plan, latents, model, 1);
    const err = relError(z!, z0);
    expect(err).toBeGreaterThan(1e-4);
    expect(err).toBeLessThan(1);
  });

  it('BDIA with γ = 1 and γ = 0.96 reconstructs z0 (float64 state: bit for bit here)', async () => {
    for (const gamma of [1, 0.96]) {
      const latents = await invertBdia(plan, model, z0, { gamma });
      const [z] = await sampleBdia(plan, latents, model, 1, { gamma });
      expect(relError(z!, z0)).toBeLessThanOrEqual(1e-12);
    }
  });

  it('BDIA sampled with another γ than the inversion is no longer a reconstruction', async () => {
    const latents = await invertBdia(plan, model, z0, { gamma: 1 });
    const [z] = await sampleBdia(plan, latents, model, 1, { gamma: 0.92 });
    expect(relError(z!, z0)).toBeGreaterThan(1e-3);
  });

  it('EDICT reconstructs z0 with p = 0.93 and p = 0.8, with two model calls per step at the same step index', async () => {
    for (const p of [0.93, 0.8]) {
      const inv = recording(model);
      const latents = await invertEdict(plan, inv.predict, z0, { p });
      const smp = recording(model);
      const [x] = await sampleEdict(plan, latents, smp.predict, 1, { p });
      expect(relError(x!, z0)).toBeLessThanOrEqual(1e-12);
      expect(smp.calls).toHaveLength(40);
      expect(inv.calls).toHaveLength(40);
      for (let k = 0; k < 20; k++) {
        expect(smp.calls[2 * k]).toEqual([plan.timesteps[k], k]);
        expect(smp.calls[2 * k + 1]).toEqual([plan.timesteps[k], k]);
      }
      // inversion visits the same (timestep, step) pairs, least noisy first
      expect(inv.calls).toEqual([...smp.calls].reverse());
    }
  });

  it('EDICT with mismatched p does not reconstruct (the mixing matters)', async () => {
    const latents = await invertEdict(plan, model, z0, { p: 0.93 });
    const [x] = await sampleEdict(plan, latents, model, 1, { p: 0.9 });
    expect(relError(x!, z0)).toBeGreaterThan(1e-4);
  });

  it('EF-DDPM reconstructs z0 to float32 rounding, with and without skip, and keeps the last noise map', async () => {
    for (const skip of [0, 7]) {
      const latents = await invertEfDdpm(plan, model, z0, { seed: 3, skip });
      expect(latents.noiseMaps).toHaveLength(20 - skip);
      const last = latents.noiseMaps[latents.noiseMaps.length - 1]!;
      expect(last.some((v) => v !== 0)).toBe(true);
      const [z] = await sampleEfDdpm(plan, latents, model, 1);
      expect(relError(z!, z0)).toBeLessThanOrEqual(1e-6);
    }
  });

  it('EF-DDPM stays exact with set_alpha_to_one (the last step ends at ā(0), not at ā = 1)', async () => {
    const p1 = samplingPlanFromConfig({ ...SD1_SCHEDULER, set_alpha_to_one: true }, 10, [4, 8, 8]);
    const m = analyticPredict(p1);
    const latents = await invertEfDdpm(p1, m, z0, { eta: 0.7 });
    const [z] = await sampleEfDdpm(p1, latents, m, 1, { eta: 0.7 });
    expect(relError(z!, z0)).toBeLessThanOrEqual(1e-6);
    // sampling with another η than the inversion's does not reconstruct
    const [w] = await sampleEfDdpm(p1, latents, m, 1, { eta: 1 });
    expect(relError(w!, z0)).toBeGreaterThan(1e-4);
  });

  it('DDCM returns z0 exactly on the source branch and on a target with the same conditioning; another target differs', async () => {
    const latents = await invertDdcm(plan, model, z0, { seed: 5 });
    const [src, same, other] = await sampleDdcm(plan, latents, analyticPredict(plan, [0, 0, 0.2]), 3);
    expect(Array.from(src!)).toEqual(Array.from(z0));
    expect(Array.from(same!)).toEqual(Array.from(z0));
    expect(relError(other!, z0)).toBeGreaterThan(1e-3);
  });

  it('sampling several branches with identical conditioning gives the 1-branch result on every branch', async () => {
    const latents = await invertBdia(plan, model, z0, { gamma: 0.96 });
    const outs = await sampleBdia(plan, latents, model, 3, { gamma: 0.96 });
    for (const o of outs) expect(Array.from(o)).toEqual(Array.from(z0));
  });
});
