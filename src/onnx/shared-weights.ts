/**
 * One copy of a model's weights for all its graphs. Every graph variant built from the same
 * weights and dtype (plain UNet, controlled UNet, with or without stored attention maps) writes
 * its model file into its own folder but keeps its large initializers in one shared weights
 * folder `w-<id>/`:
 *
 * - a tensor used exactly as the diffusers safetensors file stores it (same dtype, no
 *   transpose) is referenced in place: the safetensors file is hard-linked into `w-<id>/` and
 *   the graph points at the tensor's offset in it, so nothing is copied;
 * - every other tensor (converted dtype, transposed) is appended once to `w-<id>/weights.data`,
 *   found again by the SHA-256 of its bytes, type and shape, so variants share it.
 *
 * onnxruntime only reads external data next to the model file, so a graph folder holds hard
 * links to the shared files (no second copy on disk). Writers of one store take a lock folder;
 * the index is written after the data is synced, and data is only ever appended, so links held
 * by existing graphs stay valid. {@link linkFailed} errors tell the caller to fall back to a
 * private data file (file systems without hard links).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import type { GraphBuilder, InitializerRecord } from './graph-builder.js';
import { encodeInitializerData, encodeModelWithInitializers } from './serialize.js';
import { onnx, type ITensorProto } from './proto.js';
import { elemTypeCode } from './types.js';

/** The converted-weights file of a store. */
export const SHARED_DATA_FILE = 'weights.data';
const INDEX_FILE = 'index.json';
const LOCK_DIR = '.lock';
const STALE_LOCK_MS = 10 * 60 * 1000;

interface StoreIndex {
  readonly version: 1;
  /** Content key → byte range in weights.data. */
  readonly tensors: Record<string, { offset: number; length: number }>;
}

/** What a shared write did. */
export interface SharedWriteResult {
  readonly modelPath: string;
  readonly modelBytes: number;
  /** Bytes appended to the store's weights.data by this write. */
  readonly appendedBytes: number;
  /** Bytes referenced in the store's converted file that another graph had already written. */
  readonly reusedBytes: number;
  /** Bytes referenced in place in the diffusers safetensors files. */
  readonly inPlaceBytes: number;
  /** Files of the graph folder that are hard links into the store. */
  readonly linked: readonly string[];
}

/** A hard link could not be made: the caller writes a private data file instead. */
export class LinkFailedError extends Error {
  constructor(override readonly cause: unknown) {
    super(`hard link failed: ${(cause as Error | undefined)?.message ?? String(cause)}`);
    this.name = 'LinkFailedError';
  }
}

/** Whether `e` is {@link LinkFailedError}. */
export function linkFailed(e: unknown): e is LinkFailedError {
  return e instanceof LinkFailedError;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs `fn` holding the store's lock (a folder; a lock older than 10 minutes is taken over). */
export function withStoreLock<T>(storeDir: string, fn: () => T): T {
  fs.mkdirSync(storeDir, { recursive: true });
  const lock = path.join(storeDir, LOCK_DIR);
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > STALE_LOCK_MS) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        // Released meanwhile.
      }
      sleep(50);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function readIndex(storeDir: string): StoreIndex {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(storeDir, INDEX_FILE), 'utf8')) as StoreIndex;
    if (j.version === 1 && typeof j.tensors === 'object') return j;
  } catch {
    // Absent or damaged: start over (appending past the old data keeps existing links valid).
  }
  return { version: 1, tensors: {} };
}

function link(target: string, linkPath: string): void {
  try {
    fs.linkSync(target, linkPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      const a = fs.statSync(target);
      const b = fs.statSync(linkPath);
      if (a.ino === b.ino && a.dev === b.dev) return;
      fs.rmSync(linkPath, { force: true });
      return link(target, linkPath);
    }
    throw new LinkFailedError(e);
  }
}

/** Name of a source file's link in the store: stable per absolute path. */
function sourceLinkName(file: string): string {
  const h = createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 12);
  return `src-${h}-${path.basename(file)}`;
}

function contentKey(init: InitializerRecord, bytes: Uint8Array): string {
  return createHash('sha256').update(`${init.type}|${init.dims.join(',')}|`).update(bytes).digest('hex');
}

function external(base: ITensorProto, location: string, offset: number, length: number): ITensorProto {
  return {
    ...base,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(length) },
    ],
  };
}

/**
 * Writes `graphDir/model.onnx` with its large initializers in the shared store `storeDir`
 * (hard-linked into `graphDir`). Tensors under `thresholdBytes` stay inline.
 */
export function writeModelShared(g: GraphBuilder, graphDir: string, storeDir: string, options: { thresholdBytes?: number } = {}): SharedWriteResult {
  const threshold = options.thresholdBytes ?? 1024;
  fs.mkdirSync(graphDir, { recursive: true });
  return withStoreLock(storeDir, () => {
    const index = readIndex(storeDir);
    const dataPath = path.join(storeDir, SHARED_DATA_FILE);
    const fd = fs.openSync(dataPath, fs.existsSync(dataPath) ? 'r+' : 'w+');
    let size = fs.fstatSync(fd).size;
    let appendedBytes = 0;
    let reusedBytes = 0;
    let inPlaceBytes = 0;
    const sources = new Set<string>();
    const unlinkable = new Set<string>();
    let usesData = false;
    const inits: ITensorProto[] = [];
    try {
      for (const init of g.initializers) {
        const base = { name: init.name, dims: [...init.dims], dataType: elemTypeCode[init.type] };
        const name = init.stored ? sourceLinkName(init.stored.file) : undefined;
        if (init.stored && name !== undefined && init.stored.length >= threshold && !unlinkable.has(name)) {
          if (!sources.has(name)) {
            try {
              link(init.stored.file, path.join(storeDir, name));
              sources.add(name);
            } catch (e) {
              if (!linkFailed(e)) throw e;
              unlinkable.add(name); // another file system: convert into weights.data instead
            }
          }
          if (sources.has(name)) {
            inits.push(external(base, name, init.stored.offset, init.stored.length));
            inPlaceBytes += init.stored.length;
            continue;
          }
        }
        const bytes = encodeInitializerData(init);
        if (bytes.byteLength < threshold) {
          inits.push({ ...base, rawData: new Uint8Array(bytes) });
          continue;
        }
        usesData = true;
        const key = contentKey(init, bytes);
        let at = index.tensors[key];
        if (at === undefined || at.offset + at.length > size) {
          const offset = Math.ceil(size / 4096) * 4096; // page-aligned so onnxruntime can map it
          let done = 0;
          while (done < bytes.byteLength) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done, offset + done);
          at = { offset, length: bytes.byteLength };
          index.tensors[key] = at;
          size = offset + bytes.byteLength;
          appendedBytes += bytes.byteLength;
        } else {
          reusedBytes += at.length;
        }
        inits.push(external(base, SHARED_DATA_FILE, at.offset, at.length));
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    writeFileAtomicSync(path.join(storeDir, INDEX_FILE), JSON.stringify(index));
    const linked = [...(usesData ? [SHARED_DATA_FILE] : []), ...sources];
    for (const f of linked) link(path.join(storeDir, f), path.join(graphDir, f));
    const modelPath = path.join(graphDir, 'model.onnx');
    const bytes = encodeModelWithInitializers(g, inits);
    writeFileAtomicSync(modelPath, bytes);
    return { modelPath, modelBytes: bytes.byteLength, appendedBytes, reusedBytes, inPlaceBytes, linked };
  });
}
