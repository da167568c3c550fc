/**
 * Where a stored tensor's bytes lie on disk (file and absolute offset), for weight sources read
 * from safetensors files; graphs reference such tensors in place instead of copying them.
 */
import type { StoredTensor } from '../onnx/graph-builder.js';
import type { WeightDType, WeightSource } from './weights.js';

interface FileLike {
  readonly path: string;
  readonly dataStart: number;
  entry(name: string): { readonly dtype: string; readonly begin: number; readonly end: number } | undefined;
}

function isFile(v: unknown): v is FileLike {
  const o = v as Partial<FileLike> | undefined;
  return typeof o?.path === 'string' && typeof o.dataStart === 'number' && typeof o.entry === 'function';
}

/** The file, offset and dtype of tensor `name`, or undefined when the source is not file-backed. */
export function locateTensor(source: WeightSource, name: string): (StoredTensor & { readonly dtype: WeightDType }) | undefined {
  const shards = source as Partial<{ fileOf(n: string): unknown }>;
  const file = typeof shards.fileOf === 'function' ? shards.fileOf(name) : source;
  if (!isFile(file)) return undefined;
  const e = file.entry(name);
  if (e === undefined) return undefined;
  return { file: file.path, offset: file.dataStart + e.begin, length: e.end - e.begin, dtype: e.dtype as WeightDType };
}
