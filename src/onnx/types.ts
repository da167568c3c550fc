/** Element types the graph builder emits. */
export type ElemType = 'float32' | 'float16' | 'int64' | 'int32' | 'bool' | 'uint8';

/** A symbolic (string) or fixed (number) dimension. */
export type Dim = number | string;

/** A named value (edge) in the graph. */
export interface Value {
  readonly name: string;
}

/** Tensor bytes for an initializer: typed data matching its element type. */
export type TensorData = Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;

/** ONNX TensorProto.DataType numbers. */
export const elemTypeCode: Record<ElemType, number> = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
};

/** Bytes per element. */
export const elemTypeSize: Record<ElemType, number> = {
  float32: 4,
  uint8: 1,
  int32: 4,
  int64: 8,
  bool: 1,
  float16: 2,
};

/** An attribute value with an explicit ONNX type (numbers alone are ambiguous between INT and FLOAT). */
export type Attr =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string };

/** Attribute constructors. */
export const attr = {
  int: (value: number): Attr => ({ kind: 'int', value }),
  float: (value: number): Attr => ({ kind: 'float', value }),
  ints: (value: readonly number[]): Attr => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): Attr => ({ kind: 'floats', value }),
  string: (value: string): Attr => ({ kind: 'string', value }),
};
