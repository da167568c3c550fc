import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { invertCommand } from '../../src/cli/invert.js';
import { reconstructCommand } from '../../src/cli/reconstruct.js';
import { loadInversion, saveInversion, type Inversion } from '../../src/inversion/record.js';
import { capture, modelDir, writePicture } from './cli-helpers.js';

/** Records changed after inversion and saved again (so the file checksum is valid): each must be refused with exit 2, not crash with exit 3. */
describe('record fields are validated before use', async () => {
  const { dir, model } = modelDir(13);
  const image = await writePicture(path.join(dir, 'cat.png'), 40, 30);
  const record = path.join(dir, 'cat.inv.safetensors');
  const inv = await capture(() => invertCommand([image, '--model', model, '--prompt', 'a red square', '--method', 'ddim', '--steps', '2', '--out', record, '--json']));
  const base = loadInversion(record);
  const t = base.pixels?.transform as { geometry: Record<string, unknown> };

  const cases: [string, (r: Inversion) => Inversion, RegExp][] = [
    ['short conditioning', (r) => ({ ...r, conditioning: { ...r.conditioning, cond: r.conditioning.cond.slice(0, 32), uncond: r.conditioning.uncond.slice(0, 32) } }), /conditioning holds 32 values/],
    ['a 3-channel latent shape', (r) => {
      const [, h, w] = r.latentShape;
      const n = 3 * h * w;
      return { ...r, latentShape: [3, h, w], z0: r.z0.slice(0, n), latents: { method: 'ddim', zT: (r.latents as { zT: Float32Array }).zT.slice(0, n) } };
    }, /3 channels/],
    ['a huge pixel-transform model size', (r) => ({ ...r, pixels: { ...r.pixels!, transform: { ...t, geometry: { ...t.geometry, modelWidth: 1e9, modelHeight: 1e9 } } } }), /pixels\.transform is invalid/],
    ['a huge image in the pixel metadata', (r) => ({ ...r, pixels: { ...r.pixels!, image: { ...(r.pixels!.image as object), width: 2 ** 30 } } }), /pixels\.image is invalid/],
    ['a transform of another image', (r) => ({ ...r, pixels: { ...r.pixels!, transform: { ...t, geometry: { ...t.geometry, originalWidth: 41 } } } }), /geometry 41×30/],
  ];

  for (const [name, change, message] of cases) {
    it(`${name}: RUNTIME_INPUT, exit 2`, async () => {
      expect(inv.code, inv.stderr).toBe(0);
      const file = path.join(dir, `${name.replace(/\W+/g, '-')}.inv.safetensors`);
      saveInversion(file, change(base));
      const r = await capture(() => reconstructCommand([file, '-m', model, '--out', path.join(dir, `${name.replace(/\W+/g, '-')}.png`)]));
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    });
  }
});
