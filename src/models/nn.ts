/**
 * Neural-network layers as ONNX subgraphs, shared by the UNet, VAE and CLIP builders.
 * Names follow torch module paths so weights bind by their checkpoint names.
 */
import { ConfigError } from '../errors.js';
import { float32ToFloat16 } from '../io/float16.js';
import type { GraphBuilder } from '../onnx/graph-builder.js';
import { attr, type Value } from '../onnx/types.js';
import type { ParamBinder } from './params.js';

/** Activations the builders support by name (diffusers / transformers spelling). */
export type Activation = 'silu' | 'gelu' | 'quick_gelu' | 'relu';

/** Attention probabilities requested as extra outputs, by diffusers layer name. */
export class AttentionProbes {
  /** Every attention layer the builder created, in call order. */
  readonly layers: string[] = [];
  /** The outputs added: layer name → graph value [batch·heads, queries, keys] (float32). */
  readonly outputs = new Map<string, Value>();
  constructor(readonly requested: ReadonlySet<string>) {}

  /** Throws when a requested layer does not exist, listing the layers that do. */
  check(component: string): void {
    const missing = [...this.requested].filter((n) => !this.layers.includes(n));
    if (missing.length > 0) {
      throw new ConfigError(
        'CONFIG_INVALID',
        'attentionOutputs',
        `${component}: no attention layer named ${missing.map((m) => `"${m}"`).join(', ')}`,
        `Layers of this model: ${this.layers.join(', ')}`,
      );
    }
  }
}

/** What an attention control hook knows about the layer it is rewriting. */
export interface AttentionSite {
  /** Diffusers module path, e.g. `up_blocks.1.attentions.0.transformer_blocks.0.attn2`. */
  readonly layer: string;
  readonly kind: 'self' | 'cross';
  readonly heads: number;
  readonly headDim: number;
}

/**
 * Hooks that rewrite attention inside a graph (prompt-to-prompt, mutual self-attention).
 * Implementations add their own control inputs to the graph; the graph never branches.
 */
export interface AttentionControl {
  /** Rewrites keys and values [B, M, H·D] before the head split (mutual self-attention). */
  keysValues?(site: AttentionSite, k: Value, v: Value): { k: Value; v: Value };
  /** Rewrites softmax probabilities [B, H, N, M]. */
  probabilities?(site: AttentionSite, probs: Value): Value;
  /**
   * The same control without materializing probabilities, for fused lowering: returns the
   * attention output [B, N, H·D] built from calls of `mha(q, k, v)` (fused attention).
   * Must agree with {@link AttentionControl.probabilities} (the V-transform of docs/design.md §5).
   */
  fused?(site: AttentionSite, q: Value, k: Value, v: Value, mha: (q: Value, k: Value, v: Value) => Value): Value;
}

/** Layer helpers bound to one graph, one weight binder and one compute type. */
export class Nn {
  constructor(
    readonly g: GraphBuilder,
    readonly p: ParamBinder,
    readonly probes: AttentionProbes,
    readonly control?: AttentionControl,
    /** Lower plain attention to com.microsoft MultiHeadAttention (one fused kernel, no probabilities). */
    readonly fusedAttention = false,
  ) {}

  /** ONNX element type of float tensors inside the graph. */
  get floatType(): 'float32' | 'float16' {
    return this.p.floatType;
  }

  private get floatCode(): number {
    return this.floatType === 'float16' ? 10 : 1;
  }

  /** Scalar float constant in the compute type. */
  scalar(v: number): Value {
    return this.floatType === 'float16' ? this.g.constant('float16', [], Uint16Array.of(float32ToFloat16(v))) : this.g.scalar(v);
  }

