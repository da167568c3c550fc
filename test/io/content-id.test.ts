import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearContentIdMemory, contentId, contentIdCacheDir } from '../../src/io/content-id.js';
import { openSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { Random } from '../../src/util/random.js';
import { tempDir } from '../helpers.js';

const read = (fd: number, buf: Buffer, offset: number): void => void fs.readSync(fd, buf, 0, buf.length, offset);

describe('full content ids of weight files', () => {
  const dir = tempDir();
  const saved = process.env.REPRISE_CACHE_DIR;
  beforeAll(() => void (process.env.REPRISE_CACHE_DIR = path.join(dir, 'cache')));
  afterAll(() => (saved === undefined ? delete process.env.REPRISE_CACHE_DIR : (process.env.REPRISE_CACHE_DIR = saved)));

  it('one changed byte anywhere (also beyond the first 64 × 16 KiB samples) gives another id; a copy the same one', () => {
    const n = 600_000; // 2.4 MB: the old sampled id missed most of it
    const a = new Random(1).normals(n);
    const file = (name: string, data: Float32Array): string => {
      const f = path.join(dir, name);
      writeSafetensors(f, [{ name: 'w', dtype: 'F32', shape: [data.length], data }]);
      return f;
    };
    const ids = new Set<string>();
    const base = openSafetensors(file('a.safetensors', a)).id;
    for (const at of [1, 4099, 300_001, n - 1]) {
      const b = a.slice();
      b[at] = (b[at] as number) + 1e-3;
      ids.add(openSafetensors(file(`b${at}.safetensors`, b)).id);
    }
    expect(ids.size).toBe(4);
    expect(ids.has(base)).toBe(false);
    fs.copyFileSync(path.join(dir, 'a.safetensors'), path.join(dir, 'copy.safetensors'));
    expect(openSafetensors(path.join(dir, 'copy.safetensors')).id).toBe(base);
  });

  it('is hashed once, then served from memory and from the disk cache; a rewritten file is hashed again', () => {
    const f = path.join(dir, 'c.bin');
    fs.writeFileSync(f, Buffer.alloc(1 << 20, 7));
    const fd = fs.openSync(f, 'r');
    const first = contentId(fd, 1 << 20, read);
    expect(first.source).toBe('hashed');
    expect(contentId(fd, 1 << 20, read)).toEqual({ id: first.id, source: 'memory' });
    clearContentIdMemory();
    expect(contentId(fd, 1 << 20, read)).toEqual({ id: first.id, source: 'disk' });
    expect(fs.readdirSync(contentIdCacheDir()).filter((k) => fs.readFileSync(path.join(contentIdCacheDir(), k), 'utf8').trim() === first.id)).toHaveLength(1);
    fs.closeSync(fd);
    fs.writeFileSync(f, Buffer.alloc(1 << 20, 8));
    const fd2 = fs.openSync(f, 'r');
    const again = contentId(fd2, 1 << 20, read);
    fs.closeSync(fd2);
    expect(again.source).toBe('hashed');
    expect(again.id).not.toBe(first.id);
  });
});
