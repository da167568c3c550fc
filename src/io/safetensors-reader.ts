/**
 * Safetensors reader: opens files whose header `safetensors-header.ts` validates and reads each
 * tensor on demand at its file position (a file is never read whole). Tensor data is
 * little-endian and is viewed in place, so the host must be little-endian (checked at open).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { RepriseError, SafetensorsError, WeightsError } from '../errors.js';
import { contentId } from './content-id.js';
import { bfloat16ArrayToFloat32, float16ArrayToFloat32 } from './float16.js';
import type { TensorInfo, WeightDType, WeightSource } from './weights.js';
import { MAX_HEADER_LENGTH, parseSafetensorsHeader, type SafetensorsEntry, type SafetensorsHeader } from './safetensors-header.js';

export { DTYPE_SIZES, isSafetensorsDType, MAX_HEADER_LENGTH, parseSafetensorsHeader } from './safetensors-header.js';
export type { SafetensorsDType, SafetensorsEntry, SafetensorsHeader } from './safetensors-header.js';

// ---------------------------------------------------------------------------------------------
// File access

/** dtypes that `readFloat32` / `readBigInt64` can return. */
const READABLE_DTYPES: ReadonlySet<string> = new Set<WeightDType>(['F32', 'F16', 'BF16', 'I64']);

/** Largest single read (bytes); Node's fs rejects lengths of 2 GiB and more. */
const MAX_READ = 1 << 30;
/** Chunk (bytes) in which 16-bit tensors are read and widened, bounding the extra memory. */
const WIDEN_CHUNK = 1 << 22;

const PICKLE_RE = /\.(ckpt|bin|pt|pth)$/i;

/** A safetensors source: one file or several shards. */
export interface SafetensorsSource extends WeightSource {
  /** Stored dtype, shape and byte range of one tensor, or undefined when absent. */
  entry(name: string): SafetensorsEntry | undefined;
  /** The stored bytes of a tensor (little-endian), in a fresh buffer of their own. */
  readRaw(name: string): Uint8Array;
  /** An I64 tensor. */
  readBigInt64(name: string): BigInt64Array;
  /** Releases the file handles; later reads fail. Idempotent. */
  close(): void;
}

/** Turns an fs error into a RepriseError that names the path and says what to do. */
function ioError(path: string, action: string, cause: unknown): RepriseError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const detail = code ?? (cause instanceof Error ? cause.message : String(cause));
  const hint =
    code === 'ENOENT'
      ? 'Check the path: the file does not exist (was the model downloaded completely?).'
      : code === 'EACCES' || code === 'EPERM'
        ? 'Check the file permissions: the current user cannot read it.'
        : code === 'EISDIR'
          ? 'The path is a directory; pass the .safetensors file inside it.'
          : code === 'EMFILE' || code === 'ENFILE'
            ? 'Too many open files: close unused weight sources or raise the open-file limit.'
            : 'Check that the file is readable and that the disk is healthy.';
  return new RepriseError('SAFETENSORS_IO', `Cannot ${action} ${path}: ${detail}`, { hint, cause });
}

function pickleError(path: string): SafetensorsError {
  return new SafetensorsError(path, 'pickle checkpoints (.ckpt, .bin, .pt, .pth) are never read: loading one can run arbitrary code', {
    hint:
      'Convert it to safetensors: with diffusers, load the model and call ' +
      'save_pretrained(folder, safe_serialization=True); or run the convert script of the safetensors project ' +
      '(bindings/python/convert.py in huggingface/safetensors).',
  });
}

/** Reads exactly `target.length` bytes at `position`. */
function readFully(fd: number, path: string, target: Uint8Array, position: number, tensor?: string): void {
  let done = 0;
  while (done < target.length) {
    let n: number;
    try {
      n = fs.readSync(fd, target, done, Math.min(target.length - done, MAX_READ), position + done);
    } catch (cause) {
      throw ioError(path, 'read', cause);
    }
    if (n === 0) {
      throw new SafetensorsError(path, `file ends at byte ${position + done}: it was truncated after it was opened`, {
        tensor,
        hint: 'Do not modify weight files while they are in use; download or convert the file again.',
      });
    }
    done += n;
  }
}

