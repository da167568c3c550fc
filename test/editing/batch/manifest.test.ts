import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RepriseError } from '../../../src/errors.js';
import { BatchManifest, MANIFEST_NAME, type ManifestEntry } from '../../../src/editing/batch/manifest.js';
import { makeTree } from './helpers.js';

const done = (outputs: string[], hash = 'h1'): ManifestEntry => ({
  status: 'done',
  hash,
  input: 'in/a.png',
  edit: 'dog',
  outputs,
  startedAt: '2024-01-01T00:00:00.000Z',
  finishedAt: '2024-01-01T00:00:01.000Z',
  durationMs: 1000,
});

describe('batch manifest', () => {
  it('starts empty, persists every entry atomically, sorted by id, and reloads', async () => {
    const out = makeTree({ 'a/dog.png': 'x' });
    const m = BatchManifest.load(out);
    expect(m.entries().size).toBe(0);
    await Promise.all([
      m.set('b/red', { ...done(['b/red.png']), status: 'failed', error: { message: 'boom', code: 'RUNTIME_FAILURE' } } as ManifestEntry),
      m.set('a/dog', done(['a/dog.png'])),
    ]);
    expect(fs.readdirSync(out).sort()).toEqual([MANIFEST_NAME, 'a']);
    const json = JSON.parse(fs.readFileSync(path.join(out, MANIFEST_NAME), 'utf8'));
    expect(Object.keys(json.items)).toEqual(['a/dog', 'b/red']);
    const again = BatchManifest.load(out);
    expect(again.get('b/red')).toMatchObject({ status: 'failed', error: { message: 'boom', code: 'RUNTIME_FAILURE' } });
    expect(again.isUpToDate('a/dog', 'h1')).toBe(true);
    expect(again.isUpToDate('a/dog', 'h2')).toBe(false); // changed item
    expect(again.isUpToDate('b/red', 'h1')).toBe(false); // failed items are retried
    expect(again.isUpToDate('c/new', 'h1')).toBe(false);
    fs.rmSync(path.join(out, 'a/dog.png'));
    expect(again.isUpToDate('a/dog', 'h1')).toBe(false); // output gone
  });

  it('never trusts recorded outputs outside the output folder', async () => {
    const out = makeTree({});
    const m = BatchManifest.load(out);
    await m.set('a/dog', done(['../../etc/passwd']));
    expect(BatchManifest.load(out).isUpToDate('a/dog', 'h1')).toBe(false);
  });

  it('a damaged manifest is an error that says what to do', () => {
    const out = makeTree({ [MANIFEST_NAME]: '{"version": 1, "items": ' });
    try {
      BatchManifest.load(out);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RepriseError);
      expect((e as RepriseError).code).toBe('CONFIG_INVALID');
      expect((e as RepriseError).hint).toMatch(/Delete it/);
    }
    fs.writeFileSync(path.join(out, MANIFEST_NAME), JSON.stringify({ version: 1, updatedAt: 'x', items: { a: { status: 'weird' } } }));
    expect(() => BatchManifest.load(out)).toThrow(/not valid/);
  });
});
