/**
 * Typed-array helpers shared by the solver rules. Every rule reads Float32Array or
 * Float64Array inputs, computes each element in float64, and returns an array of the same
 * type as its sample (so float32 latents stay float32 and float64 conformance runs stay
 * float64).
 */
import { RepriseError } from '../errors.js';

/** A flat tensor: float32 latents from a model, or float64 for reference runs. */
export type FloatArray = Float32Array | Float64Array;

/** A new zero-filled array of the same type and length as `like`. */
export function allocLike<T extends FloatArray>(like: T, length: number = like.length): T {
  return (like instanceof Float32Array ? new Float32Array(length) : new Float64Array(length)) as T;
}

/** Throws a SCHEDULER_INVALID error unless every array has the length of the first. */
export function assertSameLength(what: string, ...arrays: readonly (FloatArray | undefined)[]): void {
  const first = arrays.find((a) => a !== undefined);
  if (first === undefined) return;
  for (const a of arrays) {
    if (a !== undefined && a.length !== first.length) {
      throw new RepriseError(
        'SCHEDULER_INVALID',
        `${what}: tensors have different lengths (${first.length} and ${a.length})`,
        { hint: 'Pass the model output, the sample and any noise with the same shape.' },
      );
    }
  }
}

/** Sum of all elements in float64. */
export function sum(x: FloatArray): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s;
}

/** Mean of absolute values in float64. */
export function absMean(x: FloatArray): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]!);
  return x.length === 0 ? 0 : s / x.length;
}

/** Round to the nearest float32 (what a torch float32 tensor stores). */
export const f32: (x: number) => number = Math.fround;
