/**
 * Atomic file writes: data goes to a temporary file in the target's folder, is flushed to disk,
 * then renamed over the target, so readers (and a rerun after a crash) see either the old file
 * or the complete new one, never a partial one.
 *
 * `src/onnx/serialize.ts` has a private, synchronous helper for model files (no fsync); this one
 * is the asynchronous, fsync-ing variant batch jobs need.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { assertRealInside, type OutputRoot } from './paths.js';

/** The temporary name used while writing `file` (hidden, unique per call). */
export function temporaryPathFor(file: string): string {
  const dir = path.dirname(file);
  return path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Whether `name` looks like a temporary file left by {@link writeFileAtomic}. */
export function isTemporaryName(name: string): boolean {
  return /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/.test(name);
}

/** Flags of the temporary file: created here (never an existing file), never through a symbolic link. */
const TEMP_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0);

/**
 * THE atomic write of batch jobs (outputs, manifest, report): a temporary file in the target's
 * folder opened with O_CREAT|O_EXCL|O_NOFOLLOW, full write, fsync, rename over `file`, then a
 * best-effort fsync of the folder. On any failure (ENOSPC included) the temporary file is removed
 * and the error rethrown; `file` is left untouched.
 *
 * With `root`, the folder's real path is checked to lie inside the pinned output folder just
 * before the temporary file is created and again just before the rename, so a symbolic link
 * planted during a run cannot redirect the write.
 *
 * The folder must exist.
 *
 * @throws UnsafeOutputPathError when `root` is given and the folder resolves outside it.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string, root?: OutputRoot): Promise<void> {
  const dir = path.dirname(file);
  const requested = root === undefined ? file : path.relative(root.dir, file).split(path.sep).join('/');
  if (root !== undefined) assertRealInside(root, dir, requested);
  const tmp = temporaryPathFor(file);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, TEMP_FLAGS, 0o666);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (root !== undefined) assertRealInside(root, dir, requested);
    await fsp.rename(tmp, file);
  } catch (e) {
    if (handle !== undefined) await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await syncFolder(dir);
}

/** fsyncs a folder so a rename survives a power loss; silently skipped where unsupported. */
async function syncFolder(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open or fsync folders; the rename is still atomic.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
