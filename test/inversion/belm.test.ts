/**
 * O-BELM (`belm`): the step's coefficients against hand-computed values and its order
 * conditions; exact reconstruction with a closed-form model and through real UNet graphs
 * (≤ 1e-4 relative, fp32 CPU); bit-identical pixels with the residual, generation with an exact
 * record, and edits with every attention control through the Pipeline.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/editing/pipeline.js';
import type { RasterImage } from '../../src/io/image/types.js';
import { invertBelm, sampleBelm, belmMethod } from '../../src/inversion/belm.js';
import { belmCoefficients, belmLevels, sigmaBar } from '../../src/inversion/belm-step.js';
import { inversionLevels } from '../../src/inversion/common.js';
import { sampleDdim } from '../../src/inversion/ddim.js';
import { samplingPlanFromConfig } from '../../src/inversion/plan.js';
import { invert, reconstructLatent } from '../../src/inversion/reconstruct.js';
import { loadInversion, saveInversion } from '../../src/inversion/record.js';
import { GENERATION_METHODS, getInversionMethod } from '../../src/inversion/registry.js';
import { ATTENTION_CONTROLS } from '../../src/inversion/spec.js';
import type { BranchPredict } from '../../src/inversion/types.js';
import { writeRandomModel } from '../../src/models/random-model.js';
import { Random } from '../../src/util/random.js';
import { fixtureTestName, NO_REFERENCE_FIXTURES, tempDir } from '../helpers.js';
import { analyticPredict, fixtureUnet, relError, SD1_SCHEDULER, seededConditioning, seededLatent, tinyRandomUnet, type TestUnet } from './helpers.js';

/** ā of a level with σ̄ = s. */
const level = (s: number): number => 1 / (1 + s * s);

describe('O-BELM coefficients', () => {
  it('equal the paper\'s on a hand-computed case (σ̄ = 1, 2, 4: h_i = 1, h_{i+1} = 2)', () => {
    const c = belmCoefficients(level(1), level(2), level(4), 100);
    // a_{i,2} = h_i²/h_{i+1}² = 1/4, a_{i,1} = 3/4, b_{i,1} h_i = −h_i (h_i + h_{i+1})/h_{i+1} = −3/2;
    // α = 1/√(1 + σ̄²): α_{i−1} = 1/√2, α_i = 1/√5, α_{i+1} = 1/√17.
    expect(c.ratio).toBeCloseTo(0.25, 14);
    expect(c.noisier).toBeCloseTo(0.25 * Math.sqrt(17 / 2), 14);
    expect(c.current).toBeCloseTo(0.75 * Math.sqrt(5 / 2), 14);
    expect(c.eps).toBeCloseTo(-1.5 / Math.sqrt(2), 14);
  });

  it('are second order: exact for x̄ quadratic in σ̄ with ε = dx̄/dσ̄ (uncapped), first order when capped', () => {
    const s = [0.3, 0.7, 1.6] as const; // h_i = 0.4, h_{i+1} = 0.9
    const xbar = (v: number): number => 0.5 - 1.2 * v + 0.8 * v * v;
    const dxbar = (v: number): number => -1.2 + 1.6 * v;
    const x = s.map((v) => xbar(v) * Math.sqrt(level(v)));
    const c = belmCoefficients(level(s[0]), level(s[1]), level(s[2]), 100);
    expect(c.noisier * x[2]! + c.current * x[1]! + c.eps * dxbar(s[1])).toBeCloseTo(x[0]!, 12);
    // steps that shrink (h_i = 0.9 > h_{i+1} = 0.4): the cap binds; linear x̄ is still exact, quadratic no longer
    const t = [0.3, 1.2, 1.6] as const;
    const capped = belmCoefficients(level(t[0]), level(t[1]), level(t[2]), 1);
    expect(capped.ratio).toBeCloseTo(0.81 / 0.16, 12);
    const lin = (v: number): number => (0.5 - 1.2 * v) * Math.sqrt(level(v));
    expect(capped.noisier * lin(t[2]) + capped.current * lin(t[1]) + capped.eps * -1.2).toBeCloseTo(lin(t[0]), 12);
    const q = t.map((v) => xbar(v) * Math.sqrt(level(v)));
    expect(Math.abs(capped.noisier * q[2]! + capped.current * q[1]! + capped.eps * dxbar(t[1]) - q[0]!)).toBeGreaterThan(1e-3);
    const paper = belmCoefficients(level(t[0]), level(t[1]), level(t[2]), 100);
    expect(paper.noisier * q[2]! + paper.current * q[1]! + paper.eps * dxbar(t[1])).toBeCloseTo(q[0]!, 12);
  });

  it('equal steps in σ̄ give the symmetric two-step relation x̄_{i−1} = x̄_{i+1} − 2h ε', () => {
    const c = belmCoefficients(level(1), level(1.5), level(2), 1);
    const a = [1, 1.5, 2].map((v) => Math.sqrt(level(v)));
    expect(c.noisier).toBeCloseTo(a[0]! / a[2]!, 14);
    expect(c.current).toBeCloseTo(0, 14);
    expect(c.eps).toBeCloseTo(-1 * a[0]!, 14);
  });

  it('refuses levels that do not decrease', () => {
    expect(() => belmCoefficients(level(1), level(1), level(2))).toThrow(/strictly decreasing/);
    expect(() => belmCoefficients(0.5, 0.2, 0)).toThrow(/strictly decreasing/);
  });

  it('a zero-length last step (t = 0 without set_alpha_to_one) ends at ā = 1; other schedules keep their final ā', () => {
    const lin = samplingPlanFromConfig({ ...SD1_SCHEDULER, timestep_spacing: 'linspace' }, 10, [4, 2, 2]);
    const levels = inversionLevels(lin);
    expect(lin.timesteps.at(-1)).toBe(0);
    expect(levels.alphaBars[0]).toBe(levels.alphaBars[1]);
    expect(belmLevels(levels).alphaBars[0]).toBe(1);
    expect(sigmaBar(belmLevels(levels).alphaBars[0]!)).toBe(0);
    const lead = inversionLevels(samplingPlanFromConfig(SD1_SCHEDULER, 10, [4, 2, 2]));
    expect(belmLevels(lead)).toEqual(lead);
  });
});

