/**
 * A loaded UNet with attention control: the batch layout, control inputs and layer index of
 * {@link attentionControlFactory}, with helpers to build "no control" tensors and to select
 * layers by resolution and place.
 */
import type { WeightSource } from '../io/weights.js';
import { ConfigError, RepriseError } from '../errors.js';
import { detectComponent, openComponentWeights } from '../models/folder.js';
import { buildUnet } from '../models/unet/build.js';
import { resolveUnetConfig } from '../models/unet/config.js';
import { loadGraph, type LoadOptions, type LoadedGraph } from '../runtime/load.js';
import type { HostTensor } from '../runtime/session.js';
import { attentionControlFactory, CONTROL_INPUTS, controlledLayerIndex, type ControlledLayerIndex } from './controlled-graph.js';

/** Place of an attention layer in the UNet. */
export type UnetPlace = 'down' | 'mid' | 'up';

/** One attention layer with where it sits and how many query tokens it has. */
export interface AttentionLayerInfo {
  readonly name: string;
  readonly kind: 'self' | 'cross';
  readonly place: UnetPlace;
  /** Query tokens (h·w) for the given latent size. */
  readonly queryTokens: number;
  /** The layer's spatial size. */
  readonly height: number;
  readonly width: number;
}

/** Per-step control values (float32, host). Build them with `neutralControls()` and edit. */
export interface ControlTensors {
  /** [E·77·77] */
  readonly crossMapper: Float32Array;
  /** [L_cross·E·77] */
  readonly crossSrc: Float32Array;
  /** [L_cross·E·77] */
  readonly crossSelf: Float32Array;
  /** [L_self] */
  readonly selfReplace: Float32Array;
  /** [L_self] */
  readonly mutual: Float32Array;
}

/** Layer information for a UNet config at a latent size (resolution of every attention layer). */
export function attentionLayerInfo(config: unknown, attentionLayers: readonly string[], latentHeight: number, latentWidth: number): AttentionLayerInfo[] {
  const plan = resolveUnetConfig(config);
  const n = plan.down.length;
  const size = (level: number): { height: number; width: number; queryTokens: number } => {
    let h = latentHeight;
    let w = latentWidth;
    for (let i = 0; i < level; i++) {
      h = Math.floor((h + 1) / 2); // stride-2 conv with padding 1
      w = Math.floor((w + 1) / 2);
    }
    return { height: h, width: w, queryTokens: h * w };
  };
  return attentionLayers.map((name) => {
    const kind = name.endsWith('attn2') ? 'cross' : 'self';
    const [head, idx] = name.split('.');
    const i = Number(idx);
    if (head === 'down_blocks') return { name, kind, place: 'down', ...size(i) };
    if (head === 'up_blocks') return { name, kind, place: 'up', ...size(n - 1 - i) };
    return { name, kind, place: 'mid', ...size(n - 1) };
  });
}

/**
 * A view of a UNet graph with attention-control inputs for `edits` target branches. The graph
 * takes any number of targets (a dynamic first dimension of the control tensors), so views for
 * every count share one graph and one session ({@link withEdits}).
 */
export class ControlledUnetModel {
  readonly index: ControlledLayerIndex;

  private constructor(
    readonly graph: LoadedGraph,
    readonly config: unknown,
    readonly edits: number,
    readonly textLength: number,
    /** Attention layers whose probabilities are fetched (default: every attention output of the graph). */
    private readonly fetch?: readonly string[],
  ) {
    if (!Number.isInteger(edits) || edits < 0) throw new ConfigError('CONFIG_INVALID', 'edits', `edits must be an integer ≥ 0, got ${edits}`, 'Pass the number of target prompts.');
    this.index = controlledLayerIndex(graph.attentionLayers);
  }

  /** Loads the controlled graph from a diffusers `unet/` folder. */
  static async load(dir: string, options: LoadOptions & { edits: number }): Promise<ControlledUnetModel> {
    const found = detectComponent(dir);
    if (found?.kind !== 'unet') throw new RepriseError('MODEL_FOLDER', `${dir} is not a unet folder`, { hint: 'Point to the unet/ folder of a diffusers model.' });
    return ControlledUnetModel.fromWeights(found.config, openComponentWeights(dir, options.variant === undefined ? {} : { variant: options.variant }), options);
  }

