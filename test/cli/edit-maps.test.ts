import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { editCommand, targetNames } from '../../src/cli/edit.js';
import { invertCommand } from '../../src/cli/invert.js';
import { mapsCommand } from '../../src/cli/maps.js';
import { REPRISE_VERSION } from '../../src/cli/version.js';
import { readImage, writeImage } from '../../src/io/image/index.js';
import { loadInversion } from '../../src/inversion/record.js';
import { capture, modelDir, pngText, samePixels, writePicture } from './cli-helpers.js';

describe('reprise edit / maps', async () => {
  const { dir, model } = modelDir(21);
  const image = await writePicture(path.join(dir, 'shapes.png'), 40, 32);
  const record = path.join(dir, 'shapes.inv.safetensors');
  const inverted = await capture(() => invertCommand([image, '-m', model, '-p', 'a red square', '--method', 'bdia', '--steps', '4', '--out', record]));
  if (inverted.code !== 0) throw new Error(inverted.stderr);

  it('edit of a record: one PNG per target with text metadata, attention-map grids with --maps, JSON result', async () => {
    const out = path.join(dir, 'edits');
    const r = await capture(() => editCommand([record, '-m', model, '-t', 'a green square', '-t', 'a red circle', '--guidance', '5', '--cross-replace', '0.6', '--maps', '--out-dir', out, '--json']));
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { outputs: { target: string; output: string; maps: string }[] } & Record<string, unknown>;
    expect(result).toMatchObject({ ok: true, command: 'edit', inputKind: 'record', sourcePrompt: 'a red square', method: 'bdia', steps: 4 });
    expect(result.outputs.map((o) => [o.target, path.basename(o.output), path.basename(o.maps)])).toEqual([
      ['a green square', 'shapes.1.png', 'shapes.1.maps.png'],
      ['a red circle', 'shapes.2.png', 'shapes.2.maps.png'],
    ]);
    const source = await readImage(image);
    for (const o of result.outputs) {
      const edited = await readImage(o.output);
      expect([edited.width, edited.height]).toEqual([40, 32]);
      expect(samePixels(edited, source)).toBe(false);
      expect(pngText(o.output)).toMatchObject({ prompt: o.target, 'source prompt': 'a red square', method: 'bdia', steps: '4', guidance: '5', reprise: REPRISE_VERSION });
      expect((await readImage(o.maps)).width).toBeGreaterThan(40); // the image and one heatmap per token
    }
  });

  it('edit of an image (inverted first) with local blend, a mask, --name-by-target and --save-inversion; human output', async () => {
    const out = path.join(dir, 'edits2');
    const mask = path.join(dir, 'mask.png');
    await writeImage(mask, { width: 40, height: 32, channels: 1, bitDepth: 8, data: new Uint8Array(40 * 32).map((_, i) => (i % 40 < 20 ? 255 : 0)) });
    const saved = path.join(dir, 'saved.inv.safetensors');
    const r = await capture(() =>
      editCommand([image, '-m', model, '-p', 'a red square', '--method', 'ddcm', '--steps', '3', '-t', 'a blue square', '--blend', 'red', '--blend', 'blue', '--mask', mask, '--name-by-target', '--out-dir', out, '--save-inversion', saved]),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Wrote .*shapes\.a_blue_square\.png {2}"a blue square"/);
    expect(fs.readdirSync(out)).toEqual(['shapes.a_blue_square.png']);
    expect(loadInversion(saved).method).toBe('ddcm');
    expect(r.stderr).toMatch(/^edit 3\/3/m);
  });

  it('maps of a record: a grid and per-token overlays', async () => {
    const grid = path.join(dir, 'grid.png');
    const tokens = path.join(dir, 'tokens');
    const r = await capture(() => mapsCommand([record, '-m', model, '--out', grid, '--tokens-dir', tokens, '--json']));
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { tokens: { token: string; output: string }[] } & Record<string, unknown>;
    expect(result).toMatchObject({ ok: true, command: 'maps', inputKind: 'record', prompt: 'a red square', output: grid });
    expect(result.tokens.map((t) => t.token)).toEqual(['a', 'red', 'square']);
    expect(fs.readdirSync(tokens).sort()).toEqual(['01-a.png', '02-red.png', '03-square.png']);
    expect((await readImage(grid)).width).toBeGreaterThan(40);
    expect(pngText(grid)).toMatchObject({ prompt: 'a red square', reprise: REPRISE_VERSION });
  });

  it('maps of an image inverts it first', async () => {
    const grid = path.join(dir, 'grid2.png');
    const r = await capture(() => mapsCommand([image, '-m', model, '-p', 'a red square', '--method', 'ddim', '--steps', '3', '-o', grid]));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Wrote .*grid2\.png \(3 tokens: a red square\)/);
    expect(fs.existsSync(grid)).toBe(true);
  });

  it('usage and input errors exit 2 with the message on stderr', async () => {
    const cases: [() => Promise<number>, RegExp][] = [
      [() => editCommand([record, '-m', model]), /missing --target/],
      [() => editCommand([record, '-m', model, '-t', 'a cat', '--prompt', 'a dog']), /--prompt apply when inverting an image; .* is already an inversion record \(source prompt "a red square"/],
      [() => editCommand([image, '-m', model, '-t', 'a cat', '--mask', image]), /--mask needs --blend/],
      [() => editCommand([record, '-m', model, '-t', 'a cat', '--reweight', 'cat']), /--reweight takes word=weight/],
      [() => editCommand([record, '-m', model, '-t', 'a cat', '--cross-replace', '2']), /--cross-replace must be a number from 0 to 1/],
      [() => editCommand([record, '-m', model, '-t', 'a cat', '--edit', 'swap']), /--edit must be one of auto, replace, refine/],
      [() => editCommand([record, '-m', model, '-t', 'a big red square', '--edit', 'replace', '--out-dir', path.join(dir, 'never')]), /replace edit needs prompts with the same number of words/],
      [() => mapsCommand([image, '-m', model]), /the source prompt is empty/],
      [() => mapsCommand([record, '-m', model, '--out', path.join(dir, 'grid.jpg')]), /--out must be a \.png file/],
      [() => mapsCommand([path.join(dir, 'nothing.inv.safetensors'), '-m', model]), /nothing\.inv\.safetensors/],
    ];
    for (const [run, message] of cases) {
      const r = await capture(run);
      expect(r.code, message.source).toBe(2);
      expect(r.stderr, message.source).toMatch(message);
      expect(r.stderr).toMatch(/^reprise: /m);
    }
    expect(fs.existsSync(path.join(dir, 'never'))).toBe(false); // nothing written, not even the folder
  });

  it('target output names are unique', () => {
    expect(targetNames('cat', ['a dog', 'a dog', 'A dog'], true)).toEqual(['cat.a_dog', 'cat.a_dog-2', 'cat.A_dog-3']);
    expect(targetNames('cat', ['x', 'y'], false)).toEqual(['cat.1', 'cat.2']);
  });
});
