/** `reprise edit --scheduler/--karras`: the target solver of DDIM records; refused (exit 2, named) for methods with their own rule. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { editCommand } from '../../src/cli/edit.js';
import { invertCommand } from '../../src/cli/invert.js';
import { capture, modelDir, writePicture } from './cli-helpers.js';

describe('reprise edit --scheduler', async () => {
  const { dir, model } = modelDir(23);
  const image = await writePicture(path.join(dir, 'shapes.png'), 32, 32);
  const record = async (method: string): Promise<string> => {
    const file = path.join(dir, `${method}.inv.safetensors`);
    const r = await capture(() => invertCommand([image, '-m', model, '-p', 'a red square', '--method', method, '--steps', '3', '--out', file]));
    if (r.code !== 0) throw new Error(r.stderr);
    return file;
  };
  const ddim = await record('ddim');
  const edict = await record('edict');

  it('runs the target branch with the solver and reports it', async () => {
    const r = await capture(() => editCommand([ddim, '-m', model, '-t', 'a blue square', '--scheduler', 'ddim', '--out-dir', path.join(dir, 'out'), '--json']));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, method: 'ddim', solver: 'ddim+ddim' });
    const plain = await capture(() => editCommand([ddim, '-m', model, '-t', 'a blue square', '--out-dir', path.join(dir, 'out2'), '--json']));
    expect(JSON.parse(plain.stdout)).toMatchObject({ solver: 'ddim' });
  });

  it('refuses own-rule methods, unknown solvers and --karras alone with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [[edict, '-m', model, '-t', 'a cat', '--scheduler', 'unipc'], /scheduler "unipc" cannot be used to edit a edict record: edict samples with its own rule/],
      [[ddim, '-m', model, '-t', 'a cat', '--scheduler', 'warp'], /--scheduler must be one of .*dpm-solver\+\+/],
      [[ddim, '-m', model, '-t', 'a cat', '--karras'], /--karras needs --scheduler/],
      [[ddim, '-m', model, '-t', 'a cat', '--scheduler', 'euler'], /σ frame/],
    ];
    for (const [args, message] of cases) {
      const r = await capture(() => editCommand(args));
      expect(r.code, message.source).toBe(2);
      expect(r.stderr, message.source).toMatch(message);
    }
  });
});
