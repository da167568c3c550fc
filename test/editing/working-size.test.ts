import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SD15_UNET, SD15_VAE } from '../../src/bench/sd15.js';
import { checkMemory, estimatePeakBytes, type MemoryProfile } from '../../src/editing/memory-estimate.js';
import { Pipeline } from '../../src/editing/pipeline.js';
import { unetMultiple, workingGeometry, workingSizeLine } from '../../src/editing/working-size.js';
import { RepriseError } from '../../src/errors.js';
import type { RasterImage } from '../../src/io/image/types.js';
import { writeRandomModel } from '../../src/models/random-model.js';
import { Random } from '../../src/util/random.js';
import { tempDir } from '../helpers.js';

const sd15 = { nativeSize: 512, vaeScaleFactor: 8, unet: { config: SD15_UNET } };
const sd21 = { nativeSize: 768, vaeScaleFactor: 8, unet: { config: { ...SD15_UNET, sample_size: 96 } } };
/** SD 1.5: UNet 859.5 M + VAE 83.7 M + CLIP ViT-L 123.1 M parameters. */
const sd15Profile: MemoryProfile = { parameters: 1_066_235_307, unetConfig: SD15_UNET, vaeConfig: SD15_VAE, vaeScaleFactor: 8, multiple: 64, dtype: 'fp32', attentionLowering: 'reference' };
const GB = 2 ** 30;

describe('working resolution', () => {
  it('SD 1.5 works at 512 (long side), aspect kept, sides multiples of 64; SD 2.1 at 768; --size and --native override', () => {
    expect(unetMultiple(sd15)).toBe(64);
    const phone = workingGeometry(sd15, 3024, 4032, { policy: 'fit' });
    expect([phone.modelWidth, phone.modelHeight]).toEqual([384, 512]);
    expect(workingSizeLine({ width: 3024, height: 4032 }, [4, 64, 48], 8)).toBe('3024×4032 → 384×512 for inversion');
    const wide = workingGeometry(sd21, 4000, 2250, { policy: 'fit' });
    expect([wide.modelWidth, wide.modelHeight]).toEqual([768, 448]); // 432 rounds to 448
    const sized = workingGeometry(sd15, 3024, 4032, { policy: 'fit', size: 768 });
    expect([sized.modelWidth, sized.modelHeight]).toEqual([576, 768]);
    const native = workingGeometry(sd15, 1000, 750, { policy: 'fit', size: 'input' });
    expect([native.modelWidth, native.modelHeight]).toEqual([1024, 768]);
    expect(workingSizeLine({ width: 1024, height: 768 }, [4, 96, 128], 8)).toBe('1024×768 → 1024×768 for inversion (the input size)');
  });

  it('the estimate grows with size and batch, is near the measured SD 1.5 inversion at 512², and fp16 halves the weights', () => {
    const at512 = estimatePeakBytes(sd15Profile, 64, 64, 2);
    expect(at512 / GB).toBeGreaterThan(8);
    expect(at512 / GB).toBeLessThan(13); // measured 10.8 GB peak RSS (issue 17)
    expect(estimatePeakBytes(sd15Profile, 64, 64, 4)).toBeGreaterThan(at512);
    expect(estimatePeakBytes(sd15Profile, 48, 64, 2)).toBeLessThan(at512);
    const fp16 = estimatePeakBytes({ ...sd15Profile, dtype: 'fp16' }, 64, 64, 2);
    expect(fp16).toBeLessThan(at512 - sd15Profile.parameters * 2);
  });

  afterEach(() => {
    delete process.env.REPRISE_MEMORY_LIMIT_MB;
  });

  it('refuses before starting a size that cannot fit and names the largest that can', () => {
    process.env.REPRISE_MEMORY_LIMIT_MB = '24000';
    // A phone photo at its own size on SD 1.5: 378×504 latent cells.
    const err = (() => {
      try {
        checkMemory(sd15Profile, 504, 378, 2, 'Inversion');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(RepriseError);
    expect((err as RepriseError).code).toBe('RUNTIME_INPUT');
    expect((err as RepriseError).message).toMatch(/^Inversion at 3024×4032 needs about \d+(\.\d)? GB of memory; this machine allows 23\.4 GB/);
    const side = Number(/--size (\d+)/.exec((err as RepriseError).hint ?? '')?.[1]);
    expect(side % 64).toBe(0);
    const latent = (s: number): [number, number] => [Math.round((504 * s) / 504 / 8 / 8) * 8, Math.round((378 * s) / 504 / 8 / 8) * 8];
    const [h, w] = latent(side);
    expect(checkMemory(sd15Profile, h, w, 2, 'Inversion').estimateBytes).toBeLessThanOrEqual(24000 * 2 ** 20);
    const [h2, w2] = latent(side + 64);
    expect(() => checkMemory(sd15Profile, h2, w2, 2, 'Inversion')).toThrow(/needs about/);
    process.env.REPRISE_MEMORY_LIMIT_MB = '1000';
    expect(() => checkMemory(sd15Profile, 64, 64, 2, 'Inversion')).toThrow(/No size fits this model/);
    process.env.REPRISE_MEMORY_LIMIT_MB = 'lots';
    expect(() => checkMemory(sd15Profile, 64, 64, 2, 'Inversion')).toThrow(/REPRISE_MEMORY_LIMIT_MB must be a positive number/);
  });

  it('a large input is inverted at the working size and reconstructed bit for bit at its own size; --native keeps its size', async () => {
    const folder = writeRandomModel(path.join(tempDir(), 'model'), { seed: 9 }); // native 16 (8 × VAE 2), multiple 4
    const pipe = await Pipeline.load(folder, { cache: false });
    const rnd = new Random(4);
    const image: RasterImage = { width: 48, height: 36, channels: 3, bitDepth: 8, data: Uint8Array.from({ length: 48 * 36 * 3 }, () => Math.floor(rnd.uniform() * 256)) };
    const inv = await pipe.invert(image, { prompt: 'a red circle', method: 'ef-ddpm', steps: 2 });
    expect(inv.latentShape).toEqual([4, 6, 8]); // 16×12 pixels
    const { image: back } = await pipe.reconstruct(inv);
    expect([back.width, back.height]).toEqual([48, 36]);
    expect(Buffer.from(back.data as Uint8Array).equals(Buffer.from(image.data as Uint8Array))).toBe(true);
    const native = await pipe.invert(image, { prompt: 'a red circle', method: 'ddim', steps: 1, resize: { size: 'input' } });
    expect(native.latentShape).toEqual([4, 18, 24]);
    process.env.REPRISE_MEMORY_LIMIT_MB = '1';
    await expect(pipe.invert(image, { prompt: 'a red circle', method: 'ddim', steps: 1 })).rejects.toThrow(/Inversion at 16×12 needs about/);
  });
});
