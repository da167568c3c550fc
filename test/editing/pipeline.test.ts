import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/editing/pipeline.js';
import type { RasterImage } from '../../src/io/image/types.js';
import { loadInversion, saveInversion } from '../../src/inversion/record.js';
import { writeRandomModel } from '../../src/models/random-model.js';
import { Random } from '../../src/util/random.js';
import { tempDir } from '../helpers.js';

/** A 8-bit RGB test picture with structure (gradients and a square), odd size on purpose. */
function picture(width: number, height: number, channels: 1 | 3 | 4 = 3): RasterImage {
  const data = new Uint8Array(width * height * channels);
  const rng = new Random(5);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const inSquare = x > width / 3 && x < (2 * width) / 3 && y > height / 3 && y < (2 * height) / 3;
        data[(y * width + x) * channels + c] = c === 3 ? 255 - ((x * 3) % 50) : Math.min(255, Math.round((inSquare ? 200 : (x * 255) / width) * (1 - c * 0.2) + rng.uniform() * 10));
      }
    }
  }
  return { width, height, channels, bitDepth: 8, data };
}

const same = (a: RasterImage, b: RasterImage) => a.width === b.width && a.height === b.height && a.channels === b.channels && Buffer.compare(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength), Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)) === 0;

describe('Pipeline on a generated diffusers folder', async () => {
  const dir = tempDir();
  const folder = writeRandomModel(path.join(dir, 'model'), { seed: 11 });
  const pipe = await Pipeline.load(folder, { cache: false });
  const image = picture(45, 37);

  for (const method of ['ef-ddpm', 'bdia', 'edict', 'ddcm'] as const) {
    it(`${method}: invert → reconstruct returns the input pixels bit for bit (several sizes and step counts)`, async () => {
      for (const [img, steps] of [[image, 6], [picture(40, 30), 4], [picture(40, 30), 5], [picture(17, 23), 3]] as const) {
        const inv = await pipe.invert(img, { prompt: 'a red square', method, steps });
        const { image: back } = await pipe.reconstruct(inv);
        expect(same(back, img), `${img.width}×${img.height}, ${steps} steps`).toBe(true);
      }
    });
  }

  it('records save and load; the loaded record reconstructs bit-identically (RGBA input too)', async () => {
    const rgba = picture(30, 20, 4);
    const inv = await pipe.invert(rgba, { prompt: 'a blue circle', method: 'ef-ddpm', steps: 5 });
    const file = path.join(dir, 'inv.safetensors');
    saveInversion(file, inv);
    const loaded = loadInversion(file, { modelId: pipe.modelId() });
    expect(same((await pipe.reconstruct(loaded)).image, rgba)).toBe(true);
  });

  it('edit: targets change the picture; local blend keeps every pixel outside the mask identical to the input', async () => {
    const inv = await pipe.invert(image, { prompt: 'a red square on a blue background', method: 'ef-ddpm', steps: 6 });
    const progress: number[] = [];
    const free = await pipe.edit(inv, { prompt: ['a green square on a blue background', 'a red circle on a blue background'], onProgress: (p) => p.phase === 'edit' && progress.push(p.step) });
    expect(free.images).toHaveLength(2);
    expect(free.images[0]?.width).toBe(45);
    expect(same(free.images[0] as RasterImage, image)).toBe(false);
    expect(progress.at(-1)).toBe(6);
    expect(same(free.source, image)).toBe(true); // the source branch reconstructs exactly
    // a user mask (white = edit) on the left half of the picture replaces the attention mask
    const maskImage: RasterImage = { width: 45, height: 37, channels: 1, bitDepth: 8, data: new Uint8Array(45 * 37).map((_, i) => (i % 45 < 22 ? 255 : 0)) };
    const blended = await pipe.edit(inv, { prompt: 'a green square on a blue background', attention: { localBlend: { words: ['red', 'green'], start: 0 } }, mask: { image: maskImage } });
    const mask = blended.masks?.[1] as Float32Array;
    expect(mask.some((v) => v === 0)).toBe(true);
    expect(mask.some((v) => v === 1)).toBe(true);
    expect(same(blended.images[0] as RasterImage, image)).toBe(false);
    // pixels of latent cells outside the mask (and away from its border) equal the input
    const out = blended.images[0] as RasterImage;
    const [, h, w] = inv.latentShape;
    let checked = 0;
    for (let y = 0; y < out.height; y++) {
      for (let x = 0; x < out.width; x++) {
        const ly = Math.min(h - 1, Math.floor((y * h) / out.height));
        const lx = Math.min(w - 1, Math.floor((x * w) / out.width));
        if (mask[ly * w + lx] !== 0) continue;
        const nb = [[-1, 0], [1, 0], [0, -1], [0, 1]].every(([dy, dx]) => mask[Math.min(h - 1, Math.max(0, ly + (dy as number))) * w + Math.min(w - 1, Math.max(0, lx + (dx as number)))] === 0);
        if (!nb) continue;
        for (let c = 0; c < 3; c++) expect(out.data[(y * out.width + x) * 3 + c]).toBe(image.data[(y * image.width + x) * 3 + c]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('generate: the record is exact by construction (reconstruct = the generated image) for each sampler and another scheduler', async () => {
    for (const o of [{ method: 'ddim' as const }, { method: 'ef-ddpm' as const }, { method: 'bdia' as const }, { scheduler: 'DPMSolverMultistepScheduler' as const }]) {
      const g = await pipe.generate('a red circle', { seed: 3, steps: 5, width: 32, height: 32, ...o });
      const r = await pipe.reconstruct(g.inversion);
      expect(same(r.image, g.image), JSON.stringify(o)).toBe(true);
    }
  });

  it('attentionMaps: one heatmap per prompt token and a grid', async () => {
    const inv = await pipe.invert(image, { prompt: 'a red square', method: 'ddcm', steps: 4 });
    const maps = await pipe.attentionMaps(inv);
    expect(maps.tokens.map((t) => t.token)).toEqual(['a', 'red', 'square']);
    expect(maps.tokens[0]?.overlay.width).toBe(45);
    expect(maps.grid.width).toBeGreaterThan(45);
  });

  it('bad options and foreign records are clear errors', async () => {
    await expect(pipe.invert(image, { method: 'nope' as never })).rejects.toThrow(/Invalid invert options[\s\S]*method/);
    const inv = await pipe.invert(image, { prompt: 'a cat', steps: 3 });
    await expect(pipe.edit(inv, { prompt: 'a dog', attention: { crossReplace: 2 } })).rejects.toThrow(/attention\.crossReplace/);
    await expect(pipe.reconstruct({ ...inv, modelId: 'other' })).rejects.toThrow(/another model/);
    await expect(pipe.edit(inv, { prompt: 'a big dog', attention: { edit: 'replace' } })).rejects.toThrow(/refine/);
  });
});
