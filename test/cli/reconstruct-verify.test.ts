import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { invertCommand } from '../../src/cli/invert.js';
import { reconstructCommand } from '../../src/cli/reconstruct.js';
import { pixelChecksum } from '../../src/editing/record-check.js';
import { readImage } from '../../src/io/image/index.js';
import { loadInversion, saveInversion } from '../../src/inversion/record.js';
import { capture, modelDir, sameImageFiles, writePicture } from './cli-helpers.js';

describe('reprise reconstruct verifies exactness against the record\'s pixel checksum', async () => {
  const { dir, model } = modelDir(12);
  const image = await writePicture(path.join(dir, 'cat.png'), 40, 30);
  const record = path.join(dir, 'cat.inv.safetensors');
  const inv = await capture(() => invertCommand([image, '--model', model, '--prompt', 'a red square', '--method', 'ef-ddpm', '--steps', '3', '--out', record, '--json']));

  it('an exact reconstruction: checksum stored at invert time matches; exact, lossless, sample counts in the JSON', async () => {
    expect(inv.code, inv.stderr).toBe(0);
    const stored = loadInversion(record);
    expect((stored.pixels?.image as { sha256?: string }).sha256).toBe(pixelChecksum(await readImage(image)));
    const out = path.join(dir, 'back.png');
    const rec = await capture(() => reconstructCommand([record, '-m', model, '--out', out, '--json']));
    expect(rec.code, rec.stderr).toBe(0);
    const j = JSON.parse(rec.stdout) as Record<string, unknown>;
    expect(j).toMatchObject({ ok: true, lossless: true, exact: true, pixelSamplesEqual: 40 * 30 * 3, pixelSamples: 40 * 30 * 3, latentSamples: stored.z0.length });
    expect(j.latentSamplesEqual as number).toBeGreaterThan(0);
    expect(await sameImageFiles(out, image)).toBe(true);
  });

  it('a record whose latents were changed (checksum of the file recomputed) fails: exit 1, lossless false, a clear message', async () => {
    const stored = loadInversion(record);
    if (stored.latents.method !== 'ef-ddpm') throw new Error('expected an EF-DDPM record');
    const changed = path.join(dir, 'changed.inv.safetensors');
    saveInversion(changed, { ...stored, latents: { ...stored.latents, xStart: stored.latents.xStart.map((v) => v * 3 + 1) } });
    const rec = await capture(() => reconstructCommand([changed, '-m', model, '--out', path.join(dir, 'changed.png'), '--json']));
    expect(rec.code).toBe(1);
    const j = JSON.parse(rec.stdout) as Record<string, unknown>;
    expect(j).toMatchObject({ ok: false, lossless: false, exact: false, inexact: 'checksum-mismatch' });
    expect(j.pixelSamplesEqual as number).toBeLessThan(40 * 30 * 3);
    expect(rec.stderr).toMatch(/NOT exact/);
  });

  it('a record without a residual is not claimed lossless (and is no failure)', async () => {
    const plain = path.join(dir, 'plain.inv.safetensors');
    const r = await capture(() => invertCommand([image, '--model', model, '--prompt', 'a red square', '--method', 'ef-ddpm', '--steps', '3', '--no-residual', '--out', plain, '--json']));
    expect(r.code, r.stderr).toBe(0);
    const rec = await capture(() => reconstructCommand([plain, '-m', model, '--out', path.join(dir, 'plain.png'), '--json']));
    expect(rec.code, rec.stderr).toBe(0);
    expect(JSON.parse(rec.stdout)).toMatchObject({ ok: true, residual: false, lossless: false, exact: false, inexact: 'no-residual' });
  });
});
