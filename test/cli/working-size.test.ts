import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { invertCommand } from '../../src/cli/invert.js';
import { reconstructCommand } from '../../src/cli/reconstruct.js';
import { loadInversion } from '../../src/inversion/record.js';
import { capture, modelDir, sameImageFiles, writePicture } from './cli-helpers.js';

describe('reprise invert at the working size', async () => {
  const { dir, model } = modelDir(12); // native 16 px (sample_size 8 × VAE 2), multiple 4
  const image = await writePicture(path.join(dir, 'photo.png'), 48, 36);
  afterEach(() => {
    delete process.env.REPRISE_MEMORY_LIMIT_MB;
  });

  it('says what it did, reconstructs at the input size bit for bit; --native keeps the size; --native with --size is a usage error', async () => {
    const record = path.join(dir, 'photo.inv.safetensors');
    const inv = await capture(() => invertCommand([image, '-m', model, '--method', 'bdia', '--steps', '2', '--out', record, '--no-cache']));
    expect(inv.code, inv.stderr).toBe(0);
    expect(inv.stdout).toMatch(/^48×36 → 16×12 for inversion$/m);
    expect(loadInversion(record).latentShape).toEqual([4, 6, 8]);
    const out = path.join(dir, 'back.png');
    const rec = await capture(() => reconstructCommand([record, '-m', model, '--out', out, '--no-cache']));
    expect(rec.code, rec.stderr).toBe(0);
    expect(await sameImageFiles(out, image)).toBe(true);

    const native = await capture(() => invertCommand([image, '-m', model, '--method', 'ddim', '--steps', '1', '--native', '--out', path.join(dir, 'n.inv.safetensors'), '--json', '--no-cache']));
    expect(native.code, native.stderr).toBe(0);
    expect(JSON.parse(native.stdout)).toMatchObject({ width: 48, height: 36, workingSize: [48, 36], latentShape: [4, 18, 24] });
    const both = await capture(() => invertCommand([image, '-m', model, '--native', '--size', '32']));
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--native and --size exclude each other/);
  });

  it('a size that cannot fit is refused before any step, exit 2, naming what to do', async () => {
    process.env.REPRISE_MEMORY_LIMIT_MB = '1';
    const r = await capture(() => invertCommand([image, '-m', model, '--steps', '2', '--out', path.join(dir, 'big.inv.safetensors'), '--no-cache']));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Inversion at 16×12 needs about .* GB of memory; this machine allows 0\.0 GB/);
    expect(r.stderr).toMatch(/No size fits this model in this memory/);
    expect(r.stderr).not.toMatch(/invert 1\/2/);
  });
});
