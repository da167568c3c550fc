import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchCommand } from '../../src/cli/batch.js';
import { REPRISE_VERSION } from '../../src/cli/version.js';
import { MANIFEST_NAME } from '../../src/editing/batch/manifest.js';
import { loadInversion } from '../../src/inversion/record.js';
import { capture, jsonLines, modelDir, pngText, sameImageFiles, writePicture } from './cli-helpers.js';

/** Writes a job file (YAML) in `dir` and returns its path. */
function writeJob(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, body);
  return file;
}

const listFiles = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => f.split(path.sep).join('/')).sort();

describe('reprise batch', async () => {
  const { dir } = modelDir(31); // the job files name it: model: model
  await writePicture(path.join(dir, 'in', 'a.png'), 32, 24, 0);
  await writePicture(path.join(dir, 'in', 'b.png'), 24, 32, 1);
  fs.writeFileSync(path.join(dir, 'in', 'c.png'), 'this is not an image');
  const header = `version: 1\nmodel: model\nprompt: a red square\ndefaults: { method: ddcm, steps: 3, seed: 5 }\n`;

  it('2 good inputs × 2 edits run; a corrupt image and a failing edit are isolated (exit 1); outputs, metadata, manifest and report', async () => {
    const job = writeJob(
      dir,
      'job.yaml',
      `${header}output: out\ninputs: [in/a.png, in/b.png, in/c.png]\nedits:\n` +
        `  - { name: green, prompt: "a green square" }\n` +
        `  - { name: circle, prompt: "a red circle", attention: { localBlend: [square, circle] } }\n` +
        `  - { name: bad, prompt: "a big red square", attention: { edit: replace } }\n`,
    );
    const r = await capture(() => batchCommand([job]));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^9 items: 4 done, 0 skipped \(already done\), 5 failed, 0 not run/);
    expect(r.stdout).toMatch(/ {2}c\/green: .*c\.png is not an image Reprise can read/);
    expect(r.stdout).toMatch(/ {2}a\/bad: The replace edit needs prompts with the same number of words/);
    expect(r.stdout).toMatch(/Report: .*report\.html/);
    expect(r.stderr).toMatch(/^FAILED c\/green/m);
    const out = path.join(dir, 'out');
    expect(listFiles(out)).toEqual([
      MANIFEST_NAME,
      'a',
      'a/_inversion.safetensors',
      'a/_reconstruction.png',
      'a/_source.png',
      'a/circle.attn.png',
      'a/circle.png',
      'a/green.attn.png',
      'a/green.png',
      'b',
      'b/_inversion.safetensors',
      'b/_reconstruction.png',
      'b/_source.png',
      'b/circle.attn.png',
      'b/circle.png',
      'b/green.attn.png',
      'b/green.png',
      'report.html',
    ]);
    expect(await sameImageFiles(path.join(out, 'a/_reconstruction.png'), path.join(dir, 'in/a.png'))).toBe(true);
    expect(await sameImageFiles(path.join(out, 'b/_source.png'), path.join(dir, 'in/b.png'))).toBe(true);
    expect(loadInversion(path.join(out, 'a/_inversion.safetensors'))).toMatchObject({ method: 'ddcm', prompts: { source: 'a red square' } });
    expect(pngText(path.join(out, 'a/green.png'))).toMatchObject({ prompt: 'a green square', 'source prompt': 'a red square', method: 'ddcm', seed: '5', steps: '3', reprise: REPRISE_VERSION });
    const manifest = JSON.parse(fs.readFileSync(path.join(out, MANIFEST_NAME), 'utf8')) as { items: Record<string, { status: string }> };
    expect(Object.fromEntries(Object.entries(manifest.items).map(([id, e]) => [id, e.status]))).toEqual({
      'a/green': 'done', 'a/circle': 'done', 'a/bad': 'failed', 'b/green': 'done', 'b/circle': 'done', 'b/bad': 'failed', 'c/green': 'failed', 'c/circle': 'failed', 'c/bad': 'failed',
    });
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    for (const s of ['a/green.png', 'a/_reconstruction.png', 'b/circle.attn.png', 'a/_source.png', 'c/green', 'bit-identical']) expect(html).toContain(s);
  });

  it('job-file problems exit 2 before any work: a missing input and a hostile output name are listed together', async () => {
    const job = writeJob(
      dir,
      'bad.yaml',
      `${header}output: bad-out\ninputs: [in/a.png, in/missing.png]\nedits:\n  - { name: "../../escape", prompt: "x" }\n  - { name: ok, prompt: "y", steps: 4 }\n`,
    );
    const r = await capture(() => batchCommand([job]));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^reprise: Job file .*bad\.yaml has 3 problems:/);
    expect(r.stderr).toMatch(/inputs\[1\]: file not found: in\/missing\.png/);
    expect(r.stderr).toMatch(/edits\[0\]\.name: must be 1–64 letters/);
    expect(r.stderr).toMatch(/edits\[1\]\.steps: steps is an inversion option, shared by every edit/);
    expect(r.stderr).toMatch(/→ Fix the listed entries/);
    expect(fs.existsSync(path.join(dir, 'bad-out'))).toBe(false);
    expect(fs.existsSync(path.join(dir, '..', 'escape.png'))).toBe(false);
    const json = await capture(() => batchCommand([job, '--json']));
    expect(json.code).toBe(2);
    expect(jsonLines(json.stdout)).toEqual([expect.objectContaining({ ok: false, exitCode: 2, error: expect.objectContaining({ code: 'CONFIG_INVALID' }) })]);
    const usage = await capture(() => batchCommand([job, '--concurrency', 'lots']));
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--concurrency must be a whole number from 1 to 64/);
    const noModel = writeJob(dir, 'nomodel.json', JSON.stringify({ version: 1, output: 'nm-out', inputs: ['in/a.png'], edits: [{ name: 'x', prompt: 'y' }] }));
    const nm = await capture(() => batchCommand([noModel]));
    expect(nm.code).toBe(2);
    expect(nm.stderr).toMatch(/no model: set "model:" in .*nomodel\.json or pass --model/);
  });

  const twoByTwo = writeJob(dir, 'small.yaml', `${header}output: small-out\ninputs: [in/a.png, in/b.png]\nedits:\n  - { name: green, prompt: "a green square" }\n  - { name: circle, prompt: "a red circle", maps: false }\n`);

  it('Ctrl-C after the first item stops cleanly (exit 130, says how to resume); the rerun runs only the remaining items', async () => {
    const host = new EventEmitter();
    const first = await capture(
      () => batchCommand([twoByTwo, '--json'], { interruptHost: host }),
      (chunk) => {
        if (chunk.includes('"event":"item-finished"') && chunk.includes('"status":"done"')) host.emit('SIGINT');
      },
    );
    expect(first.code, first.stderr).toBe(130);
    const events = jsonLines(first.stdout);
    expect(events.filter((e) => e.event === 'item-started').map((e) => e.id)).toEqual(['a/green']);
    expect(events.some((e) => e.event === 'interrupted')).toBe(true);
    const summary = events.at(-1) as Record<string, unknown>;
    expect(summary).toMatchObject({ event: 'summary', ok: false, exitCode: 130, done: 1, pending: 3, aborted: true });
    expect(summary.resume).toMatch(/^reprise batch .*small\.yaml --json$/);
    expect(host.listenerCount('SIGINT')).toBe(0); // handler removed

    const second = await capture(() => batchCommand([twoByTwo, '--json']));
    expect(second.code, second.stderr).toBe(0);
    const again = jsonLines(second.stdout);
    expect(again[0]).toEqual({ event: 'planned', total: 4, toRun: 3, skipped: 1 });
    expect(again.filter((e) => e.event === 'item-started').map((e) => e.id)).toEqual(['a/circle', 'b/green', 'b/circle']);
    expect(again.at(-1)).toMatchObject({ event: 'summary', ok: true, exitCode: 0, done: 3, skipped: 1, failed: 0, pending: 0 });
    const out = path.join(dir, 'small-out');
    expect(fs.existsSync(path.join(out, 'a/circle.attn.png'))).toBe(false); // maps: false
    expect(fs.existsSync(path.join(out, 'b/green.attn.png'))).toBe(true);
  });

  it('concurrency 2 runs two items at once and gives the same images', async () => {
    const out = path.join(dir, 'conc-out');
    const r = await capture(() => batchCommand([twoByTwo, '--concurrency', '2', '--output', out, '--json']));
    expect(r.code, r.stderr).toBe(0);
    const events = jsonLines(r.stdout);
    expect(Math.max(...events.filter((e) => e.event === 'item-started').map((e) => e.running as number))).toBe(2);
    expect(events.at(-1)).toMatchObject({ done: 4, failed: 0 });
    for (const f of ['a/green.png', 'a/circle.png', 'b/green.png', 'b/_reconstruction.png']) {
      expect(await sameImageFiles(path.join(out, f), path.join(dir, 'small-out', f)), f).toBe(true);
    }
    const redo = await capture(() => batchCommand([twoByTwo, '--output', out, '--no-resume', '--concurrency', '2']));
    expect(redo.code).toBe(0);
    expect(redo.stdout).toMatch(/^4 items: 4 done, 0 skipped/);
  });

  it('--help documents the job file and exit codes', async () => {
    const r = await capture(() => batchCommand(['--help']));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: reprise batch/);
    expect(r.stdout).toMatch(/Exit codes: 0 every item done, 1 some item failed/);
    expect(r.stdout).toMatch(/Job files are bounded: 1 MiB, 32 levels, 100 YAML aliases, .*\n100000 items/);
  });
});
