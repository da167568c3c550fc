/**
 * Atomic writes of batch jobs (outputs, manifest, report): the project's one atomic write
 * (`src/util/atomic-write.ts`) with the output folder pinned — the folder's real path is checked
 * to lie inside the pinned output folder just before the temporary file is created and again just
 * before the rename, so a symbolic link planted during a run cannot redirect the write.
 */
import * as path from 'node:path';
import { writeFileAtomic as writeAtomic } from '../../util/atomic-write.js';
import { assertRealInside, type OutputRoot } from './paths.js';

export { isTemporaryName, temporaryPathFor } from '../../util/atomic-write.js';

/**
 * Writes `data` to `file` atomically (temporary file in the same folder, fsync, rename, folder
 * fsync); with `root`, the folder is checked to resolve inside it before creating and before
 * renaming. The folder must exist.
 *
 * @throws UnsafeOutputPathError when `root` is given and the folder resolves outside it.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string, root?: OutputRoot): Promise<void> {
  if (root === undefined) return writeAtomic(file, data);
  const dir = path.dirname(file);
  const requested = path.relative(root.dir, file).split(path.sep).join('/');
  const check = (): void => assertRealInside(root, dir, requested);
  return writeAtomic(file, data, { beforeCreate: check, beforeRename: check });
}
