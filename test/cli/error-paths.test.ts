/**
 * The CLI's error paths: every mistake a user can make on the command line — flags, values,
 * files, records, model folders, job files — ends with a non-zero exit that is not 3 (3 is for
 * bugs), one `reprise: …` line naming what was wrong, and a hint (`→ …`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { EXIT } from '../../src/cli/errors.js';
import { tempDir } from '../helpers.js';
import { capture, modelDir, writePicture } from './cli-helpers.js';

async function run(argv: readonly string[]): Promise<{ code: number; stderr: string }> {
  const [command, ...rest] = argv;
  const cmd = COMMANDS[command ?? ''];
  if (cmd === undefined) throw new Error(`no command ${command}`);
  return capture(() => cmd(rest));
}

describe('CLI error paths: none exits 3', async () => {
  const { dir, model } = modelDir(21);
  const other = modelDir(22);
  const image = await writePicture(path.join(dir, 'pic.png'), 24, 20);
  const record = path.join(dir, 'pic.inv.safetensors');
  const made = await run(['invert', image, '--model', model, '--method', 'ddim', '--steps', '2', '--out', record]);
  expect(made.code, made.stderr).toBe(0);
  const scratch = tempDir('reprise-errors-');
  const notImage = path.join(scratch, 'not-an-image.png');
  fs.writeFileSync(notImage, 'this is text, not a PNG');
  const corruptRecord = path.join(scratch, 'corrupt.inv.safetensors');
  fs.writeFileSync(corruptRecord, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
  const emptyFolder = path.join(scratch, 'empty-model');
  fs.mkdirSync(emptyFolder);
  const badYaml = path.join(scratch, 'bad.yaml');
  fs.writeFileSync(badYaml, 'version: 1\ninputs: [unclosed\n');
  const badJob = path.join(scratch, 'bad-job.yaml');
  fs.writeFileSync(badJob, `version: 1\nmodel: ${JSON.stringify(model)}\noutput: out\nprompt: a\ninputs: [{ path: pic.png }]\nedits: [{ name: e, prompt: b, steps: -3 }]\n`);
  const binOnly = path.join(scratch, 'bin-only');
  fs.cpSync(model, binOnly, { recursive: true });
  for (const f of fs.readdirSync(path.join(binOnly, 'unet'))) if (f.endsWith('.safetensors')) fs.renameSync(path.join(binOnly, 'unet', f), path.join(binOnly, 'unet', 'diffusion_pytorch_model.bin'));

  const cases: readonly (readonly [string, readonly string[]])[] = [
    ['invert without an image', ['invert', '--model', model]],
    ['invert with an unknown flag', ['invert', image, '--model', model, '--bogus']],
    ['invert without --model', ['invert', image]],
    ['invert with --steps 0', ['invert', image, '--model', model, '--steps', '0']],
    ['invert with --steps abc', ['invert', image, '--model', model, '--steps', 'abc']],
    ['invert with an unknown method', ['invert', image, '--model', model, '--method', 'nope']],
    ['invert with a flag of another method', ['invert', image, '--model', model, '--method', 'bdia', '--eta', '0.5']],
    ['invert with an out-of-range method option', ['invert', image, '--model', model, '--method', 'edict', '--p', '1']],
    ['invert a missing image', ['invert', path.join(scratch, 'missing.png'), '--model', model]],
    ['invert a file that is not an image', ['invert', notImage, '--model', model, '--out', path.join(scratch, 'x.inv.safetensors')]],
    ['invert with a folder that is not a model', ['invert', image, '--model', emptyFolder]],
    ['invert with a missing model folder', ['invert', image, '--model', path.join(scratch, 'nowhere')]],
    ['invert with a .bin-only UNet', ['invert', image, '--model', binOnly, '--out', path.join(scratch, 'y.inv.safetensors')]],
    ['invert writing over its input', ['invert', image, '--model', model, '--out', image]],
    ['reconstruct a missing record', ['reconstruct', path.join(scratch, 'missing.inv.safetensors'), '--model', model]],
    ['reconstruct a corrupt record', ['reconstruct', corruptRecord, '--model', model]],
    ['reconstruct with another model', ['reconstruct', record, '--model', other.model, '--out', path.join(scratch, 'r.png')]],
    ['reconstruct an image instead of a record', ['reconstruct', image, '--model', model]],
    ['edit without a prompt', ['edit', record, '--model', model]],
    ['edit with a bad cross-replace', ['edit', record, '--model', model, '--prompt', 'b', '--cross-replace', '2']],
    ['maps of a corrupt record', ['maps', corruptRecord, '--model', model]],
    ['generate with a bad size', ['generate', '--model', model, '--prompt', 'a', '--width', '-5']],
    ['batch of a missing job file', ['batch', path.join(scratch, 'missing.yaml')]],
    ['batch of invalid YAML', ['batch', badYaml]],
    ['batch of a job with a bad option', ['batch', badJob]],
    ['cache prune with bad --days', ['cache', 'prune', '--days', 'soon']],
    ['cache with an unknown subcommand', ['cache', 'explode']],
    ['bench with --runs 0', ['bench', '--runs', '0']],
    ['bench on an unknown device', ['bench', '--device', 'tpu']],
    ['doctor with an unknown flag', ['doctor', '--bogus']],
    ['conformance of a missing folder', ['conformance', path.join(scratch, 'no-fixtures')]],
  ];

  for (const [what, argv] of cases) {
    it(what, async () => {
      const r = await run(argv);
      expect(r.code, r.stderr).not.toBe(EXIT.ok);
      expect(r.code, r.stderr).not.toBe(EXIT.internal);
      expect(r.stderr).toMatch(/^reprise: /m);
      expect(r.stderr, 'a hint').toMatch(/→|Usage:/);
    });
  }
});