describe('O-BELM with the closed-form model', () => {
  const z0 = seededLatent(1, 256);

  it('reconstructs z0 (float64 state: to 1e-12) with the cap and as the paper, on leading, trailing and linspace grids, 1 to 20 steps', async () => {
    for (const spacing of ['leading', 'trailing', 'linspace'] as const) {
      for (const steps of [1, 2, 3, 20]) {
        const plan = samplingPlanFromConfig({ ...SD1_SCHEDULER, timestep_spacing: spacing }, steps, [4, 8, 8]);
        const model = analyticPredict(plan);
        for (const maxRatio of [1, 100]) {
          const latents = await invertBelm(plan, model, z0, { maxRatio });
          const [z] = await sampleBelm(plan, latents, model, 1, { maxRatio });
          expect(relError(z!, z0), `${spacing} ${steps} steps, maxRatio ${maxRatio}`).toBeLessThanOrEqual(1e-12);
          if (steps > 1) expect(relError(Float32Array.from(latents.zN), z0)).toBeGreaterThan(0.1);
        }
      }
    }
  });

  it('sampling with another cap than the inversion is no longer a reconstruction (the cap binds on the last steps)', async () => {
    const plan = samplingPlanFromConfig(SD1_SCHEDULER, 20, [4, 8, 8]);
    const model = analyticPredict(plan);
    const latents = await invertBelm(plan, model, z0, { maxRatio: 1 });
    const [z] = await sampleBelm(plan, latents, model, 1, { maxRatio: 100 });
    expect(relError(z!, z0)).toBeGreaterThan(1e-4);
  });

  it('inverts with N model calls and samples with N − 1, at the same (timestep, step) pairs in reverse', async () => {
    const plan = samplingPlanFromConfig(SD1_SCHEDULER, 6, [4, 8, 8]);
    const calls: Array<[string, number, number]> = [];
    const spy = (tag: string): BranchPredict => async (latents, t, step) => {
      calls.push([tag, t, step]);
      return analyticPredict(plan)(latents, t, step);
    };
    const latents = await invertBelm(plan, spy('invert'), z0);
    await sampleBelm(plan, latents, spy('sample'), 1);
    const inv = calls.filter((c) => c[0] === 'invert').map((c) => [c[1], c[2]]);
    const smp = calls.filter((c) => c[0] === 'sample').map((c) => [c[1], c[2]]);
    expect(inv).toHaveLength(6);
    expect(smp).toEqual(plan.timesteps.slice(1).map((t, k) => [t, k + 1]));
    // the first inversion call is the DDIM step from z0 (at τ_1); the rest are the relations' ε(x_i)
    expect(inv.slice(1)).toEqual([...smp].reverse());
  });

  it('generation starts with a DDIM step: with one step it is DDIM sampling', async () => {
    const plan = samplingPlanFromConfig(SD1_SCHEDULER, 1, [4, 8, 8]);
    const model = analyticPredict(plan);
    const start = seededLatent(4, 256);
    const latents = await belmMethod.generate!({ plan, predict: model, start, rng: new Random(1) });
    const [belm] = await sampleBelm(plan, latents, model, 1);
    const [ddim] = await sampleDdim(plan, { zT: start }, model, 1);
    expect(Array.from(belm!)).toEqual(Array.from(ddim!));
    expect(GENERATION_METHODS).toContain('belm');
  });
});

const models: TestUnet[] = [await tinyRandomUnet()];
const fixture = await fixtureUnet();
if (fixture !== undefined) models.push(fixture);
else it.skip(fixtureTestName('O-BELM through the reference fixture UNet unet-sd15-tiny', false, `${NO_REFERENCE_FIXTURES} (unet-sd15-tiny)`), () => undefined);