/** A fresh, zero-offset (hence 8-byte aligned) byte buffer. */
function alignedBytes(length: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(length));
}

/**
 * An open safetensors file. Tensors are read on demand, each into its own fresh buffer; the file
 * is never read whole. Create with {@link openSafetensors}; call {@link SafetensorsFile.close}
 * when done.
 */
export class SafetensorsFile implements SafetensorsSource {
  /** Full SHA-256 (hex) of the file, cached by device/inode/size/mtime/ctime (see content-id.ts). */
  readonly id: string;
  /** The `__metadata__` strings (empty when absent). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Total file size in bytes. */
  readonly size: number;
  /** File offset of the data section (8 + header length). */
  readonly dataStart: number;
  private fd: number | undefined;
  private readonly entries: ReadonlyMap<string, SafetensorsEntry>;

  /** @internal Use {@link openSafetensors}. */
  constructor(
    readonly path: string,
    fd: number,
    header: SafetensorsHeader,
    info: { id: string; size: number; dataStart: number },
  ) {
    this.fd = fd;
    this.entries = header.entries;
    this.metadata = header.metadata;
    this.id = info.id;
    this.size = info.size;
    this.dataStart = info.dataStart;
  }

  /** Tensor names in header order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Stored dtype, shape and byte range, or undefined when absent. */
  entry(name: string): SafetensorsEntry | undefined {
    return this.entries.get(name);
  }

  /**
   * Dtype and shape of a tensor, or undefined when absent.
   * @throws SafetensorsError when the tensor's dtype is not one Reprise reads
   */
  info(name: string): TensorInfo | undefined {
    const e = this.entries.get(name);
    if (e === undefined) return undefined;
    return { name, dtype: this.readableDType(e), shape: e.shape };
  }

  /** The stored bytes (little-endian) of any tensor, in a fresh buffer. */
  readRaw(name: string): Uint8Array {
    const e = this.require(name);
    const bytes = alignedBytes(e.end - e.begin);
    readFully(this.handle(), this.path, bytes, this.dataStart + e.begin, name);
    return bytes;
  }

  /**
   * A floating-point tensor as float32: F32 as stored, F16 and BF16 widened exactly.
   * @throws WeightsError (WEIGHTS_MISSING) when absent, (WEIGHTS_FORMAT) for an I64 tensor
   * @throws SafetensorsError for a dtype Reprise does not read
   */
  readFloat32(name: string): Float32Array {
    const e = this.require(name);
    const dtype = this.readableDType(e);
    if (dtype === 'I64') {
      throw new WeightsError(
        'WEIGHTS_FORMAT',
        name,
        `Tensor "${name}" in ${this.path} is I64, not floating point`,
        'Read integer tensors with readBigInt64.',
      );
    }
    if (dtype === 'F32') return new Float32Array(this.readRaw(name).buffer);
    const out = new Float32Array(e.numel);
    const fd = this.handle();
    const scratch = alignedBytes(Math.min(e.end - e.begin, WIDEN_CHUNK));
    for (let offset = 0; offset < e.end - e.begin; offset += WIDEN_CHUNK) {
      const length = Math.min(WIDEN_CHUNK, e.end - e.begin - offset);
      const chunk = scratch.subarray(0, length);
      readFully(fd, this.path, chunk, this.dataStart + e.begin + offset, name);
      const bits = new Uint16Array(scratch.buffer, 0, length / 2);
      const dst = out.subarray(offset / 2, offset / 2 + length / 2);
      if (dtype === 'F16') float16ArrayToFloat32(bits, dst);
      else bfloat16ArrayToFloat32(bits, dst);
    }
    return out;
  }

  /**
   * An I64 tensor.
   * @throws WeightsError (WEIGHTS_MISSING) when absent, (WEIGHTS_FORMAT) when not I64
   */
  readBigInt64(name: string): BigInt64Array {
    const e = this.require(name);
    if (e.dtype !== 'I64') {
      throw new WeightsError(
        'WEIGHTS_FORMAT',
        name,
        `Tensor "${name}" in ${this.path} is ${e.dtype}, not I64`,
        'Read floating-point tensors with readFloat32.',
      );
    }
    return new BigInt64Array(this.readRaw(name).buffer);
  }

