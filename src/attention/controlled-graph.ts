/**
 * Attention control inside the UNet graph (prompt-to-prompt, Hertz et al. 2022; mutual
 * self-attention, Cao et al. 2023 / InfEdit, Xu et al. 2023).
 *
 * Batch layout for E edits: branches [source, target_1 … target_E], stacked
 * [uncond of each branch…, cond of each branch…], so B = 2(E+1); edits apply to the cond half.
 * E is dynamic (the first dimension of `ctrl_cross_mapper`), so one graph (one session) serves
 * every target count, and E = 0 is the plain UNet (any batch): the plain and controlled UNet
 * of a model are one graph.
 * Per-step control tensors are graph inputs; the graph never branches on the step:
 *
 * - `ctrl_cross_mapper` [E, 77, 77]: token mapper of each target (replace, refine or identity).
 * - `ctrl_cross_src`, `ctrl_cross_self` [L_cross, E, 77]: per-layer, per-target, per-token
 *   coefficients of  M_e ← (M_src · Mapper_e) ⊙ src + M_e ⊙ self  (no control: src 0, self 1).
 * - `ctrl_self_replace` [L_self]: per self-attention layer, s in [0, 1]:
 *   M_e ← s · M_src + (1 − s) · M_e.
 * - `ctrl_mutual` [L_self]: per self-attention layer, m in [0, 1]: target keys and values
 *   K_e ← K_e + m (K_src − K_e) (likewise V): target queries attend to the source.
 *
 * Layer indices follow call order (see {@link controlledLayerIndex}); selecting layers by
 * resolution or by down/mid/up is done by the caller through these per-layer tensors.
 */
import type { GraphBuilder } from '../onnx/graph-builder.js';
import { attr, type Value } from '../onnx/types.js';
import type { AttentionControl, AttentionSite } from '../models/nn.js';

/** Names of the control inputs. */
export const CONTROL_INPUTS = {
  crossMapper: 'ctrl_cross_mapper',
  crossSrc: 'ctrl_cross_src',
  crossSelf: 'ctrl_cross_self',
  selfReplace: 'ctrl_self_replace',
  mutual: 'ctrl_mutual',
} as const;

/** Options of the controlled graph. The number of target branches E is not fixed: it is the first dimension of `ctrl_cross_mapper`. */
export interface ControlledGraphOptions {
  /** Text length (keys of cross-attention). Default 77. */
  readonly textLength?: number;
  /** Compute type of the graph ('float32' | 'float16'), for casting control inputs. */
  readonly floatType: 'float32' | 'float16';
}

/** Where a layer sits in the control tensors. */
export interface ControlledLayerIndex {
  readonly cross: readonly string[];
  readonly self: readonly string[];
}

/** Splits the UNet's attention layers (call order) into the cross and self index lists. */
export function controlledLayerIndex(attentionLayers: readonly string[]): ControlledLayerIndex {
  return { cross: attentionLayers.filter((l) => l.endsWith('attn2')), self: attentionLayers.filter((l) => l.endsWith('attn1')) };
}

/** Control feeds that make the graph the plain UNet: E = 0 targets (empty mapper and coefficients), no self replacement, no mutual attention. */
export function neutralControlFeeds(attentionLayers: readonly string[], textLength: number): Record<string, { data: Float32Array; dims: number[] }> {
  const { cross, self } = controlledLayerIndex(attentionLayers);
  const T = textLength;
  return {
    [CONTROL_INPUTS.crossMapper]: { data: new Float32Array(0), dims: [0, T, T] },
    [CONTROL_INPUTS.crossSrc]: { data: new Float32Array(0), dims: [cross.length, 0, T] },
    [CONTROL_INPUTS.crossSelf]: { data: new Float32Array(0), dims: [cross.length, 0, T] },
    [CONTROL_INPUTS.selfReplace]: { data: new Float32Array(self.length), dims: [self.length] },
    [CONTROL_INPUTS.mutual]: { data: new Float32Array(self.length), dims: [self.length] },
  };
}