for (const m of models) {
  describe(`O-BELM through ${m.name}`, () => {
    it('reconstructs z0 to ≤ 1e-4 (fp32) with guidance 3.5, capped and as the paper, 20 and 7 steps; the record round-trips', async () => {
      const z0 = seededLatent(7, 4 * m.size * m.size);
      const conditioning = seededConditioning(7, m.unet.contextDim, 3.5);
      for (const [steps, maxRatio] of [[20, 1], [20, 100], [7, 1]] as const) {
        const plan = samplingPlanFromConfig(SD1_SCHEDULER, steps, [4, m.size, m.size]);
        const record = await invert(plan, m.factory(plan, [conditioning]), z0, { method: 'belm', maxRatio }, { modelId: m.modelId, schedulerConfig: SD1_SCHEDULER, prompts: { source: 'random embedding' }, conditioning });
        const z = await reconstructLatent(record, m.factory);
        expect(relError(z, z0), `${steps} steps, maxRatio ${maxRatio}`).toBeLessThanOrEqual(1e-4);
        const file = path.join(tempDir(), 'belm.safetensors');
        saveInversion(file, record);
        const loaded = loadInversion(file, { modelId: m.modelId, schedule: { config: SD1_SCHEDULER, steps } });
        expect(loaded.options).toEqual({ method: 'belm', maxRatio });
        expect(Array.from(await reconstructLatent(loaded, m.factory))).toEqual(Array.from(z));
      }
    });
  });
}

/** An 8-bit RGB picture with a square, odd size. */
function picture(width: number, height: number): RasterImage {
  const data = new Uint8Array(width * height * 3);
  const rng = new Random(5);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inSquare = x > width / 3 && x < (2 * width) / 3 && y > height / 3 && y < (2 * height) / 3;
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.min(255, Math.round((inSquare ? 200 : (x * 255) / width) * (1 - c * 0.2) + rng.uniform() * 10));
    }
  }
  return { width, height, channels: 3, bitDepth: 8, data };
}

const same = (a: RasterImage, b: RasterImage): boolean => a.width === b.width && a.height === b.height && Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)) === 0;

describe('O-BELM through the Pipeline', async () => {
  const folder = writeRandomModel(path.join(tempDir(), 'model'), { seed: 11 });
  const pipe = await Pipeline.load(folder, { cache: false });
  const image = picture(45, 37);
  const source = 'a red square on a blue background';
  const inv = await pipe.invert(image, { prompt: source, method: 'belm', steps: 5 });

  it('invert → reconstruct returns the input pixels bit for bit (residual), also at another size and step count', async () => {
    expect(inv.method).toBe('belm');
    expect(same((await pipe.reconstruct(inv)).image, image)).toBe(true);
    const small = picture(17, 23);
    const other = await pipe.invert(small, { prompt: source, method: 'belm', steps: 3, maxRatio: 100 });
    expect(other.options).toEqual({ method: 'belm', maxRatio: 100 });
    expect(same((await pipe.reconstruct(other)).image, small)).toBe(true);
  });

  it('generate with method belm: the record is exact by construction (z0 regenerated bit for bit, the same image)', async () => {
    const g = await pipe.generate('a red circle', { seed: 3, steps: 5, width: 32, height: 32, method: 'belm' });
    expect(g.inversion.method).toBe('belm');
    expect(g.solver).toBe('belm');
    const r = await pipe.reconstruct(g.inversion);
    expect(same(r.image, g.image)).toBe(true);
    const ddim = await pipe.generate('a red circle', { seed: 3, steps: 5, width: 32, height: 32, method: 'ddim' });
    expect(same(ddim.image, g.image)).toBe(false);
  });

  it('edits with every attention control the spec lists: targets change, the source branch stays the input', async () => {
    expect(getInversionMethod('belm').attention).toEqual(ATTENTION_CONTROLS);
    const edits = {
      replace: { prompt: 'a green square on a blue background', attention: { edit: 'replace' } },
      refine: { prompt: 'a red square and a green star on a blue background', attention: { edit: 'refine' } },
      reweight: { prompt: source, attention: { reweight: { red: 3 } } },
      'local-blend': { prompt: 'a green square on a blue background', attention: { localBlend: { words: ['red', 'green'], start: 0 } } },
      mutual: { prompt: 'a green circle on a blue background', attention: { edit: 'none', mutual: {} } },
    } as const;
    expect(Object.keys(edits).sort()).toEqual([...ATTENTION_CONTROLS].sort());
    for (const [control, options] of Object.entries(edits)) {
      const r = await pipe.edit(inv, options as never);
      expect(same(r.source, image), control).toBe(true);
      expect(same(r.images[0] as RasterImage, image), control).toBe(false);
      if (control === 'local-blend') expect(r.masks?.[1]?.length, control).toBe(inv.latentShape[1] * inv.latentShape[2]);
    }
  });
});
