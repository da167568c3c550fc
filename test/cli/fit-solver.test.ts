/**
 * `reprise fit-solver dc|v3`: fits on a tiny model, prints where it saved and the fitted vs
 * unfitted MSE (JSON), and `generate --scheduler dc-unipc|dpm-solver-v3` then samples with the
 * fit; every kind has its flag section, taken from its own options schema; user mistakes
 * (unknown kind, missing --steps, a value the kind's schema refuses, another kind's flag,
 * generating without a fit) exit 2 with a RepriseError's message and hint, never 3.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { FIT_KIND_FLAGS } from '../../src/cli/options/fit-solver.js';
import { FIT_KINDS } from '../../src/editing/fit/kinds.js';
import { z } from 'zod';
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

  it('fits DPM-Solver-v3 statistics, saves them, and generate --scheduler dpm-solver-v3 samples with them', async () => {
    const cache = tempDir();
    const r = await run(['fit-solver', 'v3', '--model', model, '--guidance', '3', '--samples', '2', '--grid-steps', '10', '--sample-steps', '5', '--batch', '2', '--pool', 'channel', '--dir', path.join(cache, 'solver-fits'), '--json']);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const out = JSON.parse(r.stdout) as { files: string[]; command: string; samples: number; gridSteps: number; guidance: number };
    expect(out).toMatchObject({ command: 'fit-solver v3', samples: 2, gridSteps: 10, guidance: 3 });
    expect(fs.existsSync(out.files[0]!)).toBe(true);
    const prev = process.env.REPRISE_CACHE_DIR;
    process.env.REPRISE_CACHE_DIR = cache;
    try {
      const g = await run(['generate', '--prompt', 'a red circle', '--model', model, '--scheduler', 'dpm-solver-v3', '--guidance', '3', '--steps', '5', '--out', path.join(dir, 'v3.png')]);
      expect(g.code, g.stderr).toBe(EXIT.ok);
      // Another guidance has no statistics: exit 2 naming the fit command.
      const h = await run(['generate', '--prompt', 'a red circle', '--model', model, '--scheduler', 'dpm-solver-v3', '--guidance', '4', '--steps', '5', '--out', path.join(dir, 'v3b.png')]);
      expect(h.code, h.stderr).toBe(EXIT.usage);
      expect(h.stderr).toContain('reprise fit-solver v3');
    } finally {
      if (prev === undefined) delete process.env.REPRISE_CACHE_DIR;
      else process.env.REPRISE_CACHE_DIR = prev;
    }
  });

  it("declares each kind's flags from that kind's own options schema", () => {
    expect(Object.keys(FIT_KIND_FLAGS).sort()).toEqual(FIT_KINDS.map((k) => k.name).sort());
    for (const kind of FIT_KINDS) {
      const keys = Object.keys((kind.optionsSchema as z.ZodObject).shape);
      for (const f of FIT_KIND_FLAGS[kind.name]!) expect(keys, `${kind.name} --${f.name}`).toContain(f.name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()));
    }
  });

  it.each([
    [['fit-solver', 'nope', '--model', 'M', '--steps', '4'], /unknown solver fit "nope"/],
    [['fit-solver', 'dc', '--model', 'M'], /fit-solver dc needs --steps/],
    [['fit-solver', 'dc', '--model', 'M', '--steps', '4', '--grid-steps', '20'], /fit-solver dc does not take --grid-steps \(a flag of fit-solver v3\)/],
    [['fit-solver', 'v3', '--model', 'M', '--steps', '4'], /fit-solver v3 does not take --steps/],
    [['fit-solver', 'v3', '--model', 'M', '--pool', 'pixel'], /pool/],
    [['fit-solver', 'dc', '--model', 'M', '--steps', '4', '--spacing', 'sideways'], /spacing/],
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
