/**
 * Content identity of weight files: the full SHA-256 of the file's bytes, so that any changed
 * weight byte gives another id (ids key the compiled-graph cache and bind inversion records to
 * their model). Hashing is paid once per file version: ids are cached in memory and on disk under
 * `$REPRISE_CACHE_DIR/content-ids` (else `~/.cache/reprise/content-ids`), keyed by device,
 * inode, size, mtime and ctime (nanoseconds) — a rewritten or touched file is hashed again.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../util/atomic-write.js';

const CHUNK = 8 * 1024 * 1024;
const memory = new Map<string, string>();

/** The folder of cached content ids. */
export function contentIdCacheDir(): string {
  const base = process.env.REPRISE_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'reprise');
  return path.join(base, 'content-ids');
}

/** The cache key of an open file's current version. */
function versionKey(stat: fs.BigIntStats): string {
  return `${stat.dev}-${stat.ino}-${stat.size}-${stat.mtimeNs}-${stat.ctimeNs}`;
}

/** Hex SHA-256 of every byte of the open file `fd` (read in chunks; `readFully` reads at an offset). */
function hashFile(fd: number, size: number, readFully: (fd: number, buf: Buffer, offset: number) => void): string {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, size)));
  for (let off = 0; off < size; off += buf.length) {
    const n = Math.min(buf.length, size - off);
    const view = n === buf.length ? buf : buf.subarray(0, n);
    readFully(fd, view, off);
    h.update(view);
  }
  return h.digest('hex');
}

function readCached(file: string): string | undefined {
  try {
    const v = fs.readFileSync(file, 'utf8').trim();
    return /^[0-9a-f]{64}$/.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function writeCached(file: string, id: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomicSync(file, `${id}\n`);
  } catch {
    // the disk cache is an optimisation: an unwritable folder costs a rehash next time
  }
}

/** Where the id came from (for measurements and tests). */
export type ContentIdSource = 'memory' | 'disk' | 'hashed';

/**
 * The content id of the open file `fd` of `size` bytes: hex SHA-256 of all its bytes, cached.
 * `readFully(fd, buf, offset)` must fill `buf` from `offset` (the reader's own, with its errors).
 */
export function contentId(fd: number, size: number, readFully: (fd: number, buf: Buffer, offset: number) => void): { readonly id: string; readonly source: ContentIdSource } {
  const stat = fs.fstatSync(fd, { bigint: true });
  const key = versionKey(stat);
  const hit = memory.get(key);
  if (hit !== undefined) return { id: hit, source: 'memory' };
  const file = path.join(contentIdCacheDir(), key);
  const cached = readCached(file);
  if (cached !== undefined) {
    memory.set(key, cached);
    return { id: cached, source: 'disk' };
  }
  const id = hashFile(fd, size, readFully);
  memory.set(key, id);
  writeCached(file, id);
  return { id, source: 'hashed' };
}

/** Forgets the in-memory ids (tests and measurements of the disk cache). */
export function clearContentIdMemory(): void {
  memory.clear();
}

/** The id of a model: SHA-256 over its components' content ids (UNet, VAE, text encoder), so any weight byte of any of them changes it. */
export function modelContentId(components: { readonly unet: string; readonly vae: string; readonly textEncoder: string }): string {
  return createHash('sha256').update(`reprise-model\0unet\0${components.unet}\0vae\0${components.vae}\0text_encoder\0${components.textEncoder}`).digest('hex');
}
