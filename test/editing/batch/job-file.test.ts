import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RepriseError } from '../../../src/errors.js';
import { JobFileError, loadJobFile, resolveJob } from '../../../src/editing/batch/job-file.js';
import { jobFileSchema, makeJobSchema } from '../../../src/editing/batch/job-schema.js';
import { makeTree, writeFile } from './helpers.js';
import { expectRepriseError, thrownBy } from '../../helpers.js';

/** A stand-in for the pipeline's edit-option schema. */
const editOptions = z.strictObject({
  method: z.enum(['ef-ddpm', 'ddim', 'bdia']),
  steps: z.number().int().positive(),
  guidance: z.number().default(7.5),
  seed: z.number().int().default(0),
  edit: z.enum(['replace', 'refine']).default('replace'),
  attention: z
    .strictObject({ crossReplace: z.number().min(0).max(1).optional(), selfReplace: z.number().min(0).max(1).optional() })
    .default({}),
});

const yamlJob = `version: 1
model: ./models/sd15
output: ./out
concurrency: 2
defaults: { method: ef-ddpm, steps: 50, guidance: 7.5, seed: 0, attention: { selfReplace: 0.4 } }
inputs:
  - photos/*.jpg
  - { path: cat.png, prompt: "a cat on a bench" }
edits:
  - { name: dog, prompt: "a dog on a bench", attention: { crossReplace: 0.8 } }
  - { name: red, prompt: "a red cat on a bench", edit: refine }
`;

const catchError = (fn: () => unknown): JobFileError => expectRepriseError(thrownBy(fn), { type: JobFileError, code: 'CONFIG_INVALID', hint: true });

