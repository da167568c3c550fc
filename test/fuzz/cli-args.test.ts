/**
 * Fuzz: random command lines (flags, values and files from a hostile vocabulary) end with exit 0,
 * 1 or 2 — never 3 (internal) — within the per-case limit. In-process (no spawn per case); no
 * model folder exists anywhere they point, so no case reaches model loading.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchCommand } from '../../src/cli/batch.js';
import { editCommand } from '../../src/cli/edit.js';
import { invertCommand } from '../../src/cli/invert.js';
import { mapsCommand } from '../../src/cli/maps.js';
import { reconstructCommand } from '../../src/cli/reconstruct.js';
import { capture } from '../cli/cli-helpers.js';
import { tempDir } from '../helpers.js';
import { CASE_MS, FUZZ_SCALE, FUZZ_SEED, Rng, tally } from './fuzz-helpers.js';

const COMMANDS = { batch: batchCommand, invert: invertCommand, reconstruct: reconstructCommand, edit: editCommand, maps: mapsCommand } as const;
const FLAGS = ['--model', '--output', '--out', '--concurrency', '--steps', '--seed', '--method', '--device', '--dtype', '--json', '--no-resume', '--target', '--prompt', '--source-prompt', '--guidance', '--eta', '--resize', '--bogus', '-x', '--', '--help', '-h', '--steps=3', '--model='];
const VALUES = ['0', '-1', '3', '1e309', 'NaN', '', ' ', 'cuda', 'cpu', 'fp16', 'ddim', 'nope', '../..', '/', '\u0000', 'x'.repeat(5000), '{a,b}', '*'];

describe('fuzz: CLI arguments', () => {
  const saved = process.env.REPRISE_MODEL_DIR;
  let dir = '';
  let files: string[] = [];
  beforeAll(() => {
    dir = tempDir('reprise-fuzz-cli-');
    process.env.REPRISE_MODEL_DIR = path.join(dir, 'no-model');
    const write = (name: string, data: string | Uint8Array): string => (fs.writeFileSync(path.join(dir, name), data), path.join(dir, name));
    fs.mkdirSync(path.join(dir, 'fake-model'));
    fs.writeFileSync(path.join(dir, 'fake-model', 'model_index.json'), '{"_class_name": 3}');
    files = [
      write('garbage.png', 'not a png'),
      write('garbage.safetensors', new Uint8Array([255, 255, 255, 255, 255, 255, 255, 255, 1])),
      write('job.yaml', 'version: 1\noutput: out\ninputs: [garbage.png]\nedits: [{ name: e, prompt: p }]\n'),
      write('bomb.yaml', `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${Array(10).fill('*a').join(', ')}]\nc: [${Array(12).fill('*b').join(', ')}]\n`),
      write('deep.json', `${'['.repeat(3000)}${']'.repeat(3000)}`),
      path.join(dir, 'missing.png'),
      path.join(dir, 'fake-model'),
      dir,
    ];
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.REPRISE_MODEL_DIR;
    else process.env.REPRISE_MODEL_DIR = saved;
  });

  it(`${600 * FUZZ_SCALE} random command lines exit 0, 1 or 2, never 3`, async () => {
    const rng = new Rng(FUZZ_SEED ^ 0xc11);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 600 * FUZZ_SCALE; i++) {
      const name = rng.pick(Object.keys(COMMANDS) as (keyof typeof COMMANDS)[]);
      const argv: string[] = [];
      for (let k = rng.int(6); k > 0; k--) {
        const r = rng.int(3);
        if (r === 0) argv.push(rng.pick(files));
        else if (r === 1) argv.push(rng.pick(FLAGS), rng.chance(0.5) ? rng.pick(files) : rng.pick(VALUES));
        else argv.push(rng.pick(FLAGS));
      }
      // `--model` always names a folder that is not a usable model (never the bundled one).
      for (let k = 0; k < argv.length; k++) if (argv[k] === '--model') argv[k + 1] = rng.pick([path.join(dir, 'fake-model'), dir, path.join(dir, 'none')]);
      const context = `cli case ${i} (seed ${FUZZ_SEED}): ${name} ${JSON.stringify(argv).slice(0, 300)}`;
      const t0 = performance.now();
      const r = await capture(() => COMMANDS[name](argv));
      expect([0, 1, 2], `${context}\n${r.stderr.slice(0, 500)}`).toContain(r.code);
      expect(performance.now() - t0, context).toBeLessThan(CASE_MS);
      tally(counts, `exit ${r.code}`);
    }
    expect(counts['exit 2'] ?? 0).toBeGreaterThan(0);
    console.log('cli fuzz outcomes:', counts);
  });
});
