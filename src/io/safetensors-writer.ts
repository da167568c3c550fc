/**
 * Safetensors writer: header (JSON padded with spaces to a multiple of 8 bytes, as the reference
 * writes it) then tensor data in the given order. Output goes to a temporary file next to the
 * target, renamed into place only when complete, so a failure never leaves a half-written file.
 */
import * as fs from 'node:fs';
import { commitTemporarySync, TEMPORARY_FILE_FLAGS, temporaryPathFor } from '../util/atomic-write.js';
import { RepriseError, SafetensorsError } from '../errors.js';
import { float32ArrayToBFloat16, float32ArrayToFloat16 } from './float16.js';
import type { WeightDType } from './weights.js';

/** Name, dtype and shape of a tensor to write. */
export interface TensorHeader {
  readonly name: string;
  readonly dtype: WeightDType;
  readonly shape: readonly number[];
}

/**
 * Tensor data. F32: Float32Array. F16/BF16: Float32Array (rounded to nearest even) or Uint16Array
 * (bit patterns). I64: BigInt64Array. Any dtype: Uint8Array of the stored little-endian bytes.
 */
export type TensorData = Float32Array | Uint16Array | BigInt64Array | Uint8Array;

/** A tensor to write with {@link writeSafetensors}. */
export interface TensorToWrite extends TensorHeader {
  readonly data: TensorData;
}

/** Writes tensors one at a time; see {@link createSafetensorsWriter}. */
export interface SafetensorsWriter {
  /** The final path (the file appears there on {@link SafetensorsWriter.close}). */
  readonly path: string;
  /** Writes the next tensor; `name` must be the next one in header order. */
  write(name: string, data: TensorData): void;
  /** Checks every tensor was written, then renames the temporary file into place. */
  close(): void;
  /** Deletes the temporary file. Idempotent; the writer is unusable afterwards. */
  abort(): void;
}

const DTYPE_SIZE: Readonly<Record<WeightDType, number>> = { F32: 4, F16: 2, BF16: 2, I64: 8 };
/** Elements converted per chunk when narrowing float32 to a 16-bit format. */
const CONVERT_CHUNK = 1 << 20;
/** Largest single write (bytes). */
const MAX_WRITE = 1 << 30;

function inputError(path: string, message: string, tensor?: string): SafetensorsError {
  return new SafetensorsError(path, message, { tensor, hint: 'Fix the tensors passed to the safetensors writer.' });
}

function ioError(path: string, action: string, cause: unknown): RepriseError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const detail = code ?? (cause instanceof Error ? cause.message : String(cause));
  const hint =
    code === 'ENOENT'
      ? 'Create the destination folder first.'
      : code === 'EACCES' || code === 'EPERM'
        ? 'Check the permissions of the destination folder.'
        : code === 'ENOSPC'
          ? 'The disk is full; free some space.'
          : 'Check that the destination is writable.';
  return new RepriseError('SAFETENSORS_IO', `Cannot ${action} ${path}: ${detail}`, { hint, cause });
}

/** Validates the header and returns each tensor's byte length. */
function validateHeader(path: string, header: readonly TensorHeader[]): number[] {
  const seen = new Set<string>();
  return header.map(({ name, dtype, shape }) => {
    if (typeof name !== 'string') throw inputError(path, `tensor name must be a string, got ${String(name)}`);
    if (name === '__metadata__') throw inputError(path, 'the name __metadata__ is reserved', name);
    if (seen.has(name)) throw inputError(path, 'duplicate tensor name', name);
    seen.add(name);
    if (!Object.hasOwn(DTYPE_SIZE, dtype)) {
      throw inputError(path, `dtype ${String(dtype)} cannot be written (F32, F16, BF16 or I64)`, name);
    }
    if (!Array.isArray(shape)) throw inputError(path, 'shape must be an array', name);
    let numel = 1n;
    for (const d of shape) {
      if (!Number.isSafeInteger(d) || d < 0) {
        throw inputError(path, `shape [${shape.join(', ')}] must hold non-negative integers`, name);
      }
      numel *= BigInt(d);
    }
    const bytes = numel * BigInt(DTYPE_SIZE[dtype]);
    if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) throw inputError(path, `shape [${shape.join(', ')}] is too large`, name);
    return Number(bytes);
  });
}

