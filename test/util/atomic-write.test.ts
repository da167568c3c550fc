import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitTemporarySync, renameIntoPlaceSync, temporaryPathFor, writeFileAtomic, writeFileAtomicSync } from '../../src/util/atomic-write.js';

const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-atomic-'));

// The async write's concurrency and the naming scheme are tested through the batch wrapper (test/editing/batch/atomic.test.ts).
describe('atomic write (util/atomic-write.ts)', () => {
  it('writes bytes and text, sync and async, leaving only the target', async () => {
    const dir = tmpDir();
    writeFileAtomicSync(path.join(dir, 'a.bin'), new Uint8Array([1, 2, 3]));
    await writeFileAtomic(path.join(dir, 'b.txt'), 'text é');
    expect([...fs.readFileSync(path.join(dir, 'a.bin'))]).toEqual([1, 2, 3]);
    expect(fs.readFileSync(path.join(dir, 'b.txt'), 'utf8')).toBe('text é');
    expect(fs.readdirSync(dir).sort()).toEqual(['a.bin', 'b.txt']);
  });

  it('a failure before the rename leaves the old content and no temporary file (sync and async)', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'target.json');
    fs.writeFileSync(file, 'old');
    expect(() =>
      writeFileAtomicSync(file, 'new', () => {
        throw new Error('disk gone');
      }),
    ).toThrow('disk gone');
    await expect(
      writeFileAtomic(file, 'new', {
        beforeRename: () => {
          throw new Error('moved');
        },
      }),
    ).rejects.toThrow('moved');
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(fs.readdirSync(dir)).toEqual(['target.json']);
  });

  it('a missing folder is an error and creates nothing', async () => {
    const dir = tmpDir();
    expect(() => writeFileAtomicSync(path.join(dir, 'no', 'x'), 'x')).toThrow(/ENOENT/);
    await expect(writeFileAtomic(path.join(dir, 'no', 'x'), 'x')).rejects.toThrow(/ENOENT/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('commitTemporarySync puts a streamed file in place, and removes it when the rename fails', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'data.bin');
    const tmp = temporaryPathFor(file);
    fs.writeFileSync(tmp, 'streamed');
    commitTemporarySync(tmp, file);
    expect(fs.readFileSync(file, 'utf8')).toBe('streamed');
    const tmp2 = temporaryPathFor(file);
    fs.writeFileSync(tmp2, 'x');
    fs.mkdirSync(path.join(dir, 'occupied'));
    fs.writeFileSync(path.join(dir, 'occupied', 'f'), '');
    expect(() => commitTemporarySync(tmp2, path.join(dir, 'occupied'))).toThrow();
    expect(fs.existsSync(tmp2)).toBe(false);
  });

  it('renameIntoPlaceSync moves a folder built under a temporary name', () => {
    const dir = tmpDir();
    const tmp = temporaryPathFor(path.join(dir, 'entry'));
    fs.mkdirSync(tmp);
    fs.writeFileSync(path.join(tmp, 'meta.json'), '{}');
    renameIntoPlaceSync(tmp, path.join(dir, 'entry'));
    expect(fs.readdirSync(dir)).toEqual(['entry']);
    expect(fs.readFileSync(path.join(dir, 'entry', 'meta.json'), 'utf8')).toBe('{}');
  });
});

describe('every writer in src/ goes through the atomic write', () => {
  const SRC = path.resolve(import.meta.dirname, '../../src');
  const files = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));

  it('no src/ file but util/atomic-write.ts renames or writes whole files itself', () => {
    const offenders: string[] = [];
    for (const f of files(SRC)) {
      if (f.endsWith(path.join('util', 'atomic-write.ts'))) continue;
      const lines = fs.readFileSync(f, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (/^\s*(\*|\/\/)/.test(line)) return;
        if (/\b(renameSync|writeFileSync|appendFileSync)\s*\(|\bfsp?\.(rename|writeFile|appendFile)\s*\(|\bcreateWriteStream\s*\(/.test(line)) offenders.push(`${path.relative(SRC, f)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
