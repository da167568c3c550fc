/**
 * Loading components: diffusers folder → (cached) graph → onnxruntime session, with typed
 * wrappers for the UNet, the VAE and the text encoder.
 */
import type { WeightSource } from '../io/weights.js';
import type { BuildOptions, BuiltGraph, ModelDType } from '../models/build-options.js';
import { buildClipTextEncoder } from '../models/clip/build.js';
import { detectComponent, openComponentWeights, type ComponentKind } from '../models/folder.js';
import { buildUnet } from '../models/unet/build.js';
import { resolveUnetConfig } from '../models/unet/config.js';
import { buildVaeDecoder, buildVaeEncoder } from '../models/vae/build.js';
import { RepriseError } from '../errors.js';
import { CONTROL_INPUTS, neutralControlFeeds } from '../attention/controlled-graph.js';
import { encodeModel } from '../onnx/serialize.js';
import type { Device } from './device.js';
import { defaultCacheDir, getOrBuildGraph, graphCacheKey, sharedWeightsName } from './graph-cache.js';
import { ModelSession, type HostTensor } from './session.js';

/** How to load a component. */
export interface LoadOptions {
  readonly device?: Device;
  readonly deviceId?: number;
  /** Weights and compute precision (graph inputs/outputs stay float32). Default fp32. */
  readonly dtype?: ModelDType;
  /** Compiled-graph cache: a folder, or false to build in memory (small models only). Default: the user cache folder. */
  readonly cache?: { readonly dir: string } | false;
  /** UNet attention layers whose probabilities become outputs. */
  readonly attentionOutputs?: readonly string[];
  /** Attention lowering ('fused' uses com.microsoft MultiHeadAttention where no probabilities are read). Default 'reference'. */
  readonly attentionLowering?: 'reference' | 'fused';
  /** Weight-file variant, e.g. "fp16" for diffusion_pytorch_model.fp16.safetensors. */
  readonly variant?: string;
  readonly intraOpThreads?: number;
  /** onnxruntime deterministic compute (see SessionOptions.deterministic). */
  readonly deterministic?: boolean;
  /** CUDA: nodes without a CUDA kernel: 'warn' (default) or 'error' (see SessionOptions.cpuFallback). */
  readonly cpuFallback?: 'warn' | 'error';
  /**
   * onnxruntime's CPU memory arena for the sessions (see SessionOptions.memoryArena). Default:
   * on, except for the VAE, whose 512² activations (about 2 GB for SD 1.5) would otherwise stay
   * reserved by its two sessions while the UNet runs.
   */
  readonly memoryArena?: boolean;
}

/** A graph loaded in a session, with what the builder reported. */
export interface LoadedGraph {
  readonly session: ModelSession;
  readonly attentionLayers: readonly string[];
  /** Whether the compiled graph came from the cache. */
  readonly cacheHit: boolean;
}

/** A graph builder function (buildUnet, buildVaeEncoder, ...). */
export type GraphBuildFn = (config: unknown, weights: WeightSource, options: BuildOptions) => BuiltGraph;

/** Builds (or fetches from the cache) and loads one graph. */
export async function loadGraph(
  name: string,
  build: GraphBuildFn,
  config: unknown,
  weights: WeightSource,
  options: LoadOptions = {},
  /** Further build options (e.g. attention control) and the JSON-able key that identifies them in the cache. */
  variant?: { readonly key: unknown; readonly options: Partial<BuildOptions> },
): Promise<LoadedGraph> {
  const keyOptions: BuildOptions = {
    dtype: options.dtype ?? 'fp32',
    attentionOutputs: [...(options.attentionOutputs ?? [])].sort(),
    attentionLowering: options.attentionLowering ?? 'reference',
  };
  const buildOptions: BuildOptions = { ...keyOptions, ...(variant?.options ?? {}) };
  const sessionOptions = {
    label: name,
    ...(options.device !== undefined ? { device: options.device } : {}),
    ...(options.deviceId !== undefined ? { deviceId: options.deviceId } : {}),
    ...(options.intraOpThreads !== undefined ? { intraOpThreads: options.intraOpThreads } : {}),
    ...(options.deterministic !== undefined ? { deterministic: options.deterministic } : {}),
    ...(options.cpuFallback !== undefined ? { cpuFallback: options.cpuFallback } : {}),
    ...(options.memoryArena !== undefined ? { memoryArena: options.memoryArena } : {}),
  };
  if (options.cache === false) {
    const built = build(config, weights, buildOptions);
    const session = await ModelSession.create(encodeModel(built.graph), sessionOptions);
    return { session, attentionLayers: built.attentionLayers, cacheHit: false };
  }
  const dir = options.cache?.dir ?? defaultCacheDir();
  const key = graphCacheKey({ component: name, config, weightsId: weights.id, options: { ...keyOptions, variant: variant?.key ?? null } });
  const cached = getOrBuildGraph(dir, key, () => build(config, weights, buildOptions), { weights: sharedWeightsName(weights.id, keyOptions.dtype ?? 'fp32'), component: name });
  const session = await ModelSession.create(cached.modelPath, sessionOptions);
  return { session, attentionLayers: cached.meta.attentionLayers, cacheHit: cached.hit };
}

function expectKind(dir: string, kind: ComponentKind, variant: string | undefined): { config: unknown; weights: WeightSource } {
  const found = detectComponent(dir);
  if (found?.kind !== kind) {
    throw new RepriseError('MODEL_FOLDER', `${dir} is not a ${kind} folder${found ? ` (it holds a ${found.kind})` : ''}`, {
      hint: `Point to the ${kind}/ folder of a diffusers model (config.json + safetensors weights).`,
    });
  }
  return { config: found.config, weights: openComponentWeights(dir, variant === undefined ? {} : { variant }) };
}