  /** Closes the file descriptor. Idempotent; later reads fail. */
  close(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) fs.closeSync(fd);
  }

  private handle(): number {
    if (this.fd === undefined) {
      throw new RepriseError('SAFETENSORS_IO', `Cannot read ${this.path}: the file was closed`, {
        hint: 'Open it again with openSafetensors.',
      });
    }
    return this.fd;
  }

  private require(name: string): SafetensorsEntry {
    const e = this.entries.get(name);
    if (e === undefined) {
      throw new WeightsError(
        'WEIGHTS_MISSING',
        name,
        `Tensor "${name}" is not in ${this.path}`,
        'Check that the weights belong to this model architecture and were converted completely.',
      );
    }
    return e;
  }

  private readableDType(e: SafetensorsEntry): WeightDType {
    if (!READABLE_DTYPES.has(e.dtype)) {
      throw new SafetensorsError(this.path, `dtype ${e.dtype} is not supported: Reprise reads F32, F16, BF16 and I64`, {
        tensor: e.name,
        hint: 'Convert the weights to float32, float16 or bfloat16 (integer tensors to int64).',
      });
    }
    return e.dtype as WeightDType;
  }
}

/**
 * Opens and validates a safetensors file. Reads only the header; tensors are read on demand.
 * @param path - path of a `.safetensors` file
 * @throws SafetensorsError for a pickle checkpoint or any format violation
 * @throws RepriseError (SAFETENSORS_IO) when the file cannot be opened or read
 */
