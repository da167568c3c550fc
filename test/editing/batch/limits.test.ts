/**
 * Bounded job-file parsing: each limit of JOB_LIMITS is a JobFileError naming the file, the limit
 * and how to split the job — and reaches the CLI as exit 2, never 3 — in bounded time.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { batchCommand } from '../../../src/cli/batch.js';
import { expandBraces, globBudget, globFiles, hasGlobMagic } from '../../../src/editing/batch/glob.js';
import { JobFileError, loadJobFile, resolveJob } from '../../../src/editing/batch/job-file.js';
import { GlobLimitError, JOB_LIMITS, type JobLimit } from '../../../src/editing/batch/limits.js';
import { capture } from '../../cli/cli-helpers.js';
import { makeTree, writeFile } from './helpers.js';

const editOptions = z.record(z.string(), z.unknown());

function jobError(fn: () => unknown): JobFileError {
  try {
    fn();
  } catch (e) {
    if (e instanceof JobFileError) return e;
    throw e;
  }
  throw new Error('expected a JobFileError');
}

/** Asserts `err` reports `limit` by name with advice, and names `file`. */
function expectLimit(err: JobFileError, limit: JobLimit, file: string): void {
  expect(err.file).toBe(file);
  expect(err.message).toContain(file);
  const problem = err.problems.find((p) => p.message.includes(`(${limit})`));
  expect(problem, `${limit} in ${err.message}`).toBeDefined();
  expect(problem?.message).toContain(JOB_LIMITS[limit].toLocaleString('en-US'));
  expect(problem?.message).toMatch(/split|shorten|fewer|narrow|flatten|write the repeated|shorter/);
}

const head = 'version: 1\noutput: out\nedits: [{ name: e, prompt: p }]\n';

describe('job-file limits', () => {
  const dir = makeTree({ 'a.png': 'A' });
  const file = (name: string, text: string): string => writeFile(dir, name, text);

  it.each<[string, string, string, JobLimit]>([
    ['deep JSON (5,000 levels)', 'deep.json', `{"version":1,"x":${'['.repeat(5000)}${']'.repeat(5000)}}`, 'depth'],
    ['deep YAML flow (5,000 levels)', 'deep.yaml', `${head}inputs: [a.png]\nx: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, 'depth'],
    ['deep YAML blocks (40 levels)', 'deepblock.yaml', `${head}inputs: [a.png]\n${Array.from({ length: 40 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} 1\n`, 'depth'],
    [
      'YAML alias bomb',
      'bomb.yaml',
      `${head}inputs: [a.png]\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n`,
      'aliases',
    ],
    ['a long prompt', 'long.yaml', `${head.replace('prompt: p', `prompt: ${'w'.repeat(JOB_LIMITS.stringLength + 1)}`)}inputs: [a.png]\n`, 'stringLength'],
    ['a huge file', 'huge.yaml', `${head}inputs: [a.png]\n#${'x'.repeat(JOB_LIMITS.fileBytes)}\n`, 'fileBytes'],
    ['too many edits', 'edits.json', JSON.stringify({ version: 1, output: 'out', inputs: ['a.png'], edits: Array.from({ length: JOB_LIMITS.edits + 1 }, (_, i) => ({ name: `e${i}`, prompt: 'p' })) }), 'edits'],
    ['too many input entries', 'inputs.json', JSON.stringify({ version: 1, output: 'out', inputs: Array.from({ length: JOB_LIMITS.inputEntries + 1 }, () => 'a.png'), edits: [{ name: 'e', prompt: 'p' }] }), 'inputEntries'],
    ['a brace bomb', 'braces.yaml', `${head}inputs: ["${'{a,b}'.repeat(40)}.png"]\n`, 'braceExpansions'],
    ['nested brace bomb', 'nested.yaml', `${head}inputs: ["${'{a,{b,c},'.repeat(12)}d${'}'.repeat(12)}${'{x,y}'.repeat(12)}"]\n`, 'braceExpansions'],
    ['a long pattern', 'pattern.yaml', `${head}inputs: ["${'a'.repeat(JOB_LIMITS.patternLength)}*"]\n`, 'patternLength'],
  ])('%s → JobFileError naming the limit, quickly', (_label, name, text, limit) => {
    const f = file(name, text);
    const t0 = Date.now();
    expectLimit(jobError(() => loadJobFile(f, editOptions)), limit, f);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('too many items (inputs × edits) and too many matched files', () => {
    const many = makeTree(Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`p/${i}.png`, 'x'])));
    const edits = Array.from({ length: 900 }, (_, i) => ({ name: `e${i}`, prompt: 'p' }));
    const f = path.join(many, 'job.yaml');
    const err = jobError(() => resolveJob({ version: 1, output: 'out', inputs: ['p/*.png'], edits }, { dir: many, file: f, editOptions }));
    expectLimit(err, 'items', f);
    // A small budget stands in for a huge tree: the match limit is checked while walking.
    expect(() => globFiles('p/*.png', many, { ...globBudget(), maxMatches: 50 })).toThrow(GlobLimitError);
    expect(() => globFiles('**', many, { ...globBudget(), deadline: Date.now() - 1 })).toThrow(/globMs/);
  });

  it('an in-memory cyclic document is a depth problem, not a stack overflow', () => {
    const cyclic: Record<string, unknown> = { version: 1, output: 'out', inputs: ['a.png'], edits: [{ name: 'e', prompt: 'p' }] };
    cyclic['self'] = cyclic;
    expectLimit(jobError(() => resolveJob(cyclic, { dir, file: 'mem', editOptions })), 'depth', 'mem');
  });

  it('brace expansion stays exact under the limits and is bounded beyond them', () => {
    expect(expandBraces('{a,b}{c,d}')).toEqual(['ac', 'ad', 'bc', 'bd']);
    expect(expandBraces('x{a,{b,c}}y')).toEqual(['xay', 'xby', 'xcy']);
    expect(expandBraces('{ab}')).toEqual(['{ab}']);
    expect(expandBraces('{a,b'.repeat(3))).toEqual(['{a,b'.repeat(3)]);
    expect(expandBraces('{a,b}'.repeat(10))).toHaveLength(1024);
    const t0 = Date.now();
    expect(() => hasGlobMagic('{a,b}'.repeat(11))).not.toThrow(); // magic is found without expanding
    expect(() => expandBraces('{a,b}'.repeat(11))).toThrow(GlobLimitError);
    expect(() => expandBraces('{,}'.repeat(200))).toThrow(/braceExpansions/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('the CLI exits 2 (not 3) for deep nesting and alias bombs, naming the file', async () => {
    const deep = file('cli-deep.json', `{"version":1,"x":${'['.repeat(4000)}${']'.repeat(4000)}}`);
    const bomb = file('cli-bomb.yaml', `${head}inputs: [a.png]\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n`);
    for (const f of [deep, bomb]) {
      const r = await capture(() => batchCommand([f]));
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(f);
      expect(r.stderr).not.toMatch(/internal error/);
    }
  });
});
