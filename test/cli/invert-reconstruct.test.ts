import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { invertCommand } from '../../src/cli/invert.js';
import { reconstructCommand } from '../../src/cli/reconstruct.js';
import { REPRISE_VERSION } from '../../src/cli/version.js';
import { loadInversion } from '../../src/inversion/record.js';
import { writeRandomModel } from '../../src/models/random-model.js';
import { capture, modelDir, pngText, sameImageFiles, writePicture } from './cli-helpers.js';

describe('reprise invert / reconstruct', async () => {
  const { dir, model } = modelDir(11);
  const image = await writePicture(path.join(dir, 'cat.png'), 40, 30);
  const cwd = process.cwd();
  afterEach(() => process.chdir(cwd));

  it('invert → reconstruct gives the input pixels bit for bit, with PNG text metadata; --json prints one object', async () => {
    const record = path.join(dir, 'cat.inv.safetensors');
    const inv = await capture(() => invertCommand([image, '--model', model, '--prompt', 'a red square', '--method', 'ddcm', '--steps', '4', '--seed', '7', '--out', record, '--json']));
    expect(inv.code, inv.stderr).toBe(0);
    const result = JSON.parse(inv.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ ok: true, command: 'invert', output: record, method: 'ddcm', steps: 4, prompt: 'a red square', seed: 7, width: 40, height: 30, residual: true });
    expect(loadInversion(record).prompts.source).toBe('a red square');
    expect(inv.stderr).toBe(''); // --json on a non-TTY: no progress lines

    const out = path.join(dir, 'back.png');
    const rec = await capture(() => reconstructCommand([record, '-m', model, '--out', out, '--json']));
    expect(rec.code, rec.stderr).toBe(0);
    expect(JSON.parse(rec.stdout)).toMatchObject({ ok: true, command: 'reconstruct', output: out, width: 40, height: 30, residual: true, lossless: true });
    expect(await sameImageFiles(out, image)).toBe(true);
    expect(pngText(out)).toMatchObject({ prompt: 'a red square', method: 'ddcm', seed: '7', steps: '4', reprise: REPRISE_VERSION });
  });

  it('default output names go to the current folder; other methods too; human output without --json', async () => {
    const work = path.join(dir, 'work');
    fs.mkdirSync(work);
    process.chdir(work);
    const inv = await capture(() => invertCommand([image, '-m', model, '-p', 'a cat', '--method', 'bdia', '--steps', '3']));
    expect(inv.code, inv.stderr).toBe(0);
    expect(inv.stdout).toMatch(/^Wrote cat\.inv\.safetensors \(bdia, 3 steps, 40×30/);
    expect(inv.stderr).toMatch(/^invert 3\/3 \(100%\)/m); // occasional plain progress lines on a non-TTY stderr
    expect(fs.existsSync(path.join(work, 'cat.inv.safetensors'))).toBe(true);
    const rec = await capture(() => reconstructCommand(['cat.inv.safetensors', '-m', model]));
    expect(rec.code, rec.stderr).toBe(0);
    expect(await sameImageFiles(path.join(work, 'cat.reconstruction.png'), image)).toBe(true);
  });

  it('a record made with another model exits 2 with a clear message', async () => {
    const record = path.join(dir, 'other.inv.safetensors');
    expect((await capture(() => invertCommand([image, '-m', model, '--steps', '3', '--out', record]))).code).toBe(0);
    const other = writeRandomModel(path.join(dir, 'other-model'), { seed: 12, hidden: 24 });
    const r = await capture(() => reconstructCommand([record, '-m', other, '--out', path.join(dir, 'x.png')]));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^reprise: inversion record .*other\.inv\.safetensors was made with another model/m);
    expect(r.stderr).toMatch(/→ Pass the --model the record was made with/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(fs.existsSync(path.join(dir, 'x.png'))).toBe(false);
  });

  it('usage and input errors exit 2 with the message on stderr (and JSON on stdout with --json)', async () => {
    const cases: [string[], RegExp][] = [
      [[image, '-m', model, '--bogus'], /Unknown option '--bogus'/],
      [['-m', model], /missing <image>/],
      [[image, '-m', model, '--steps', '0'], /--steps must be a whole number from 1 to 1000/],
      [[image, '-m', model, '--method', 'nope'], /--method must be one of ddim, ef-ddpm/],
      [[image, '-m', model, '--method', 'bdia', '--seed', '3'], /--seed applies to the ef-ddpm and ddcm methods/],
      [[image], /missing --model/],
      [[image, '-m', path.join(dir, 'no-such-model')], /model folder not found: .*no-such-model/],
      [[path.join(dir, 'missing.png'), '-m', model], /Image file not found: .*missing\.png/],
      [[image, '-m', model, '--out', image], /refusing to overwrite the input/],
      [[image, '-m', model, '--out', path.join(dir, 'no', 'dir', 'x.inv.safetensors')], /the folder .* does not exist/],
    ];
    for (const [argv, message] of cases) {
      const r = await capture(() => invertCommand(argv));
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(/^reprise: /);
      expect(r.stderr, argv.join(' ')).toMatch(message);
    }
    fs.writeFileSync(path.join(dir, 'broken.png'), 'not a png at all');
    const broken = await capture(() => invertCommand([path.join(dir, 'broken.png'), '-m', model, '--json']));
    expect(broken.code).toBe(2);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, exitCode: 2, error: { code: 'RUNTIME_INPUT' } });
    fs.writeFileSync(path.join(dir, 'damaged.inv.safetensors'), 'garbage');
    const damaged = await capture(() => reconstructCommand([path.join(dir, 'damaged.inv.safetensors'), '-m', model, '--out', path.join(dir, 'd.png')]));
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toMatch(/Cannot load inversion record .*damaged/);
  });

  it('--help prints the usage with examples and exits 0', async () => {
    for (const cmd of [invertCommand, reconstructCommand]) {
      const r = await capture(() => cmd(['--help']));
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: reprise (invert|reconstruct)/);
      expect(r.stdout).toMatch(/Examples:/);
    }
  });
});
