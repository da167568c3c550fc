/**
 * `reprise fit-solver dc`: fits on a tiny model, prints where it saved and the fitted vs unfitted
 * MSE (JSON), and `generate --scheduler dc-unipc` then samples with the fit; user mistakes (unknown
 * kind, missing --steps, a value the kind's schema refuses, generating without a fit) exit 2
 * with a RepriseError's message and hint, never 3.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { EXIT } from '../../src/cli/errors.js';
import { tempDir } from '../helpers.js';
import { capture, modelDir } from './cli-helpers.js';

async function run(argv: readonly string[]) {
  const [command, ...rest] = argv;
  return capture(() => COMMANDS[command!]!(rest));
}

describe('reprise fit-solver', () => {
  const { dir, model } = modelDir(31);
  const fits = path.join(tempDir(), 'fits');

  it('fits DC-Solver ratios, saves them and reports fitted vs unfitted MSE', async () => {
    const r = await run(['fit-solver', 'dc', '--model', model, '--steps', '4', '--guidance', '4', '--prompts', '2', '--reference-steps', '12', '--refinements', '1', '--dir', fits, '--json']);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const out = JSON.parse(r.stdout) as { files: string[]; ratios: number[]; mseUnfitted: number; mseFitted: number; command: string };
    expect(out.command).toBe('fit-solver dc');
    expect(out.ratios).toHaveLength(4);
    expect(fs.existsSync(out.files[0]!)).toBe(true);
    expect(out.mseFitted).toBeLessThanOrEqual(out.mseUnfitted);
    const text = await run(['fit-solver', 'dc', '--model', model, '--steps', '3', '--prompts', '1', '--reference-steps', '12', '--refinements', '1', '--dir', fits]);
    expect(text.code, text.stderr).toBe(EXIT.ok);
    expect(text.stdout).toMatch(/saved .*dc-[0-9a-f]+\.json/);
    expect(text.stdout).toMatch(/UniPC [0-9.e+-]+, DC-Solver [0-9.e+-]+/);
  });

  it.each([
    [['fit-solver', 'nope', '--model', 'M', '--steps', '4'], /unknown solver fit "nope"/],
    [['fit-solver', 'dc', '--model', 'M'], /--steps/],
    [['fit-solver', 'dc', '--model', 'M', '--steps', '1'], /steps/],
  ])('refuses %j with exit 2', async (argv, message) => {
    const r = await run(argv.map((a) => (a === 'M' ? model : a)));
    expect(r.code, r.stderr).toBe(EXIT.usage);
    expect(r.stderr).toMatch(message);
  });

  it('generate --scheduler dc-unipc without a fit exits 2 naming the fit command', async () => {
    const prev = process.env.REPRISE_CACHE_DIR;
    process.env.REPRISE_CACHE_DIR = tempDir();
    try {
      const r = await run(['generate', '--prompt', 'a red circle', '--model', model, '--scheduler', 'dc-unipc', '--steps', '5', '--out', path.join(dir, 'x.png')]);
      expect(r.code, r.stderr).toBe(EXIT.usage);
      expect(r.stderr).toContain('reprise fit-solver dc');
    } finally {
      if (prev === undefined) delete process.env.REPRISE_CACHE_DIR;
      else process.env.REPRISE_CACHE_DIR = prev;
    }
  });
});
