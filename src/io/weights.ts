/** A source of named weight tensors: a safetensors file, several shards, or generated weights. */

/** Element types Reprise reads from weight files. */
export type WeightDType = 'F32' | 'F16' | 'BF16' | 'I64';

/** Name, element type and shape of one stored tensor. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: WeightDType;
  readonly shape: readonly number[];
}

/** Anything graph builders can pull weights from. */
export interface WeightSource {
  /** Stable identity of the weights' content (used in compiled-graph cache keys). */
  readonly id: string;
  /** Names of all tensors. */
  names(): string[];
  /** Metadata of one tensor, or undefined when absent. */
  info(name: string): TensorInfo | undefined;
  /** Reads a floating-point tensor converted to float32 (F16/BF16 are widened exactly). */
  readFloat32(name: string): Float32Array;
}
