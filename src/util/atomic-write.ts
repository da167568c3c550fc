/**
 * THE atomic write of the project: every file Reprise writes goes through here. Data goes to a
 * temporary file in the target's own folder (one naming scheme, {@link temporaryPathFor}), is
 * written in full and fsynced, renamed over the target, and the folder is fsynced, so readers —
 * and a rerun after a crash or a power loss — see either the old file or the complete new one,
 * never a partial one. On any failure the temporary file is removed and the error rethrown; the
 * target is left untouched.
 *
 * Writers that stream into the temporary file themselves (safetensors, ONNX external data) take a
 * name from {@link temporaryPathFor} and finish with {@link commitTemporarySync}; a folder built
 * under a temporary name is put in place with {@link renameIntoPlaceSync}.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

/** The temporary name used while writing `file`: hidden, in the same folder, unique per call. */
export function temporaryPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Whether `name` (a base name) is a temporary name of {@link temporaryPathFor}. */
export function isTemporaryName(name: string): boolean {
  return /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/.test(name);
}

/** Flags of a temporary file: created here (never an existing file), never through a symbolic link. */
export const TEMPORARY_FILE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0);

/** Hooks of {@link writeFileAtomic}: checks run just before the temporary file is created and just before the rename. */
export interface AtomicWriteHooks {
  readonly beforeCreate?: () => void;
  readonly beforeRename?: () => void;
}

/** Writes `data` to `file` atomically (async). The folder must exist. */
export async function writeFileAtomic(file: string, data: Uint8Array | string, hooks: AtomicWriteHooks = {}): Promise<void> {
  hooks.beforeCreate?.();
  const tmp = temporaryPathFor(file);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, TEMPORARY_FILE_FLAGS, 0o666);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    hooks.beforeRename?.();
    await fsp.rename(tmp, file);
  } catch (e) {
    if (handle !== undefined) await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await syncFolder(path.dirname(file));
}

/** Writes `data` to `file` atomically (sync). `beforeRename` runs once the data is on disk. The folder must exist. */
export function writeFileAtomicSync(file: string, data: Uint8Array | string, beforeRename?: () => void): void {
  const tmp = temporaryPathFor(file);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, TEMPORARY_FILE_FLAGS, 0o666);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let done = 0;
    while (done < bytes.byteLength) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    beforeRename?.();
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  syncFolderSync(path.dirname(file));
}

/**
 * Finishes a streamed write: fsyncs the (closed) temporary file `tmp`, renames it over `file`,
 * fsyncs the folder. On failure `tmp` is removed and the error rethrown.
 */
export function commitTemporarySync(tmp: string, file: string): void {
  try {
    const fd = fs.openSync(tmp, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  syncFolderSync(path.dirname(file));
}

/**
 * Puts a folder (or file) built under a temporary name in place with one rename, then fsyncs the
 * parent folder. Throws what rename throws (e.g. ENOTEMPTY when another process put its copy
 * there first); the caller decides whether that is an error.
 */
export function renameIntoPlaceSync(tmp: string, target: string): void {
  fs.renameSync(tmp, target);
  syncFolderSync(path.dirname(target));
}

/** fsyncs a folder so a rename survives a power loss; skipped where folders cannot be fsynced (Windows). */
export async function syncFolder(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms cannot open or fsync folders; the rename is still atomic.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** The synchronous {@link syncFolder}. */
export function syncFolderSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // as above
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
