import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTemporaryName, temporaryPathFor, writeFileAtomic } from '../../../src/editing/batch/atomic.js';
import { makeTree } from './helpers.js';

describe('writeFileAtomic', () => {
  it('writes and replaces a file, leaving no temporary file', async () => {
    const dir = makeTree({ 'a.bin': 'old' });
    await writeFileAtomic(path.join(dir, 'a.bin'), new Uint8Array([1, 2, 3]));
    expect([...fs.readFileSync(path.join(dir, 'a.bin'))]).toEqual([1, 2, 3]);
    await writeFileAtomic(path.join(dir, 'b.txt'), 'text');
    expect(fs.readFileSync(path.join(dir, 'b.txt'), 'utf8')).toBe('text');
    expect(fs.readdirSync(dir).sort()).toEqual(['a.bin', 'b.txt']);
  });

  it('on failure removes the temporary file and leaves the target untouched', async () => {
    const dir = makeTree({ 'target/inside.txt': 'keep' });
    // Renaming a file over a non-empty folder fails after the data was written.
    await expect(writeFileAtomic(path.join(dir, 'target'), 'data')).rejects.toThrow();
    expect(fs.readdirSync(dir)).toEqual(['target']);
    expect(fs.readFileSync(path.join(dir, 'target', 'inside.txt'), 'utf8')).toBe('keep');
  });

  it('fails cleanly when the folder does not exist', async () => {
    const dir = makeTree({});
    await expect(writeFileAtomic(path.join(dir, 'missing', 'x.txt'), 'x')).rejects.toThrow(/ENOENT/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('concurrent writes of one file never produce a partial file', async () => {
    const dir = makeTree({});
    const file = path.join(dir, 'shared.bin');
    const payloads = Array.from({ length: 8 }, (_, i) => new Uint8Array(64 * 1024).fill(i));
    await Promise.all(payloads.map((p) => writeFileAtomic(file, p)));
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBe(64 * 1024);
    expect(new Set(bytes).size).toBe(1);
    expect(fs.readdirSync(dir)).toEqual(['shared.bin']);
  });

  it('temporary names are hidden, unique and recognizable', () => {
    const a = temporaryPathFor('/x/y/report.html');
    const b = temporaryPathFor('/x/y/report.html');
    expect(a).not.toBe(b);
    expect(path.dirname(a)).toBe('/x/y');
    expect(isTemporaryName(path.basename(a))).toBe(true);
    expect(isTemporaryName('report.html')).toBe(false);
  });
});
