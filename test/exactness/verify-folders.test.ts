import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/editing/pipeline.js';
import { decodeToImage } from '../../src/editing/pixels.js';
import { checkReconstruction } from '../../src/editing/record-check.js';
import { loadInversion, saveInversion, type Inversion } from '../../src/inversion/record.js';
import { tempDir } from '../helpers.js';
import { FOLDER_KINDS, TEST_IMAGE, writeFolder } from './folders.js';

/** The reconstruct verification, record-field validation and model-id refusal of the CLI, in-process, on every folder kind. */
describe('reconstruct verifies, record fields are validated and other models are refused on every folder kind', async () => {
  const dir = tempDir();
  const pipes = await Promise.all(FOLDER_KINDS.map((kind, i) => Pipeline.load(writeFolder(dir, kind, 60 + i), { cache: false })));
  // every kind with guidance 1, and LCM also with guidance 3.5 (kept in the record as the embedding's guidance)
  const cases = [...FOLDER_KINDS.map((kind, k) => ({ name: kind.name, k, guidance: 1 })), { name: 'LCM, guidance 3.5', k: FOLDER_KINDS.findIndex((f) => f.name === 'LCM'), guidance: 3.5 }];
  const records = await Promise.all(cases.map(async ({ k, guidance }, i) => {
    const file = path.join(dir, `${i}.inv.safetensors`);
    saveInversion(file, await pipes[k]!.invert(TEST_IMAGE, { prompt: 'a red circle', method: 'ef-ddpm', steps: 2, guidance }));
    return loadInversion(file); // through the file, as the CLI reads it
  }));
  const samples = TEST_IMAGE.data.length;

  const check = async (pipe: Pipeline, record: Inversion) =>
    checkReconstruction(record, await pipe.reconstruct(record), await decodeToImage(pipe.model, record.z0, record.latentShape, record.pixels));

  const tampered: [string, (r: Inversion) => Inversion, RegExp][] = [
    ['short conditioning', (r) => ({ ...r, conditioning: { ...r.conditioning, cond: r.conditioning.cond.slice(0, 32), uncond: r.conditioning.uncond.slice(0, 32) } }), /conditioning holds 32 values/],
    ['a huge pixel-transform model size', (r) => {
      const t = r.pixels?.transform as { geometry: Record<string, unknown> };
      return { ...r, pixels: { ...r.pixels!, transform: { ...t, geometry: { ...t.geometry, modelWidth: 1e9, modelHeight: 1e9 } } } };
    }, /pixels\.transform is invalid/],
    ['a huge image in the pixel metadata', (r) => ({ ...r, pixels: { ...r.pixels!, image: { ...(r.pixels!.image as object), width: 2 ** 30 } } }), /pixels\.image is invalid/],
  ];

  cases.forEach((kind, i) => {
    const pipe = pipes[kind.k]!;
    const record = records[i]!;
    it(`${kind.name}: the checksum holds (exact, every sample equal); changed latents are a checksum mismatch`, async () => {
      if (kind.guidance !== 1) expect(record.embeddedGuidance).toBe(kind.guidance);
      expect(await check(pipe, record)).toMatchObject({ exact: true, pixelSamplesEqual: samples, pixelSamples: samples, latentSamples: record.z0.length });
      if (record.latents.method !== 'ef-ddpm') throw new Error('expected an EF-DDPM record');
      const changed = { ...record, latents: { ...record.latents, xStart: record.latents.xStart.map((v) => v * 3 + 1) } };
      const bad = await check(pipe, changed);
      expect(bad).toMatchObject({ exact: false, reason: 'checksum-mismatch' });
      expect(bad.pixelSamplesEqual).toBeLessThan(samples);
    });

    it(`${kind.name}: tampered records are refused with RUNTIME_INPUT (exit 2)`, async () => {
      for (const [name, change, message] of tampered) {
        const file = path.join(dir, `${i}-${name.replace(/\W+/g, '-')}.inv.safetensors`);
        saveInversion(file, change(record));
        await expect(pipe.reconstruct(loadInversion(file)), name).rejects.toMatchObject({ code: 'RUNTIME_INPUT', message: expect.stringMatching(message) });
      }
    });

    it(`${kind.name}: a record of the next folder kind is refused (another model id)`, async () => {
      const other = records[(kind.k + 1) % FOLDER_KINDS.length]!;
      expect(other.modelId).not.toBe(pipe.modelId());
      await expect(pipe.reconstruct(other)).rejects.toMatchObject({ code: 'RUNTIME_INPUT', message: expect.stringMatching(/another model/) });
    });
  });
});
