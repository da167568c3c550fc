/**
 * Reconstruction error of every inversion method through real UNet graphs (fp32, CPU): a tiny
 * random UNet and, when the fixtures are present, the reference fixture UNet unet-sd15-tiny.
 * Targets: EF-DDPM ≤ 1e-6, DDCM source branch ≤ 1e-6 (exact), BDIA (γ = 1, 0.96) ≤ 1e-4,
 * EDICT ≤ 1e-3; DDIM and negative-prompt are inexact baselines.
 */
import { describe, expect, it } from 'vitest';
import { fixtureTestName, NO_REFERENCE_FIXTURES } from '../helpers.js';
import type { InversionOptions } from '../../src/inversion/options.js';
import { unetBranchPredictor } from '../../src/inversion/predictor.js';
import { samplingPlanFromConfig } from '../../src/inversion/plan.js';
import { invert, reconstructLatent, sampleBranches } from '../../src/inversion/reconstruct.js';
import type { Inversion } from '../../src/inversion/record.js';
import type { BranchConditioning } from '../../src/inversion/types.js';
import { fixtureUnet, relError, SD1_SCHEDULER, seededConditioning, seededLatent, tinyRandomUnet, type TestUnet } from './helpers.js';

const STEPS = 20;
const models: TestUnet[] = [await tinyRandomUnet()];
const fixture = await fixtureUnet();
if (fixture !== undefined) models.push(fixture);
// Reported as skipped, not silently absent; the random-UNet suite runs either way.
else it.skip(fixtureTestName('every method through the reference fixture UNet unet-sd15-tiny', false, `${NO_REFERENCE_FIXTURES} (unet-sd15-tiny)`), () => undefined);

for (const m of models) {
  describe(m.name, () => {
    const shape = [4, m.size, m.size] as const;
    const plan = samplingPlanFromConfig(SD1_SCHEDULER, STEPS, shape);
    const z0 = seededLatent(7, 4 * m.size * m.size);
    const source = seededConditioning(7, m.unet.contextDim, 3.5);
    const other = seededConditioning(8, m.unet.contextDim, 3.5);

    const run = async (options: InversionOptions, conditioning: BranchConditioning = source, inversionConditioning = conditioning): Promise<{ record: Inversion; z: Float32Array; error: number }> => {
      const record = await invert(plan, m.factory(plan, [inversionConditioning]), z0, options, {
        modelId: m.modelId,
        schedulerConfig: SD1_SCHEDULER,
        prompts: { source: 'random embedding' },
        conditioning,
      });
      const z = await reconstructLatent(record, m.factory);
      return { record, z, error: relError(z, z0) };
    };

    it('EF-DDPM (η = 1, guidance 3.5) reconstructs z0 to ≤ 1e-6', async () => {
      const { record, error } = await run({ method: 'ef-ddpm', seed: 1 });
      expect(error).toBeLessThanOrEqual(1e-6);
      expect(record.latents.method === 'ef-ddpm' && record.latents.noiseMaps.length).toBe(STEPS);
    });

    it('EF-DDPM with skip 5 reconstructs z0 to ≤ 1e-6 from x at step 5', async () => {
      const { record, error } = await run({ method: 'ef-ddpm', seed: 1, skip: 5 });
      expect(error).toBeLessThanOrEqual(1e-6);
      expect(record.latents.method === 'ef-ddpm' && record.latents.noiseMaps.length).toBe(STEPS - 5);
    });

    it('BDIA with γ = 1 and γ = 0.96 reconstructs z0 to ≤ 1e-4', async () => {
      for (const gamma of [1, 0.96]) {
        const { error } = await run({ method: 'bdia', gamma });
        expect(error).toBeLessThanOrEqual(1e-4);
      }
    });

    it('EDICT (p = 0.93) reconstructs z0 to ≤ 1e-3', async () => {
      const { error } = await run({ method: 'edict' });
      expect(error).toBeLessThanOrEqual(1e-3);
    });

    it('DDCM: the source branch is z0 exactly, a target with the source prompt is z0 too, another prompt edits', async () => {
      const { record, error } = await run({ method: 'ddcm', seed: 2 });
      expect(error).toBe(0);
      const [src, same, edited] = await sampleBranches(record, unetBranchPredictor(m.unet, plan, [source, source, other]), 3);
      expect(Array.from(src!)).toEqual(Array.from(z0));
      expect(relError(same!, z0)).toBeLessThanOrEqual(1e-6);
      expect(relError(edited!, z0)).toBeGreaterThan(1e-3);
    });

    it('negative-prompt inversion reconstructs with w = 7.5 exactly as with w = 1 (uncond = source prompt)', async () => {
      const w1 = { cond: source.cond, uncond: source.cond, guidance: 1 };
      const a = await run({ method: 'negative-prompt' }, w1);
      // the caller's unconditional embedding is replaced by the source prompt's in the record
      const b = await run({ method: 'negative-prompt' }, { ...source, guidance: 7.5 }, w1);
      expect(b.record.conditioning.guidance).toBe(7.5);
      expect(Array.from(b.record.conditioning.uncond)).toEqual(Array.from(source.cond));
      expect(Array.from(b.z)).toEqual(Array.from(a.z));
      // with a real unconditional embedding the guidance does change the result
      const c = await run({ method: 'ddim' }, { ...source, guidance: 1 });
      const d = await run({ method: 'ddim' }, { ...source, guidance: 7.5 });
      expect(c.error).not.toBe(d.error);
    });

    it('DDIM inversion is an inexact baseline', async () => {
      const { error } = await run({ method: 'ddim' });
      expect(error).toBeGreaterThan(1e-3);
    });
  });
}

describe('determinism', () => {
  it('the same seed gives identical records; another seed gives other noise', async () => {
    const m = models[0] as TestUnet;
    const plan = samplingPlanFromConfig(SD1_SCHEDULER, 10, [4, m.size, m.size]);
    const z0 = seededLatent(3, 4 * m.size * m.size);
    const conditioning = seededConditioning(3, m.unet.contextDim, 3.5);
    const make = (options: InversionOptions): Promise<Inversion> =>
      invert(plan, m.factory(plan, [conditioning]), z0, options, { modelId: m.modelId, schedulerConfig: SD1_SCHEDULER, prompts: { source: 'x' }, conditioning });
    for (const options of [{ method: 'ef-ddpm', seed: 4 }, { method: 'bdia', gamma: 0.96 }, { method: 'edict' }] as const) {
      expect(await make(options)).toEqual(await make(options));
    }
    const a = await make({ method: 'ef-ddpm', seed: 4 });
    const b = await make({ method: 'ef-ddpm', seed: 5 });
    expect(a.latents.method === 'ef-ddpm' && b.latents.method === 'ef-ddpm' && relError(a.latents.xStart, b.latents.xStart)).toBeGreaterThan(0.1);
  });
});
