/** `reprise generate`: --scheduler choices from the registry, the image and its exact record, JSON output, usage errors (exit 2). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATE_HELP, GENERATE_SCHEDULERS, generateCommand } from '../../src/cli/generate.js';
import { reconstructCommand } from '../../src/cli/reconstruct.js';
import { SOLVERS } from '../../src/solvers/index.js';
import { capture, modelDir, pngText, sameImageFiles } from './cli-helpers.js';

describe('reprise generate', () => {
  const { dir, model } = modelDir(23);

  it('offers every registered sampler as --scheduler', () => {
    expect(GENERATE_SCHEDULERS).toEqual(SOLVERS.map((s) => s.id).filter((id) => id !== 'ddim-inverse'));
    for (const id of GENERATE_SCHEDULERS) expect(GENERATE_HELP).toContain(id);
  });

  it('writes the image and a record that reconstructs it, naming the solver', async () => {
    const out = path.join(dir, 'g.png');
    const r = await capture(() => generateCommand(['-m', model, '-p', 'a red circle', '--scheduler', 'heun', '--karras', '--steps', '3', '--width', '32', '--height', '32', '--out', out, '--json']));
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { solver: string; record: string; steps: number };
    expect(result.solver).toBe('heun');
    expect(pngText(out)['solver']).toBe('heun');
    expect(fs.existsSync(result.record)).toBe(true);
    const back = path.join(dir, 'back.png');
    const rec = await capture(() => reconstructCommand([result.record, '-m', model, '--out', back]));
    expect(rec.code).toBe(0);
    expect(await sameImageFiles(out, back)).toBe(true);
  });

  it('refuses an unknown scheduler and --karras without one (exit 2, choices named)', async () => {
    const bad = await capture(() => generateCommand(['-m', model, '-p', 'x', '--scheduler', 'kdpm2']));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('pndm');
    const karras = await capture(() => generateCommand(['-m', model, '-p', 'x', '--karras']));
    expect(karras.code).toBe(2);
    const none = await capture(() => generateCommand(['-m', model]));
    expect(none.code).toBe(2);
  });

  it('samples with time shift from --time-shift-window/--time-shift-cutoff, and refuses them alone or without --scheduler', async () => {
    const out = path.join(dir, 'ts.png');
    const r = await capture(() => generateCommand(['-m', model, '-p', 'a red circle', '--scheduler', 'ddim', '--time-shift-window', '100', '--time-shift-cutoff', '0', '--steps', '4', '--width', '32', '--height', '32', '--out', out, '--json']));
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { solver: string }).solver).toBe('ddim+ts');
    expect(pngText(out)['solver']).toBe('ddim+ts');
    const alone = await capture(() => generateCommand(['-m', model, '-p', 'x', '--scheduler', 'ddim', '--time-shift-window', '10']));
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--time-shift-cutoff');
    const noScheduler = await capture(() => generateCommand(['-m', model, '-p', 'x', '--time-shift-window', '10', '--time-shift-cutoff', '300']));
    expect(noScheduler.code).toBe(2);
    expect(noScheduler.stderr).toContain('--scheduler');
    const euler = await capture(() => generateCommand(['-m', model, '-p', 'x', '--scheduler', 'euler', '--time-shift-window', '10', '--time-shift-cutoff', '300', '--steps', '2', '--width', '32', '--height', '32', '--out', path.join(dir, 'e.png')]));
    expect(euler.code).toBe(2);
    expect(euler.stderr).toContain('σ frame');
  });
});