  /** Float constant tensor in the compute type. */
  floats(dims: readonly number[], values: Float32Array): Value {
    if (this.floatType === 'float32') return this.g.constant('float32', dims, values);
    const bits = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) bits[i] = float32ToFloat16(values[i] as number);
    return this.g.constant('float16', dims, bits);
  }

  /** Casts a float32 graph input to the compute type. */
  fromFloat32(x: Value): Value {
    return this.floatType === 'float32' ? x : this.g.node('Cast', [x], { to: attr.int(10) });
  }

  /** Casts a compute-type value to float32 (graph outputs). */
  toFloat32(x: Value): Value {
    return this.floatType === 'float32' ? x : this.g.node('Cast', [x], { to: attr.int(1) });
  }

  add(a: Value, b: Value): Value {
    return this.g.node('Add', [a, b]);
  }

  mul(a: Value, b: Value): Value {
    return this.g.node('Mul', [a, b]);
  }

  /** torch.nn.Linear on the last axis: x·Wᵀ + b. */
  linear(x: Value, name: string, inFeatures: number, outFeatures: number, bias = true): Value {
    const w = this.p.param(`${name}.weight`, [outFeatures, inFeatures], { kind: 'transpose' });
    const y = this.g.node('MatMul', [x, w], {}, { name: `${name}/MatMul` });
    if (!bias) return y;
    return this.g.node('Add', [y, this.p.param(`${name}.bias`, [outFeatures])], {}, { name: `${name}/Add` });
  }

  /** torch.nn.Conv2d (square kernel, symmetric padding). */
  conv2d(
    x: Value,
    name: string,
    inChannels: number,
    outChannels: number,
    kernel: number,
    options: { stride?: number; padding?: number; bias?: boolean } = {},
  ): Value {
    const stride = options.stride ?? 1;
    const pad = options.padding ?? Math.floor(kernel / 2);
    const w = this.p.param(`${name}.weight`, [outChannels, inChannels, kernel, kernel]);
    const inputs: Value[] = [x, w];
    if (options.bias ?? true) inputs.push(this.p.param(`${name}.bias`, [outChannels]));
    return this.g.node(
      'Conv',
      inputs,
      { kernel_shape: attr.ints([kernel, kernel]), strides: attr.ints([stride, stride]), pads: attr.ints([pad, pad, pad, pad]) },
      { name: `${name}/Conv` },
    );
  }

  /** torch.nn.GroupNorm over [N, C, ...] (ONNX GroupNormalization-21: per-channel affine). */
  groupNorm(x: Value, name: string, channels: number, groups: number, eps: number): Value {
    if (channels % groups !== 0) {
      throw new ConfigError('CONFIG_INVALID', 'norm_num_groups', `${name}: ${channels} channels are not divisible into ${groups} groups`, 'Use a norm_num_groups that divides every block_out_channels entry.');
    }
    const scale = this.p.param(`${name}.weight`, [channels]);
    const bias = this.p.param(`${name}.bias`, [channels]);
    return this.g.node(
      'GroupNormalization',
      [x, scale, bias],
      { num_groups: attr.int(groups), epsilon: attr.float(eps), stash_type: attr.int(1) },
      { name: `${name}/GroupNorm` },
    );
  }

  /** torch.nn.LayerNorm over the last axis. */
  layerNorm(x: Value, name: string, channels: number, eps: number): Value {
    const scale = this.p.param(`${name}.weight`, [channels]);
    const bias = this.p.param(`${name}.bias`, [channels]);
    return this.g.node('LayerNormalization', [x, scale, bias], { axis: attr.int(-1), epsilon: attr.float(eps), stash_type: attr.int(1) }, { name: `${name}/LayerNorm` });
  }

  /** Applies an activation by name. */
  act(x: Value, kind: Activation): Value {
    switch (kind) {
      case 'silu':
        return this.g.node('Mul', [x, this.g.node('Sigmoid', [x])]);
      case 'gelu':
        return this.g.node('Gelu', [x]);
      case 'quick_gelu':
        return this.g.node('Mul', [x, this.g.node('Sigmoid', [this.g.node('Mul', [x, this.scalar(1.702)])])]);
      case 'relu':
        return this.g.node('Relu', [x]);
    }
  }

  /**
   * Multi-head scaled dot-product attention with explicit probabilities.
   * q: [B, N, H·D], k/v: [B, M, H·D] → [B, N, H·D]. When `layer` was requested as a probe,
   * its softmax probabilities are exposed as a graph output `attn:<layer>` of shape
   * [B·H, N, M] (batch-major, row b·H + h), float32.
   */
  attention(args: {
    q: Value;
    k: Value;
    v: Value;
    heads: number;
    headDim: number;
    /** Diffusers layer name (module path). */
    layer: string;
    /** Softmax in float32 even when computing in float16. */
    upcast: boolean;
    /** Additive mask broadcastable to [B, H, N, M]. */
    mask?: Value;
    /** Set for controllable (UNet transformer) layers. */
    kind?: 'self' | 'cross';
  }): Value {
    const { g } = this;
    const { heads, headDim, layer } = args;
    this.probes.layers.push(layer);
    const site: AttentionSite | undefined = args.kind && this.control ? { layer, kind: args.kind, heads, headDim } : undefined;
    let kIn = args.k;
    let vIn = args.v;
    if (site && this.control?.keysValues) ({ k: kIn, v: vIn } = this.control.keysValues(site, kIn, vIn));
    if (this.fusedAttention && !args.mask && !this.probes.requested.has(layer)) {
      // Softmax inside the kernel runs in float32 for float16 inputs, so upcast is honoured.
      let calls = 0;
      const mha = (q: Value, k: Value, v: Value): Value =>
        g.node('MultiHeadAttention', [q, k, v], { num_heads: attr.int(heads), scale: attr.float(1 / Math.sqrt(headDim)) }, { domain: 'com.microsoft', name: `${layer}/MHA${calls++ || ''}` });
      if (!site) return mha(args.q, kIn, vIn);
      if (this.control?.fused) return this.control.fused(site, args.q, kIn, vIn, mha);
    }
    const split = g.ints([0, 0, heads, headDim]);
    const q = g.node('Transpose', [g.node('Reshape', [args.q, split])], { perm: attr.ints([0, 2, 1, 3]) });
    const kT = g.node('Transpose', [g.node('Reshape', [kIn, split])], { perm: attr.ints([0, 2, 3, 1]) });
    const v = g.node('Transpose', [g.node('Reshape', [vIn, split])], { perm: attr.ints([0, 2, 1, 3]) });
    let scores = g.node('Mul', [g.node('MatMul', [q, kT], {}, { name: `${layer}/QK` }), this.scalar(1 / Math.sqrt(headDim))]);
    if (args.mask) scores = g.node('Add', [scores, args.mask]);
    let probs: Value;
    if (args.upcast && this.floatType === 'float16') {
      const s32 = g.node('Cast', [scores], { to: attr.int(1) });
      probs = g.node('Cast', [g.node('Softmax', [s32], { axis: attr.int(-1) }, { name: `${layer}/Softmax` })], { to: attr.int(this.floatCode) });
    } else {
      probs = g.node('Softmax', [scores], { axis: attr.int(-1) }, { name: `${layer}/Softmax` });
    }
    if (site && this.control?.probabilities) probs = this.control.probabilities(site, probs);
    if (this.probes.requested.has(layer)) {
      const shape = g.node('Concat', [g.ints([-1]), g.node('Slice', [g.node('Shape', [probs]), g.ints([2]), g.ints([4])])], { axis: attr.int(0) });
      const flat = this.toFloat32(g.node('Reshape', [probs, shape]));
      this.probes.outputs.set(layer, flat);
    }
    const out = g.node('MatMul', [probs, v], {}, { name: `${layer}/PV` });
    const merged = g.node('Transpose', [out], { perm: attr.ints([0, 2, 1, 3]) });
    return g.node('Reshape', [merged, g.ints([0, 0, heads * headDim])]);
  }
}