/** Returns the factory that installs the control hooks in a UNet build (BuildOptions.attentionControl). */
export function attentionControlFactory(options: ControlledGraphOptions): (g: GraphBuilder) => AttentionControl {
  return (g) => new ControlHooks(g, options);
}

class ControlHooks implements AttentionControl {
  private readonly mapper: Value;
  /** Mapper [E, T, T] (for the V-transform). */
  private readonly mapper3: Value;
  private readonly crossSrc: Value;
  private readonly crossSelf: Value;
  private readonly selfReplace: Value;
  private readonly mutual: Value;
  /** E as a [1] int64 tensor, and the shape [E, 1, 1]. */
  private readonly edits: Value;
  private readonly expandShape: Value;
  private crossCount = 0;
  private selfCount = 0;

  constructor(
    private readonly g: GraphBuilder,
    o: ControlledGraphOptions,
  ) {
    const T = o.textLength ?? 77;
    const cast = (v: Value): Value => (o.floatType === 'float16' ? g.node('Cast', [v], { to: attr.int(10) }) : v);
    const mapperIn = g.input(CONTROL_INPUTS.crossMapper, 'float32', ['edits', T, T]);
    this.mapper = cast(mapperIn);
    // [1, E, 1, 1, T] views are made per layer by Gather + Unsqueeze.
    this.crossSrc = cast(g.input(CONTROL_INPUTS.crossSrc, 'float32', ['cross_layers', 'edits', T]));
    this.crossSelf = cast(g.input(CONTROL_INPUTS.crossSelf, 'float32', ['cross_layers', 'edits', T]));
    this.selfReplace = cast(g.input(CONTROL_INPUTS.selfReplace, 'float32', ['self_layers']));
    this.mutual = cast(g.input(CONTROL_INPUTS.mutual, 'float32', ['self_layers']));
    this.edits = g.node('Shape', [mapperIn], { start: attr.int(0), end: attr.int(1) });
    this.expandShape = g.node('Concat', [this.edits, g.ints([1, 1])], { axis: attr.int(0) });
    this.mapper3 = this.mapper;
    // Mapper [E, T, T] → [E, 1, T, T] to broadcast over heads.
    this.mapper = g.node('Unsqueeze', [this.mapper, g.ints([1])]);
  }

  /** Rows [start, end) of the batch axis ([1] int64 bounds). */
  private rows(v: Value, start: Value, end: Value): Value {
    return this.g.node('Slice', [v, start, end, this.g.ints([0])]);
  }

  /**
   * Splits [B, …] into (everything before the cond targets, cond source, cond targets): the
   * targets are the last E rows, the cond source the row before them. With E = 0 the head is
   * the whole batch and the targets are empty, so the graph computes the plain UNet.
   */
  private split(v: Value): { head: Value; src: Value; targets: Value } {
    const { g } = this;
    const B = g.node('Shape', [v], { start: attr.int(0), end: attr.int(1) });
    const firstTarget = g.node('Sub', [B, this.edits]);
    const source = g.node('Sub', [firstTarget, g.ints([1])]);
    return { head: this.rows(v, g.ints([0]), firstTarget), src: this.rows(v, source, firstTarget), targets: this.rows(v, firstTarget, B) };
  }

  keysValues(site: AttentionSite, k: Value, v: Value): { k: Value; v: Value } {
    if (site.kind !== 'self') return { k, v };
    const { g } = this;
    const m = g.node('Gather', [this.mutual, g.ints([this.selfCount])], { axis: attr.int(0) }); // [1]
    const mix = (x: Value): Value => {
      const { head, src, targets } = this.split(x);
      const mixed = g.node('Add', [targets, g.node('Mul', [g.node('Sub', [src, targets]), m])]);
      return g.node('Concat', [head, mixed], { axis: attr.int(0) });
    };
    return { k: mix(k), v: mix(v) };
  }

