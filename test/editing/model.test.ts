import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { maxRelativeError } from '../../src/conformance/compare.js';
import { DiffusionModel } from '../../src/editing/model.js';
import { writeRandomModel } from '../../src/models/random-model.js';
import { Random } from '../../src/util/random.js';
import { tempDir } from '../helpers.js';

describe('diffusers model folder', () => {
  const dir = tempDir();
  const folder = writeRandomModel(path.join(dir, 'model'), { seed: 3 });

  it('loads every component; prompts encode to [77·D]; VAE round trip keeps shapes and applies the scaling factor', async () => {
    const m = await DiffusionModel.load(folder, { cache: false });
    const [a, b] = await m.encodePrompts(['a red circle', 'a blue square']);
    expect(a?.length).toBe(77 * 32);
    expect(maxRelativeError(a as Float32Array, b as Float32Array)).toBeGreaterThan(1e-3);
    const img = { data: new Random(1).uniforms(3 * 32 * 32, -1, 1), dims: [1, 3, 32, 32] };
    const { latent, shape } = await m.encodeImage(img);
    expect(shape).toEqual([4, 16, 16]);
    const { mean } = await m.vae.encode(img);
    expect(latent[5]).toBeCloseTo((mean.data as Float32Array)[5] as number * 0.18215, 6);
    const dec = await m.decodeLatent(latent, shape);
    expect(dec.dims).toEqual([1, 3, 32, 32]);
    expect(m.scheduler('DDIMScheduler').className).toBe('DDIMScheduler');
    expect(m.isLcm).toBe(false);
  });

  it('a folder without model_index.json or with a missing component is named in the error', async () => {
    await expect(DiffusionModel.load(dir, { cache: false })).rejects.toThrow(/no model_index\.json/);
    const broken = path.join(dir, 'broken');
    fs.cpSync(folder, broken, { recursive: true });
    fs.rmSync(path.join(broken, 'vae'), { recursive: true });
    await expect(DiffusionModel.load(broken, { cache: false })).rejects.toThrow(/missing component folder\(s\) vae/);
  });
});