export function openSafetensors(path: string): SafetensorsFile {
  if (PICKLE_RE.test(path)) throw pickleError(path);
  if (os.endianness() !== 'LE') {
    throw new RepriseError('SAFETENSORS_IO', `Cannot read ${path}: this host is big-endian`, {
      hint: 'Run Reprise on a little-endian machine (x86-64, arm64).',
    });
  }
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (cause) {
    throw ioError(path, 'open', cause);
  }
  try {
    let stat: fs.Stats;
    try {
      stat = fs.fstatSync(fd);
    } catch (cause) {
      throw ioError(path, 'stat', cause);
    }
    if (!stat.isFile()) {
      throw new RepriseError('SAFETENSORS_IO', `Cannot read ${path}: not a regular file`, {
        hint: stat.isDirectory()
          ? 'The path is a directory; pass the .safetensors file inside it.'
          : 'Pass the path of a .safetensors file.',
      });
    }
    const size = stat.size;
    if (size < 8) {
      throw new SafetensorsError(path, `file is ${size} bytes, shorter than the 8-byte header length`);
    }
    const prefix = alignedBytes(8);
    readFully(fd, path, prefix, 0);
    const n = new DataView(prefix.buffer).getBigUint64(0, true);
    if (n > BigInt(MAX_HEADER_LENGTH)) {
      throw new SafetensorsError(path, `header length ${n} exceeds the limit of ${MAX_HEADER_LENGTH} bytes`);
    }
    const headerLength = Number(n);
    if (8 + headerLength > size) {
      throw new SafetensorsError(
        path,
        `file is truncated: the header needs ${8 + headerLength} bytes but the file has ${size}`,
        { hint: 'The file is incomplete (interrupted download or copy?); download or convert it again.' },
      );
    }
    const headerBytes = alignedBytes(headerLength);
    readFully(fd, path, headerBytes, 8);
    const header = parseSafetensorsHeader(path, headerBytes, size);
    // Full SHA-256 of the file (cached by device/inode/size/mtime/ctime): any weight byte changes it.
    const { id } = contentId(fd, size, (f, buf, offset) => readFully(f, path, buf, offset));
    return new SafetensorsFile(path, fd, header, { id, size, dataStart: 8 + headerLength });
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Shards

/** Several safetensors files read as one source (a sharded checkpoint). */
export class SafetensorsShards implements SafetensorsSource {
  /** sha256 (hex) of the shards' ids, sorted. */
  readonly id: string;
  private readonly byName: ReadonlyMap<string, SafetensorsFile>;

  /** @internal Use {@link openSafetensorsShards}. */
  constructor(readonly files: readonly SafetensorsFile[]) {
    const byName = new Map<string, SafetensorsFile>();
    for (const file of files) {
      for (const name of file.names()) {
        const other = byName.get(name);
        if (other !== undefined) {
          throw new SafetensorsError(file.path, `tensor is also in shard ${other.path}`, {
            tensor: name,
            hint: 'Each tensor must be in exactly one shard; check the shard list or the index file.',
          });
        }
        byName.set(name, file);
      }
    }
    this.byName = byName;
    const hash = createHash('sha256');
    for (const id of files.map((f) => f.id).sort()) hash.update(id);
    this.id = hash.digest('hex');
  }

  /** Tensor names, shard by shard in header order. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The shard that holds a tensor, or undefined. */
  fileOf(name: string): SafetensorsFile | undefined {
    return this.byName.get(name);
  }

  entry(name: string): SafetensorsEntry | undefined {
    return this.byName.get(name)?.entry(name);
  }

  info(name: string): TensorInfo | undefined {
    return this.byName.get(name)?.info(name);
  }

  readRaw(name: string): Uint8Array {
    return this.require(name).readRaw(name);
  }

  readFloat32(name: string): Float32Array {
    return this.require(name).readFloat32(name);
  }

  readBigInt64(name: string): BigInt64Array {
    return this.require(name).readBigInt64(name);
  }

  /** Closes every shard. Idempotent. */
  close(): void {
    for (const f of this.files) f.close();
  }

  private require(name: string): SafetensorsFile {
    const file = this.byName.get(name);
    if (file === undefined) {
      throw new WeightsError(
        'WEIGHTS_MISSING',
        name,
        `Tensor "${name}" is in none of the shards ${this.files.map((f) => f.path).join(', ')}`,
        'Check that every shard is present and that the weights belong to this model architecture.',
      );
    }
    return file;
  }
}

/**
 * Opens several safetensors files as one weight source.
 * @param paths - the shard files (see {@link readShardIndex})
 * @throws SafetensorsError when a tensor name is in two shards, or a shard is invalid
 * @throws RepriseError (SAFETENSORS_IO) when no path is given or a shard cannot be read
 */
export function openSafetensorsShards(paths: readonly string[]): SafetensorsShards {
  if (paths.length === 0) {
    throw new RepriseError('SAFETENSORS_IO', 'No safetensors shard files were given', {
      hint: 'Pass at least one .safetensors file.',
    });
  }
  const files: SafetensorsFile[] = [];
  try {
    for (const p of paths) files.push(openSafetensors(p));
    return new SafetensorsShards(files);
  } catch (err) {
    for (const f of files) f.close();
    throw err;
  }
}

/**
 * Lists the shard files of a sharded checkpoint from its index (`*.safetensors.index.json`,
 * as written by diffusers and transformers).
 * @param indexJsonPath - path of the index file
 * @returns the distinct files of `weight_map`, resolved against the index's folder, sorted
 * @throws SafetensorsError when the index is malformed; RepriseError (SAFETENSORS_IO) when unreadable
 */
export function readShardIndex(indexJsonPath: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(indexJsonPath, 'utf8');
  } catch (cause) {
    throw ioError(indexJsonPath, 'read', cause);
  }
  const hint = 'The shard index is damaged; download it again with the model.';
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (cause) {
    throw new SafetensorsError(indexJsonPath, 'shard index is not valid JSON', { hint, cause });
  }
  const weightMap =
    typeof root === 'object' && root !== null && !Array.isArray(root)
      ? (root as Record<string, unknown>)['weight_map']
      : undefined;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new SafetensorsError(indexJsonPath, 'shard index has no "weight_map" object', { hint });
  }
  const files = new Set<string>();
  for (const [tensor, file] of Object.entries(weightMap)) {
    if (typeof file !== 'string' || file === '') {
      throw new SafetensorsError(indexJsonPath, 'weight_map value must be a shard file name', { tensor, hint });
    }
    if (nodePath.isAbsolute(file) || file.split(/[\\/]/).includes('..')) {
      throw new SafetensorsError(indexJsonPath, `shard path ${JSON.stringify(file)} leaves the index's folder`, {
        tensor,
        hint,
      });
    }
    files.add(file);
  }
  if (files.size === 0) {
    throw new SafetensorsError(indexJsonPath, 'weight_map lists no shards', { hint });
  }
  const dir = nodePath.dirname(indexJsonPath);
  return [...files].sort().map((f) => nodePath.join(dir, f));
}
