import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/editing/pipeline.js';
import { loadInversion, saveInversion } from '../../src/inversion/record.js';
import { tempDir } from '../helpers.js';
import { equalSamples, FOLDER_KINDS, maxRelDiff, TEST_IMAGE, writeFolder } from './folders.js';

const LCM = FOLDER_KINDS.find((k) => k.name === 'LCM');

describe('LCM records keep the guidance of the time-conditioning embedding', async () => {
  const dir = tempDir();
  const pipe = await Pipeline.load(writeFolder(dir, LCM!, 31), { cache: false });

  for (const guidance of [1, 3.5]) {
    it(`guidance ${guidance}: stored as embeddedGuidance (CFG 1), saved and loaded; reconstruction and the edit's source branch are exact`, async () => {
      const inv = await pipe.invert(TEST_IMAGE, { prompt: 'a red circle', method: 'ef-ddpm', steps: 3, guidance });
      expect(inv.conditioning.guidance).toBe(1);
      expect(inv.embeddedGuidance).toBe(guidance);
      const file = path.join(dir, `lcm-${guidance}.inv.safetensors`);
      saveInversion(file, inv);
      const loaded = loadInversion(file);
      expect(loaded.embeddedGuidance).toBe(guidance);
      const back = await pipe.reconstruct(loaded);
      expect(maxRelDiff(back.latent, inv.z0)).toBeLessThan(1e-5);
      expect(equalSamples(back.image.data, TEST_IMAGE.data)).toBe(TEST_IMAGE.data.length);
      const e = await pipe.edit(loaded, { prompt: 'a blue circle', attention: { mutual: {} } });
      expect(equalSamples(e.source.data, TEST_IMAGE.data)).toBe(TEST_IMAGE.data.length);
    });
  }

  it('a record whose embedding guidance is changed reconstructs another latent (the field is used)', async () => {
    const inv = await pipe.invert(TEST_IMAGE, { prompt: 'a red circle', method: 'ef-ddpm', steps: 3, guidance: 3.5 });
    const back = await pipe.reconstruct({ ...inv, embeddedGuidance: 1 });
    expect(maxRelDiff(back.latent, inv.z0)).toBeGreaterThan(1e-4);
  });
});