/** The 8-byte length plus the space-padded JSON header. */
function encodeHeader(path: string, header: readonly TensorHeader[], byteLengths: readonly number[], metadata?: Record<string, string>): Uint8Array {
  const parts: string[] = [];
  if (metadata !== undefined) {
    const items = Object.entries(metadata).map(([k, v]) => {
      if (typeof v !== 'string') throw inputError(path, `metadata value of ${JSON.stringify(k)} must be a string`);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`"__metadata__":{${items.join(',')}}`);
  }
  let offset = 0;
  header.forEach(({ name, dtype, shape }, i) => {
    const end = offset + (byteLengths[i] as number);
    parts.push(`${JSON.stringify(name)}:{"dtype":"${dtype}","shape":[${shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  });
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

function bytesOf(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    done += fs.writeSync(fd, bytes, done, Math.min(bytes.length - done, MAX_WRITE));
  }
}

/** Checks `data` against the tensor and returns how to write it. */
function plan(path: string, t: TensorHeader, byteLength: number, data: TensorData): { bytes?: Uint8Array; narrow?: Float32Array } {
  const numel = byteLength / DTYPE_SIZE[t.dtype];
  const kind = data.constructor.name;
  const check = (got: number, want: number, unit: string): void => {
    if (got !== want) {
      throw inputError(path, `data has ${got} ${unit} but shape [${t.shape.join(', ')}] of ${t.dtype} needs ${want}`, t.name);
    }
  };
  if (data instanceof Uint8Array) {
    check(data.byteLength, byteLength, 'bytes');
    return { bytes: data };
  }
  if (t.dtype === 'F32' && data instanceof Float32Array) {
    check(data.length, numel, 'elements');
    return { bytes: bytesOf(data) };
  }
  if ((t.dtype === 'F16' || t.dtype === 'BF16') && (data instanceof Float32Array || data instanceof Uint16Array)) {
    check(data.length, numel, 'elements');
    return data instanceof Uint16Array ? { bytes: bytesOf(data) } : { narrow: data };
  }
  if (t.dtype === 'I64' && data instanceof BigInt64Array) {
    check(data.length, numel, 'elements');
    return { bytes: bytesOf(data) };
  }
  const allowed: Record<WeightDType, string> = {
    F32: 'Float32Array or Uint8Array',
    F16: 'Float32Array, Uint16Array or Uint8Array',
    BF16: 'Float32Array, Uint16Array or Uint8Array',
    I64: 'BigInt64Array or Uint8Array',
  };
  throw inputError(path, `${t.dtype} data must be a ${allowed[t.dtype]}, got ${kind}`, t.name);
}

/**
 * Starts a safetensors file whose tensors are then written one at a time, in header order, so
 * that no more than one tensor need be held in memory (multi-GB files can be generated).
 * Data goes to a temporary file beside `path` (`temporaryPathFor`), fsynced and renamed to `path`
 * by `close()` (`commitTemporarySync`); `abort()` deletes it.
 * @param path - final path of the file
 * @param header - every tensor's name, dtype and shape, in the order they will be written
 * @param metadata - optional `__metadata__` strings
 * @throws SafetensorsError on an invalid header; RepriseError (SAFETENSORS_IO) when the file cannot be created
 */
export function createSafetensorsWriter(
  path: string,
  header: readonly TensorHeader[],
  metadata?: Record<string, string>,
): SafetensorsWriter {
  const byteLengths = validateHeader(path, header);
  const headerBytes = encodeHeader(path, header, byteLengths, metadata);
  const tmp = temporaryPathFor(path);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, TEMPORARY_FILE_FLAGS, 0o644);
  } catch (cause) {
    throw ioError(path, 'create', cause);
  }
  let next = 0;
  let state: 'open' | 'closed' | 'aborted' = 'open';

  const abort = (): void => {
    if (state !== 'open') return;
    state = 'aborted';
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing or aborting: the unlink below is what matters
      }
      fd = undefined;
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      // nothing to delete
    }
  };

  /** Runs file I/O, aborting (deleting the temporary file) when it fails. */
  const io = (action: string, fn: (fd: number) => void): void => {
    try {
      fn(fd as number);
    } catch (cause) {
      abort();
      throw ioError(path, action, cause);
    }
  };

  const ensureOpen = (): void => {
    if (state !== 'open') {
      throw new RepriseError('SAFETENSORS_IO', `Cannot write ${path}: the writer was already ${state}`, {
        hint: 'Create a new writer with createSafetensorsWriter.',
      });
    }
  };

  io('write', (f) => writeAll(f, headerBytes));

  return {
    path,
    write(name: string, data: TensorData): void {
      ensureOpen();
      const t = header[next];
      if (t === undefined) throw inputError(path, 'every tensor of the header was already written', name);
      if (name !== t.name) {
        throw inputError(path, `tensors must be written in header order: expected "${t.name}" next`, name);
      }
      const how = plan(path, t, byteLengths[next] as number, data);
      io('write', (f) => {
        if (how.bytes !== undefined) {
          writeAll(f, how.bytes);
          return;
        }
        const src = how.narrow as Float32Array;
        const scratch = new Uint16Array(Math.min(src.length, CONVERT_CHUNK));
        for (let i = 0; i < src.length; i += CONVERT_CHUNK) {
          const part = src.subarray(i, Math.min(src.length, i + CONVERT_CHUNK));
          const dst = scratch.subarray(0, part.length);
          if (t.dtype === 'F16') float32ArrayToFloat16(part, dst);
          else float32ArrayToBFloat16(part, dst);
          writeAll(f, bytesOf(dst));
        }
      });
      next++;
    },
    close(): void {
      ensureOpen();
      const missing = header[next];
      if (missing !== undefined) {
        abort();
        throw inputError(path, `closed before every tensor was written (${header.length - next} missing); nothing was written`, missing.name);
      }
      io('finish', (f) => {
        fs.closeSync(f);
        fd = undefined;
        commitTemporarySync(tmp, path); // fsyncs, renames, fsyncs the folder
      });
      state = 'closed';
    },
    abort,
  };
}

/**
 * Writes a safetensors file: header, then the tensors' data in the given order. The file is
 * written to a temporary name and renamed into place, so a failure never leaves a partial file.
 * @param path - destination path
 * @param tensors - tensors with their data (see {@link TensorData} for accepted array types)
 * @param metadata - optional `__metadata__` strings
 * @throws SafetensorsError when a tensor is invalid (data length vs shape, dtype, duplicate name)
 * @throws RepriseError (SAFETENSORS_IO) when the file cannot be written
 */
export function writeSafetensors(path: string, tensors: readonly TensorToWrite[], metadata?: Record<string, string>): void {
  const byteLengths = validateHeader(path, tensors);
  tensors.forEach((t, i) => plan(path, t, byteLengths[i] as number, t.data)); // fail before creating a file
  const writer = createSafetensorsWriter(path, tensors, metadata);
  try {
    for (const t of tensors) writer.write(t.name, t.data);
    writer.close();
  } catch (err) {
    writer.abort();
    throw err;
  }
}
