/** Options and results shared by the graph builders. */
import { GraphBuilder } from '../onnx/graph-builder.js';
import type { WeightSource } from '../io/weights.js';
import { AttentionProbes, Nn, type AttentionControl } from './nn.js';
import { ParamBinder, type ParamSpec } from './params.js';

/** Numeric precision of a built graph (inputs and outputs stay float32). */
export type ModelDType = 'fp32' | 'fp16';

/** Options every graph builder takes. */
export interface BuildOptions {
  /** Weights and compute precision; graph inputs/outputs are float32 either way. Default fp32. */
  readonly dtype?: ModelDType;
  /** Attention layers (diffusers module paths) whose softmax probabilities become outputs `attn:<layer>`. */
  readonly attentionOutputs?: readonly string[];
  /** Alternative stored weight names (wanted → stored), for older checkpoint layouts. */
  readonly weightAliases?: ReadonlyMap<string, string>;
  /**
   * How attention is lowered: 'reference' (MatMul–Softmax–MatMul, probabilities available) or
   * 'fused' (com.microsoft MultiHeadAttention for every layer without probes or control; the
   * CUDA provider's fused kernels). Default 'reference'.
   */
  readonly attentionLowering?: 'reference' | 'fused';
  /** Installs attention-control hooks; called once with the graph so it can add control inputs. */
  readonly attentionControl?: (g: GraphBuilder) => AttentionControl;
  /** List the parameters a config needs without requiring weights (the graph is not usable). */
  readonly collectOnly?: boolean;
}

/** A built graph and what was learned while building it. */
export interface BuiltGraph {
  readonly graph: GraphBuilder;
  /** Every parameter the architecture uses, with its torch shape. */
  readonly params: readonly ParamSpec[];
  /** Every attention layer, in call order. */
  readonly attentionLayers: readonly string[];
  /** Names of the graph inputs and outputs. */
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

/** Creates the graph, binder and layer helpers for one build. */
export function startBuild(name: string, weights: WeightSource, options: BuildOptions): { g: GraphBuilder; nn: Nn; binder: ParamBinder; probes: AttentionProbes } {
  const g = new GraphBuilder({ name, opset: 21 });
  const binder = new ParamBinder(g, weights, options.dtype === 'fp16' ? 'float16' : 'float32', options.weightAliases, options.collectOnly ?? false);
  const probes = new AttentionProbes(new Set(options.attentionOutputs ?? []));
  return { g, nn: new Nn(g, binder, probes, options.attentionControl?.(g), options.attentionLowering === 'fused'), binder, probes };
}

/** Finishes a build: checks weights and probes, adds the probe outputs, returns the result. */
export function finishBuild(component: string, parts: { g: GraphBuilder; nn: Nn; binder: ParamBinder; probes: AttentionProbes }): BuiltGraph {
  const { g, binder, probes } = parts;
  probes.check(component);
  binder.finish(component);
  for (const [layer, value] of probes.outputs) g.output(value, `attn:${layer}`, 'float32', [`attn_bh`, `attn_q_${layer}`, `attn_k_${layer}`]);
  return {
    graph: g,
    params: binder.requested,
    attentionLayers: [...probes.layers],
    inputNames: g.inputs.map((i) => i.name),
    outputNames: g.outputs.map((o) => o.name),
  };
}
