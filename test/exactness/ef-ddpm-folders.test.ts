import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/editing/pipeline.js';
import { tempDir } from '../helpers.js';
import { equalSamples, FOLDER_KINDS, maxRelDiff, TEST_IMAGE, writeFolder } from './folders.js';

const STEPS = 3;

describe('EF-DDPM reconstruction is bit-identical on every folder kind', () => {
  const dir = tempDir();
  FOLDER_KINDS.forEach((kind, i) => {
    it(kind.name, async () => {
      const pipe = await Pipeline.load(writeFolder(dir, kind, 20 + i), { cache: false });
      const inv = await pipe.invert(TEST_IMAGE, { prompt: 'a red circle', method: 'ef-ddpm', steps: STEPS, guidance: 1 });
      const back = await pipe.reconstruct(inv);
      // z0 up to float32 roundings (before the t = 0 fix, linspace folders were off by ~80 %)
      expect(maxRelDiff(back.latent, inv.z0)).toBeLessThan(1e-5);
      expect(equalSamples(back.image.data, TEST_IMAGE.data)).toBe(TEST_IMAGE.data.length);
      if (kind.name.startsWith('linspace')) expect(inv.schedule.timesteps.at(-1)).toBe(0);
    });
  });
});
