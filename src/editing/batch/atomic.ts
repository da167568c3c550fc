/**
 * Atomic file writes: data goes to a temporary file in the target's folder, is flushed to disk,
 * then renamed over the target, so readers (and a rerun after a crash) see either the old file
 * or the complete new one, never a partial one.
 *
 * `src/onnx/serialize.ts` has a private, synchronous helper for model files (no fsync); this one
 * is the asynchronous, fsync-ing variant batch jobs need.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/** The temporary name used while writing `file` (hidden, unique per call). */
export function temporaryPathFor(file: string): string {
  const dir = path.dirname(file);
  return path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Whether `name` looks like a temporary file left by {@link writeFileAtomic}. */
export function isTemporaryName(name: string): boolean {
  return /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/.test(name);
}

/**
 * Writes `data` to `file` atomically: temporary file in the same folder (created exclusively),
 * full write, fsync, rename over `file`, then a best-effort fsync of the folder. On any failure
 * the temporary file is removed and the error rethrown; `file` is left untouched.
 *
 * The folder must exist.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = temporaryPathFor(file);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, 'wx', 0o666);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tmp, file);
  } catch (e) {
    if (handle !== undefined) await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await syncFolder(path.dirname(file));
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