  static async fromWeights(config: unknown, weights: WeightSource, options: LoadOptions & { edits: number; textLength?: number }): Promise<ControlledUnetModel> {
    const textLength = options.textLength ?? 77;
    const floatType = options.dtype === 'fp16' ? 'float16' : 'float32';
    const graph = await loadGraph('unet_controlled', buildUnet, config, weights, options, {
      key: { controlled: 2, textLength },
      options: { attentionControl: attentionControlFactory({ textLength, floatType }) },
    });
    return new ControlledUnetModel(graph, config, options.edits, textLength);
  }

  /** The same graph (and session) for `edits` targets, fetching only the probabilities of `attentionOutputs` (default all the graph has). */
  withEdits(edits: number, attentionOutputs?: readonly string[]): ControlledUnetModel {
    const have = new Set(this.graph.session.outputNames);
    const missing = (attentionOutputs ?? []).filter((l) => !have.has(`attn:${l}`));
    if (missing.length > 0) throw new RepriseError('RUNTIME_INPUT', `controlled UNet: no attention output for ${missing.join(', ')}`, { hint: 'Load the graph with these layers in attentionOutputs.' });
    return new ControlledUnetModel(this.graph, this.config, edits, this.textLength, attentionOutputs ?? this.fetch);
  }

  /** Batch size of one call: 2 (E + 1). */
  get batch(): number {
    return 2 * (this.edits + 1);
  }

  /** Controls that change nothing: identity mapper, src 0 / self 1, no replacement, no mutual attention. */
  neutralControls(): ControlTensors {
    const { edits: E, textLength: T } = this;
    const crossMapper = new Float32Array(E * T * T);
    for (let e = 0; e < E; e++) for (let j = 0; j < T; j++) crossMapper[e * T * T + j * T + j] = 1;
    const L = this.index.cross.length;
    return {
      crossMapper,
      crossSrc: new Float32Array(L * E * T),
      crossSelf: new Float32Array(L * E * T).fill(1),
      selfReplace: new Float32Array(this.index.self.length),
      mutual: new Float32Array(this.index.self.length),
    };
  }

  /** Runs one step. `sample` is [2(E+1), C, H, W] in the batch layout; `timestep` one per sample or one for all. */
  async run(inputs: { sample: HostTensor; timestep: Float32Array; encoderHiddenStates: HostTensor; timestepCond?: HostTensor; controls: ControlTensors }): Promise<{ out: HostTensor; attention: Map<string, HostTensor> }> {
    const { edits: E, textLength: T } = this;
    const c = inputs.controls;
    const Lc = this.index.cross.length;
    const Ls = this.index.self.length;
    const feeds: Record<string, HostTensor> = {
      sample: inputs.sample,
      timestep: { data: inputs.timestep, dims: [inputs.timestep.length] },
      encoder_hidden_states: inputs.encoderHiddenStates,
      [CONTROL_INPUTS.crossMapper]: { data: c.crossMapper, dims: [E, T, T] },
      [CONTROL_INPUTS.crossSrc]: { data: c.crossSrc, dims: [Lc, E, T] },
      [CONTROL_INPUTS.crossSelf]: { data: c.crossSelf, dims: [Lc, E, T] },
      [CONTROL_INPUTS.selfReplace]: { data: c.selfReplace, dims: [Ls] },
      [CONTROL_INPUTS.mutual]: { data: c.mutual, dims: [Ls] },
    };
    if (inputs.timestepCond) feeds.timestep_cond = inputs.timestepCond;
    if ((inputs.sample.dims[0] ?? 0) !== this.batch) {
      throw new RepriseError('RUNTIME_INPUT', `controlled UNet: sample batch ${inputs.sample.dims[0]} ≠ 2·(edits+1) = ${this.batch}`, {
        hint: 'Stack [uncond of source and each target…, cond of source and each target…].',
      });
    }
    const res = await this.graph.session.run(feeds, this.fetch ? ['out', ...this.fetch.map((l) => `attn:${l}`)] : undefined);
    const attention = new Map<string, HostTensor>();
    for (const [k, v] of Object.entries(res)) if (k.startsWith('attn:')) attention.set(k.slice(5), v);
    return { out: res.out as HostTensor, attention };
  }
}