  /**
   * Fused form (docs/design.md §5): (M_src·Mapper ⊙ a)·V = M_src·(Mapper·diag(a)·V), so a target's
   * cross-attention output is Attn(Q_src, K_src, Mapper·(src ⊙ V_e)) + Attn(Q_e, K_e, self ⊙ V_e),
   * and self-replacement is s·Attn(Q_src, K_src, V_e) + (1 − s)·Attn(Q_e, K_e, V_e).
   */
  fused(site: AttentionSite, q: Value, k: Value, v: Value, mha: (q: Value, k: Value, v: Value) => Value): Value {
    const { g } = this;
    const qs = this.split(q);
    const ks = this.split(k);
    const vs = this.split(v);
    const headOut = mha(qs.head, ks.head, vs.head);
    const rep = (x: Value): Value => g.node('Expand', [x, this.expandShape]);
    let targetOut: Value;
    if (site.kind === 'cross') {
      const idx = g.ints([this.crossCount++]);
      // [E, T] → [E, T, 1]: scales the rows (key positions) of V.
      const coef = (t: Value): Value => g.node('Unsqueeze', [g.node('Squeeze', [g.node('Gather', [t, idx], { axis: attr.int(0) }), g.ints([0])]), g.ints([2])]);
      const vMapped = g.node('MatMul', [this.mapper3, g.node('Mul', [vs.targets, coef(this.crossSrc)])], {}, { name: `${site.layer}/ctrl_vmap` });
      const fromSrc = mha(rep(qs.src), rep(ks.src), vMapped);
      const own = mha(qs.targets, ks.targets, g.node('Mul', [vs.targets, coef(this.crossSelf)]));
      targetOut = g.node('Add', [fromSrc, own]);
    } else {
      const s = g.node('Gather', [this.selfReplace, g.ints([this.selfCount++])], { axis: attr.int(0) }); // [1]
      const fromSrc = mha(rep(qs.src), rep(ks.src), vs.targets);
      const own = mha(qs.targets, ks.targets, vs.targets);
      targetOut = g.node('Add', [own, g.node('Mul', [g.node('Sub', [fromSrc, own]), s])]);
    }
    return g.node('Concat', [headOut, targetOut], { axis: attr.int(0) });
  }

  probabilities(site: AttentionSite, probs: Value): Value {
    const { g } = this;
    const { head, src, targets } = this.split(probs);
    let edited: Value;
    if (site.kind === 'cross') {
      const idx = g.ints([this.crossCount++]);
      // [E, T] → [E, 1, 1, T]
      const coef = (t: Value): Value => g.node('Unsqueeze', [g.node('Squeeze', [g.node('Gather', [t, idx], { axis: attr.int(0) }), g.ints([0])]), g.ints([1, 2])]);
      // [1,H,N,T] → [E,H,N,T] first: onnxruntime's MatMul does not broadcast 1 against E = 0.
      const srcE = g.node('Expand', [src, g.node('Concat', [this.edits, g.ints([1, 1, 1])], { axis: attr.int(0) })]);
      const mapped = g.node('MatMul', [srcE, this.mapper], {}, { name: `${site.layer}/ctrl_map` }); // [E,H,N,T]·[E,1,T,T] → [E,H,N,T]
      edited = g.node('Add', [g.node('Mul', [mapped, coef(this.crossSrc)]), g.node('Mul', [targets, coef(this.crossSelf)])]);
    } else {
      const s = g.node('Gather', [this.selfReplace, g.ints([this.selfCount++])], { axis: attr.int(0) }); // [1]
      edited = g.node('Add', [targets, g.node('Mul', [g.node('Sub', [src, targets]), s])]);
    }
    return g.node('Concat', [head, edited], { axis: attr.int(0) });
  }
}