describe('job files', () => {
  it('loads YAML: inputs × edits, merged options, resolved paths', () => {
    const dir = makeTree({ 'photos/b.jpg': 'b', 'photos/a.jpg': 'a', 'cat.png': 'c' });
    const file = writeFile(dir, 'job.yaml', yamlJob);
    const job = loadJobFile(file, editOptions);
    expect(job.output).toBe(path.join(dir, 'out'));
    expect(job.model).toBe(path.join(dir, 'models/sd15'));
    expect(job.concurrency).toBe(2);
    expect(job.inputs.map((i) => [i.relativePath, i.key, i.sourcePrompt])).toEqual([
      ['photos/a.jpg', 'a', undefined],
      ['photos/b.jpg', 'b', undefined],
      ['cat.png', 'cat', 'a cat on a bench'],
    ]);
    expect(job.items.map((i) => i.id)).toEqual(['a/dog', 'a/red', 'b/dog', 'b/red', 'cat/dog', 'cat/red']);
    const dog = job.edits[0]!;
    expect(dog.options).toEqual({ method: 'ef-ddpm', steps: 50, guidance: 7.5, seed: 0, edit: 'replace', attention: { crossReplace: 0.8, selfReplace: 0.4 } });
    expect(job.edits[1]!.options.edit).toBe('refine');
    expect(job.items[0]!.names).toEqual({ folder: 'a', source: 'a/_source', reconstruction: 'a/_reconstruction', edit: 'a/dog' });
  });

  it('loads the same job from JSON, and .yml', () => {
    const dir = makeTree({ 'photos/a.jpg': 'a', 'cat.png': 'c' });
    const json = {
      version: 1,
      output: 'out',
      defaults: { method: 'ddim', steps: 10 },
      inputs: ['photos/*.jpg', { path: 'cat.png', prompt: 'a cat' }],
      edits: [{ name: 'dog', prompt: 'a dog' }],
    };
    const fromJson = loadJobFile(writeFile(dir, 'job.json', JSON.stringify(json)), editOptions);
    const fromYml = loadJobFile(writeFile(dir, 'job.yml', yamlJob.replace('photos/*.jpg', 'photos/a.jpg')), editOptions);
    expect(fromJson.items.map((i) => i.id)).toEqual(['a/dog', 'cat/dog']);
    expect(fromJson.concurrency).toBe(1);
    expect(fromJson.model).toBeUndefined();
    expect(fromJson.edits[0]!.options.steps).toBe(10);
    expect(fromYml.items.map((i) => i.id)).toEqual(['a/dog', 'a/red', 'cat/dog', 'cat/red']);
  });

  it('reports every problem at once, each with its path', () => {
    const dir = makeTree({ 'photos/a.jpg': 'a' });
    const file = writeFile(
      dir,
      'job.yaml',
      `version: 2
output: ./out
concurency: 3
defaults: { method: ef-ddpm, steps: -5 }
inputs:
  - photos/*.png
  - missing.jpg
  - photos/a.jpg
  - { path: photos, prompt: 3 }
edits:
  - { name: dog, prompt: "a dog", attention: { crossReplace: 1.8 } }
  - { name: Dog, prompt: "another dog" }
  - { name: "../x", prompt: "escape" }
  - { name: cat }
`,
    );
    const err = catchError(() => loadJobFile(file, editOptions));
    const paths = err.problems.map((p) => p.path);
    for (const expected of [
      'version',
      '', // unrecognized key "concurency" is reported on the root object
      'defaults.steps',
      'inputs[0]',
      'inputs[1]',
      'inputs[3].path', // a folder, not a file
      'inputs[3].prompt', // the union reports the branch matching the value's type
      'edits[0].attention.crossReplace',
      'edits[1].name',
      'edits[2].name',
      'edits[3].prompt',
    ]) {
      expect(paths, `missing ${expected} in ${JSON.stringify(err.problems, null, 1)}`).toContain(expected);
    }
    expect(err.message).toContain('concurency');
    expect(err.message).toContain('no file matches "photos/*.png"');
    expect(err.message).toContain('file not found: missing.jpg');
    expect(err.message).toContain('duplicate edit name "Dog"');
    expect(err.problems.filter((p) => p.path === 'defaults.steps')).toHaveLength(1); // not once per edit
    for (const p of err.problems) expect(err.message).toContain(p.message);
    // Listed in file order.
    const order = ['', 'version', 'defaults', 'inputs', 'edits'];
    const ranks = paths.map((p) => order.indexOf(/^[a-z]*/.exec(p)![0]));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it('rejects edit names that are not safe file names', () => {
    const dir = makeTree({ 'a.png': 'a' });
    for (const name of ['../x', '/etc/x', 'a/b', 'con', 'NUL', 'a\u0000b', '', '.hidden', 'a.b', 'x'.repeat(65)]) {
      const raw = { version: 1, output: 'out', inputs: ['a.png'], edits: [{ name, prompt: 'p' }] };
      const err = catchError(() => resolveJob(raw, { dir, editOptions: z.record(z.string(), z.unknown()) }));
      expect(err.problems.map((p) => p.path)).toContain('edits[0].name');
    }
  });

  it('output folder: relative must stay in the job folder, absolute is explicit, never containing the job or an input', () => {
    const dir = makeTree({ 'a.png': 'a', 'out/old.png': 'o' });
    const base = { version: 1, inputs: ['a.png', 'out/*.png'], edits: [{ name: 'e', prompt: 'p' }] };
    const opts = { dir, file: path.join(dir, 'job.yaml'), editOptions: z.record(z.string(), z.unknown()) };
    const escaping = catchError(() => resolveJob({ ...base, inputs: ['a.png'], output: '../elsewhere' }, opts));
    expect(escaping.problems).toEqual([expect.objectContaining({ path: 'output', message: expect.stringContaining('absolute path') })]);
    const self = catchError(() => resolveJob({ ...base, inputs: ['a.png'], output: '.' }, opts));
    expect(self.problems[0]?.path).toBe('output');
    const inside = catchError(() => resolveJob({ ...base, output: 'out' }, opts));
    expect(inside.problems).toEqual([expect.objectContaining({ path: 'inputs[1]', message: expect.stringContaining('inside the output folder') })]);
    const outside = makeTree({});
    const abs = resolveJob({ ...base, inputs: ['a.png'], output: path.join(outside, 'res') }, opts);
    expect(abs.output).toBe(path.join(outside, 'res'));
    const cli = resolveJob({ ...base, inputs: ['a.png'], output: 'out' }, { ...opts, overrides: { output: path.join(outside, 'cli'), model: outside } });
    expect(cli.output).toBe(path.join(outside, 'cli'));
    expect(cli.model).toBe(outside);
    fs.writeFileSync(path.join(dir, 'afile'), 'x');
    const notDir = catchError(() => resolveJob({ ...base, inputs: ['a.png'], output: 'afile' }, opts));
    expect(notDir.problems[0]?.message).toContain('not a folder');
  });

  it('an input listed by a glob and explicitly is taken once, the explicit prompt winning; two explicit listings are an error', () => {
    const dir = makeTree({ 'p/a.png': 'a', 'p/b.png': 'b' });
    const opts = { dir, editOptions: z.record(z.string(), z.unknown()) };
    const job = resolveJob(
      { version: 1, output: 'out', prompt: 'default', inputs: ['p/*.png', { path: 'p/b.png', prompt: 'a bee' }], edits: [{ name: 'e', prompt: 'p' }] },
      opts,
    );
    expect(job.inputs.map((i) => [i.relativePath, i.sourcePrompt])).toEqual([
      ['p/a.png', 'default'],
      ['p/b.png', 'a bee'],
    ]);
    const err = catchError(() => resolveJob({ version: 1, output: 'out', inputs: ['p/a.png', 'p/a.png'], edits: [{ name: 'e', prompt: 'p' }] }, opts));
    expect(err.problems).toEqual([expect.objectContaining({ path: 'inputs[1]' })]);
  });

  it('duplicate base names get distinct keys', () => {
    const dir = makeTree({ 'a/cat.jpg': '1', 'b/cat.jpg': '2', 'dog.png': '3' });
    const job = resolveJob({ version: 1, output: 'out', inputs: ['**/*.{jpg,png}'], edits: [{ name: 'e', prompt: 'p' }] }, { dir, editOptions: z.record(z.string(), z.unknown()) });
    expect(job.inputs.map((i) => i.key)).toEqual(['a_cat', 'b_cat', 'dog']);
    expect(new Set(job.items.map((i) => i.names.edit)).size).toBe(3);
  });

  it('syntax errors, unknown extensions and missing files are JobFileErrors', () => {
    const dir = makeTree({});
    expect(catchError(() => loadJobFile(writeFile(dir, 'bad.yaml', 'version: 1\nversion: 2\n'))).message).toMatch(/invalid YAML at line 2/);
    expect(catchError(() => loadJobFile(writeFile(dir, 'bad.json', '{"version": 1,'))).message).toMatch(/invalid JSON/);
    expect(catchError(() => loadJobFile(writeFile(dir, 'job.toml', 'x'))).message).toMatch(/\.yaml, \.yml or \.json/);
    expect(catchError(() => loadJobFile(path.join(dir, 'absent.yaml'))).message).toMatch(/cannot read/);
  });

  it('makeJobSchema plugs the edit-option schema into the zod schema', () => {
    const schema = makeJobSchema(editOptions);
    const ok = schema.safeParse({ version: 1, output: 'o', defaults: { method: 'ddim', steps: 3 }, inputs: ['x'], edits: [{ name: 'a', prompt: 'b' }] });
    expect(ok.success && ok.data.edits[0]?.options.guidance).toBe(7.5);
    const bad = schema.safeParse({ version: 1, output: 'o', defaults: { method: 'nope', steps: 3 }, inputs: ['x'], edits: [{ name: 'a', prompt: 'b' }, { name: 'A', prompt: 'b', steps: 0 }] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['defaults.method', 'edits.1.name', 'edits.1.steps']);
    const free = jobFileSchema.safeParse({ version: 1, output: 'o', inputs: ['x'], edits: [{ name: 'a', prompt: 'b', anything: { goes: true } }] });
    expect(free.success && free.data.edits[0]?.options).toEqual({ anything: { goes: true } });
  });
});
