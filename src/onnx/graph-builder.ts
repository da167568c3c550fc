/**
 * A typed builder for ONNX graphs. Nodes are added in topological order by construction
 * (an op can only consume values that already exist), initializers may be lazy so that
 * multi-gigabyte weights are read one tensor at a time while the model is written.
 */
import { RepriseError } from '../errors.js';
import type { Attr, Dim, ElemType, TensorData, Value } from './types.js';

/** Initializer data, or a thunk that produces it when the model is serialized. */
export type InitializerData = TensorData | (() => TensorData);

/** One initializer as recorded by the builder. */
export interface InitializerRecord {
  readonly name: string;
  readonly type: ElemType;
  readonly dims: readonly number[];
  readonly data: InitializerData;
  /** Where these exact bytes already lie in a file (a safetensors tensor used as is), for in-place external data. */
  readonly stored?: StoredTensor;
}

/** Bytes of a tensor in a file: `length` bytes at `offset`, little-endian, the initializer's own layout. */
export interface StoredTensor {
  readonly file: string;
  readonly offset: number;
  readonly length: number;
}

/** One node as recorded by the builder. */
export interface NodeRecord {
  readonly opType: string;
  readonly domain: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, Attr>>;
}

/** A graph input or output declaration. */
export interface ValueInfoRecord {
  readonly name: string;
  readonly type: ElemType;
  readonly dims: readonly Dim[];
}

/** Options of a node. */
export interface NodeOptions {
  /** Operator domain; '' is the default ONNX domain, 'com.microsoft' the contrib ops. */
  readonly domain?: string;
  /** Explicit node name (default: scope + op type + counter). */
  readonly name?: string;
  /** Explicit output names (default: generated). */
  readonly outputNames?: readonly string[];
}

/** Builds one ONNX graph. */
export class GraphBuilder {
  readonly name: string;
  readonly opset: number;
  readonly nodes: NodeRecord[] = [];
  readonly initializers: InitializerRecord[] = [];
  readonly inputs: ValueInfoRecord[] = [];
  readonly outputs: ValueInfoRecord[] = [];
  readonly metadata: Record<string, string> = {};
  private readonly names = new Set<string>();
  private readonly domains = new Set<string>();
  private readonly scopes: string[] = [];
  private counter = 0;
  private readonly constCache = new Map<string, Value>();

  constructor(options: { name: string; opset?: number }) {
    this.name = options.name;
    this.opset = options.opset ?? 21;
  }

  /** Operator domains used by the nodes, besides the default one. */
  get usedDomains(): string[] {
    return [...this.domains];
  }

  /** Declares a graph input. */
  input(name: string, type: ElemType, dims: readonly Dim[]): Value {
    this.claim(name);
    this.inputs.push({ name, type, dims: [...dims] });
    return { name };
  }

  /** Declares a graph output; adds an Identity node when the value has another name. */
  output(value: Value, name: string, type: ElemType, dims: readonly Dim[]): void {
    let outName = value.name;
    if (name !== value.name) {
      outName = this.node('Identity', [value], {}, { outputNames: [name] }).name;
    }
    this.outputs.push({ name: outName, type, dims: [...dims] });
  }

  /** Adds an initializer (a weight). */
  initializer(name: string, type: ElemType, dims: readonly number[], data: InitializerData, stored?: StoredTensor): Value {
    this.claim(name);
    this.initializers.push({ name, type, dims: [...dims], data, ...(stored ? { stored } : {}) });
    return { name };
  }

  /** A small constant tensor; identical constants are shared. */
  constant(type: ElemType, dims: readonly number[], values: readonly number[] | TensorData): Value {
    const key = `${type}|${dims.join(',')}|${Array.from(values as ArrayLike<number | bigint>, String).join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const data = toTypedArray(type, values);
    const v = this.initializer(this.uniqueName('const'), type, dims, data);
    this.constCache.set(key, v);
    return v;
  }

  /** int64 1-D constant (shapes, axes, pads...). */
  ints(values: readonly number[]): Value {
    return this.constant('int64', [values.length], values);
  }

  /** Scalar float32 constant. */
  scalar(value: number, type: ElemType = 'float32'): Value {
    return this.constant(type, [], [value]);
  }

  /** Adds a node with one output and returns it. */
  node(opType: string, inputs: readonly (Value | undefined)[], attrs: Record<string, Attr> = {}, options: NodeOptions = {}): Value {
    const outs = this.nodeMulti(opType, inputs, 1, attrs, options);
    return outs[0] as Value;
  }

  /** Adds a node with `outputCount` outputs. An undefined input is an omitted optional input. */
  nodeMulti(
    opType: string,
    inputs: readonly (Value | undefined)[],
    outputCount: number,
    attrs: Record<string, Attr> = {},
    options: NodeOptions = {},
  ): Value[] {
    const base = options.name ?? this.uniqueName(opType);
    this.claim(base);
    const outputs: string[] = [];
    for (let i = 0; i < outputCount; i++) {
      const given = options.outputNames?.[i];
      if (given !== undefined) {
        this.claim(given);
        outputs.push(given);
      } else {
        const n = `${base}_out${i}`;
        this.claim(n);
        outputs.push(n);
      }
    }
    const domain = options.domain ?? '';
    if (domain !== '') this.domains.add(domain);
    this.nodes.push({ opType, domain, name: base, inputs: inputs.map((v) => v?.name ?? ''), outputs, attrs: { ...attrs } });
    return outputs.map((name) => ({ name }));
  }

  /** Runs `fn` with a name prefix for the nodes it adds (e.g. a diffusers module path). */
  scope<T>(prefix: string, fn: () => T): T {
    this.scopes.push(prefix);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** The current scope path joined with '/'. */
  get currentScope(): string {
    return this.scopes.join('/');
  }

  private uniqueName(op: string): string {
    const prefix = this.scopes.length > 0 ? `${this.scopes.join('/')}/` : '';
    let name: string;
    do {
      name = `${prefix}${op}_${this.counter++}`;
    } while (this.names.has(name));
    return name;
  }

  private claim(name: string): void {
    if (this.names.has(name)) {
      throw new RepriseError('GRAPH_INVALID', `Graph "${this.name}": the name "${name}" is used twice`, {
        hint: 'This is a bug in a graph builder; please report it with the model config.',
      });
    }
    this.names.add(name);
  }
}

function toTypedArray(type: ElemType, values: readonly number[] | TensorData): TensorData {
  if (!Array.isArray(values)) return values as TensorData;
  const arr = values as readonly number[];
  switch (type) {
    case 'float32':
      return Float32Array.from(arr);
    case 'int64':
      return BigInt64Array.from(arr, (v) => BigInt(v));
    case 'int32':
      return Int32Array.from(arr);
    case 'bool':
    case 'uint8':
      return Uint8Array.from(arr);
    case 'float16':
      throw new RepriseError('GRAPH_INVALID', 'float16 constants must be given as Uint16Array bits');
  }
}