/** UNet inputs. `timestep` is one value per sample (or one value for the whole batch). */
export interface UnetInputs {
  readonly sample: HostTensor;
  readonly timestep: Float32Array;
  readonly encoderHiddenStates: HostTensor;
  readonly timestepCond?: HostTensor;
}

/** A loaded UNet2DConditionModel. */
export class UnetModel {
  /** cross_attention_dim: the last axis of `encoder_hidden_states`. */
  readonly contextDim: number;
  /** time_cond_proj_dim of LCM models (undefined otherwise). */
  readonly timestepCondDim: number | undefined;

  constructor(
    readonly graph: LoadedGraph,
    readonly config: unknown,
    /** Identity of the weights (WeightSource.id): records made with this UNet carry it. */
    readonly weightsId: string,
    /** Outputs to fetch (default all); the plain view of a unified graph fetches only `out`. */
    private readonly fetch?: readonly string[],
  ) {
    const plan = resolveUnetConfig(config);
    this.contextDim = plan.crossAttentionDim;
    this.timestepCondDim = plan.config.time_cond_proj_dim ?? undefined;
  }

  static async load(dir: string, options: LoadOptions = {}): Promise<UnetModel> {
    const { config, weights } = expectKind(dir, 'unet', options.variant);
    return UnetModel.fromWeights(config, weights, options);
  }

  static async fromWeights(config: unknown, weights: WeightSource, options: LoadOptions = {}): Promise<UnetModel> {
    return new UnetModel(await loadGraph('unet', buildUnet, config, weights, options), config, weights.id);
  }

  /** Runs the UNet; returns `out` and the requested attention probabilities by layer name. */
  async run(inputs: UnetInputs): Promise<{ out: HostTensor; attention: Map<string, HostTensor> }> {
    const feeds: Record<string, HostTensor> = {
      sample: inputs.sample,
      timestep: { data: inputs.timestep, dims: [inputs.timestep.length] },
      encoder_hidden_states: inputs.encoderHiddenStates,
    };
    if (inputs.timestepCond) feeds.timestep_cond = inputs.timestepCond;
    // A unified graph (attention/unified-unet.ts) with neutral controls is the plain UNet.
    if (this.graph.session.inputNames.includes(CONTROL_INPUTS.crossMapper)) Object.assign(feeds, neutralControlFeeds(this.graph.attentionLayers, inputs.encoderHiddenStates.dims[1] ?? 77));
    const res = await this.graph.session.run(feeds, this.fetch);
    const attention = new Map<string, HostTensor>();
    for (const [k, v] of Object.entries(res)) if (k.startsWith('attn:')) attention.set(k.slice(5), v);
    return { out: res.out as HostTensor, attention };
  }
}

/** A loaded AutoencoderKL (encoder and decoder). */
export class VaeModel {
  constructor(
    readonly encoder: LoadedGraph,
    readonly decoder: LoadedGraph,
    /** Identity of the weights (WeightSource.id). */
    readonly weightsId = '',
  ) {}

  static async load(dir: string, options: LoadOptions = {}): Promise<VaeModel> {
    const { config, weights } = expectKind(dir, 'vae', options.variant);
    return VaeModel.fromWeights(config, weights, options);
  }

  static async fromWeights(config: unknown, weights: WeightSource, options: LoadOptions = {}): Promise<VaeModel> {
    // Measured on the SD 1.5 VAE at 512² (CPU): without the arena the decode peaks 0.6 GB lower and frees its 1.9 GB afterwards.
    const o = { ...options, attentionOutputs: [], memoryArena: options.memoryArena ?? false };
    return new VaeModel(await loadGraph('vae_encoder', buildVaeEncoder, config, weights, o), await loadGraph('vae_decoder', buildVaeDecoder, config, weights, o), weights.id);
  }

  /** image [B, 3, H, W] in [-1, 1] → posterior mean and log-variance (no scaling factor). */
  async encode(image: HostTensor): Promise<{ mean: HostTensor; logvar: HostTensor }> {
    const r = await this.encoder.session.run({ image });
    return { mean: r.posterior_mean as HostTensor, logvar: r.posterior_logvar as HostTensor };
  }

  /** latent [B, C, h, w] (unscaled) → image [B, 3, H, W] in about [-1, 1]. */
  async decode(latent: HostTensor): Promise<HostTensor> {
    const r = await this.decoder.session.run({ latent });
    return r.decoded as HostTensor;
  }
}

/** A loaded CLIPTextModel. */
export class TextEncoderModel {
  constructor(
    readonly graph: LoadedGraph,
    /** Identity of the weights (WeightSource.id). */
    readonly weightsId = '',
  ) {}

  static async load(dir: string, options: LoadOptions = {}): Promise<TextEncoderModel> {
    const { config, weights } = expectKind(dir, 'text_encoder', options.variant);
    return TextEncoderModel.fromWeights(config, weights, options);
  }

  static async fromWeights(config: unknown, weights: WeightSource, options: LoadOptions = {}): Promise<TextEncoderModel> {
    return new TextEncoderModel(await loadGraph('text_encoder', buildClipTextEncoder, config, weights, { ...options, attentionOutputs: [] }), weights.id);
  }

  /** input ids [B, S] → last, penultimate hidden states and pooled output. */
  async encode(inputIds: BigInt64Array, batch: number): Promise<{ lastHiddenState: HostTensor; penultimateHiddenState: HostTensor; pooled: HostTensor }> {
    const r = await this.graph.session.run({ input_ids: { data: inputIds, dims: [batch, inputIds.length / batch] } });
    return {
      lastHiddenState: r.last_hidden_state as HostTensor,
      penultimateHiddenState: r.penultimate_hidden_state as HostTensor,
      pooled: r.pooler_output as HostTensor,
    };
  }
}
