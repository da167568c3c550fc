/**
 * Weight binding for graph builders: every parameter is requested by its diffusers /
 * transformers name and expected shape; presence and shape are checked at build time
 * (all problems reported at once), data is read lazily when the graph is written.
 */
import { WeightsError } from '../errors.js';
import { float32ArrayToFloat16 } from '../io/float16.js';
import type { WeightSource } from '../io/weights.js';
import { locateTensor } from '../io/tensor-location.js';
import type { GraphBuilder } from '../onnx/graph-builder.js';
import type { ElemType, TensorData, Value } from '../onnx/types.js';

/** How a stored tensor is turned into the initializer. */
export type ParamTransform =
  | { readonly kind: 'none' }
  /** [out, in] (or [out, in, 1, 1]) → [in, out], for MatMul with a torch Linear weight. */
  | { readonly kind: 'transpose' };

/** A requested parameter, as recorded (used to generate random weights for a config). */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Binds named weights to graph initializers. */
export class ParamBinder {
  readonly requested: ParamSpec[] = [];
  private readonly problems: string[] = [];
  private readonly missing: string[] = [];
  private readonly aliases: ReadonlyMap<string, string>;

  constructor(
    private readonly g: GraphBuilder,
    private readonly weights: WeightSource,
    /** Element type of float initializers (the compute type of the graph). */
    readonly floatType: 'float32' | 'float16',
    /** Alternative stored names (old checkpoint layouts): wanted name → stored name. */
    aliases: ReadonlyMap<string, string> = new Map(),
    /** Only record what is requested; never fail on missing weights (listing a config's parameters). */
    private readonly collectOnly = false,
  ) {
    this.aliases = aliases;
  }

  /**
   * A parameter with the torch shape `shape` (e.g. a Linear weight [out, in]). Returns the
   * initializer value; its stored data is read only when the graph is serialized.
   */
  param(name: string, shape: readonly number[], transform: ParamTransform = { kind: 'none' }): Value {
    this.requested.push({ name, shape: [...shape] });
    const stored = this.resolve(name);
    const info = stored === undefined ? undefined : this.weights.info(stored);
    if (info === undefined || stored === undefined) {
      this.missing.push(name);
    } else {
      const numel = shape.reduce((a, b) => a * b, 1);
      const got = info.shape.reduce((a, b) => a * b, 1);
      const sameShape = info.shape.length === shape.length && info.shape.every((d, i) => d === shape[i]);
      // Old VAE checkpoints store 1×1 convs for linear layers: accept when only trailing 1s differ.
      const squeezable = got === numel && info.shape.slice(shape.length).every((d) => d === 1) && info.shape.slice(0, shape.length).every((d, i) => d === shape[i]);
      if (!sameShape && !squeezable) {
        this.problems.push(`"${stored}": stored shape [${info.shape.join(', ')}], expected [${shape.join(', ')}]`);
      }
      if (info.dtype === 'I64') this.problems.push(`"${stored}": stored as I64, expected a float tensor`);
    }
    const dims = transform.kind === 'transpose' ? [shape[1] ?? 1, shape[0] ?? 1] : [...shape];
    const type: ElemType = this.floatType;
    const weights = this.weights;
    // A tensor used as stored (same dtype, no transform) can be referenced in place by the graph file.
    const at = transform.kind === 'none' && stored !== undefined && info !== undefined ? locateTensor(weights, stored) : undefined;
    const inPlace = at !== undefined && at.dtype === (type === 'float16' ? 'F16' : 'F32') && at.length === dims.reduce((a, b) => a * b, 1) * (type === 'float16' ? 2 : 4) ? { file: at.file, offset: at.offset, length: at.length } : undefined;
    return this.g.initializer(name, type, dims, () => {
      let data = weights.readFloat32(stored ?? name);
      if (transform.kind === 'transpose') data = transpose2d(data, shape[0] ?? 1, shape[1] ?? 1);
      return convert(data, type);
    }, inPlace);
  }

  /** Throws one WeightsError listing every missing or mis-shaped tensor. */
  finish(component: string): void {
    if (this.collectOnly) return;
    const list = (xs: string[]) => xs.slice(0, 12).join('\n  ') + (xs.length > 12 ? `\n  … and ${xs.length - 12} more` : '');
    if (this.missing.length > 0) {
      throw new WeightsError(
        'WEIGHTS_MISSING',
        this.missing[0] ?? '',
        `${component}: ${this.missing.length} weight tensor(s) the config needs are missing:\n  ${list(this.missing)}`,
        'Check that the weights belong to this config.json (same block_out_channels, layers, heads) and are in diffusers naming.',
      );
    }
    if (this.problems.length > 0) {
      throw new WeightsError(
        'WEIGHTS_SHAPE',
        this.problems[0] ?? '',
        `${component}: ${this.problems.length} weight tensor(s) do not fit the config:\n  ${list(this.problems)}`,
        'The weights were saved for a different config; use the config.json that came with them.',
      );
    }
  }

  /** Stored tensors that no parameter used (informational: checkpoints often carry extras). */
  unused(): string[] {
    const used = new Set(this.requested.map((p) => this.resolve(p.name) ?? p.name));
    return this.weights.names().filter((n) => !used.has(n));
  }

  private resolve(name: string): string | undefined {
    if (this.weights.info(name) !== undefined) return name;
    const alt = this.aliases.get(name);
    if (alt !== undefined && this.weights.info(alt) !== undefined) return alt;
    return undefined;
  }
}

function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[base + c] as number;
  }
  return out;
}

function convert(data: Float32Array, type: ElemType): TensorData {
  return type === 'float16' ? float32ArrayToFloat16(data) : data;
}
