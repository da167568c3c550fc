/**
 * A diffusers model folder (model_index.json, unet/, vae/, text_encoder/, tokenizer/,
 * scheduler/) loaded into sessions: prompt encoding, VAE encode/decode with the scaling
 * factor, the plain UNet, and controlled UNets per edit count (built on first use).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { RepriseError } from '../errors.js';
import { readJsonFile } from '../models/config-util.js';
import type { ControlledUnetModel } from '../attention/controlled-unet.js';
import { loadModelUnets, type ModelUnets } from '../attention/unified-unet.js';
import { TextEncoderModel, VaeModel, type LoadOptions, type UnetModel } from '../runtime/load.js';
import type { HostTensor } from '../runtime/session.js';
import { ClipTokenizer } from '../tokenizer/index.js';
import { resolveSchedulerConfig, type SchedulerClassName, type SchedulerConfig, type TimestepSpacing } from '../solvers/index.js';

const modelIndexSchema = z.looseObject({
  _class_name: z.string().optional(),
  unet: z.unknown(),
  vae: z.unknown(),
  text_encoder: z.unknown(),
  tokenizer: z.unknown(),
  scheduler: z.unknown(),
});

/** Options to load a model folder. */
export type ModelLoadOptions = Omit<LoadOptions, 'attentionOutputs'> & {
  /** Use the penultimate text-encoder layer ("clip skip" 2) instead of the last one. */
  readonly clipSkip?: 1 | 2;
};

/** A loaded diffusers text-to-image model. */
export class DiffusionModel {
  private constructor(
    readonly folder: string,
    readonly tokenizer: ClipTokenizer,
    readonly textEncoder: TextEncoderModel,
    readonly vae: VaeModel,
    /** The plain and controlled UNets (one graph and session where the lowering allows; attention/unified-unet.ts). */
    readonly unets: ModelUnets,
    /** scheduler/scheduler_config.json as stored (any diffusers class). */
    readonly schedulerConfig: Record<string, unknown>,
    readonly scalingFactor: number,
    readonly shiftFactor: number,
    readonly options: ModelLoadOptions,
    private readonly vaeBlocks: number,
    private readonly unetSampleSize: number,
  ) {}

  /** Loads every component of a diffusers folder. Missing components are named in the error. */
  static async load(folder: string, options: ModelLoadOptions = {}): Promise<DiffusionModel> {
    const indexPath = path.join(folder, 'model_index.json');
    if (!fs.existsSync(indexPath)) {
      throw new RepriseError('MODEL_FOLDER', `${folder} has no model_index.json`, { hint: 'Point to a diffusers model folder (model_index.json with unet/, vae/, text_encoder/, tokenizer/, scheduler/).' });
    }
    const index = modelIndexSchema.safeParse(readJsonFile(indexPath, 'model_index.json'));
    const missing = ['unet', 'vae', 'text_encoder', 'tokenizer', 'scheduler'].filter((c) => !fs.existsSync(path.join(folder, c)));
    if (!index.success || missing.length > 0) {
      throw new RepriseError('MODEL_FOLDER', `${folder}: missing component folder(s) ${missing.join(', ') || '(model_index.json lacks entries)'}`, {
        hint: 'A Stable Diffusion folder needs unet/, vae/, text_encoder/, tokenizer/ and scheduler/.',
      });
    }
    const variant = options.variant ?? (options.dtype === 'fp16' && hasVariant(path.join(folder, 'unet'), 'fp16') ? 'fp16' : undefined);
    // Fused attention by default (com.microsoft MultiHeadAttention, V-transform for controlled layers): on the CPU the
    // self-attention layers of the one UNet graph (attention/unified-unet.ts), so no N×N score tensor is kept.
    const load: LoadOptions = { attentionLowering: 'fused', ...options, ...(variant ? { variant } : {}) };
    const tokenizer = ClipTokenizer.fromFolder(path.join(folder, 'tokenizer'));
    const [textEncoder, vae, unets] = await Promise.all([
      TextEncoderModel.load(path.join(folder, 'text_encoder'), load),
      VaeModel.load(path.join(folder, 'vae'), load),
      loadModelUnets(path.join(folder, 'unet'), load),
    ]);
    const schedPath = path.join(folder, 'scheduler', 'scheduler_config.json');
    const schedulerConfig = readJsonFile(schedPath, 'scheduler') as Record<string, unknown>;
    const vaeConfig = readJsonFile(path.join(folder, 'vae', 'config.json'), 'vae') as { scaling_factor?: number; shift_factor?: number | null; block_out_channels?: number[] };
    const unetConfig = unets.unet.config as { sample_size?: number | number[] | null };
    const sampleSize = Array.isArray(unetConfig.sample_size) ? (unetConfig.sample_size[0] ?? 64) : (unetConfig.sample_size ?? 64);
    return new DiffusionModel(folder, tokenizer, textEncoder, vae, unets, schedulerConfig, vaeConfig.scaling_factor ?? 0.18215, vaeConfig.shift_factor ?? 0, load, vaeConfig.block_out_channels?.length ?? 4, sampleSize);
  }

  /** The scheduler config resolved for a sampler class (e.g. DDIM for inversion, LCM for LCM models). */
  scheduler(className: SchedulerClassName, options: { readonly karras?: boolean; readonly spacing?: TimestepSpacing } = {}): SchedulerConfig {
    const karras = options.karras === true ? { use_karras_sigmas: true } : {};
    const spacing = options.spacing !== undefined ? { timestep_spacing: options.spacing } : {};
    return resolveSchedulerConfig({ ...this.schedulerConfig, _class_name: className, ...karras, ...spacing }, className);
  }

  /** The diffusers class scheduler/scheduler_config.json names (undefined when it names none). */
  get schedulerClassName(): string | undefined {
    const name = this.schedulerConfig['_class_name'];
    return typeof name === 'string' ? name : undefined;
  }

  /** Pixels per latent cell: 2^(VAE blocks − 1) (8 for SD). */
  get vaeScaleFactor(): number {
    return 2 ** (this.vaeBlocks - 1);
  }

  /** The model's native image side: UNet sample_size × VAE scale factor (512 for SD 1.5). */
  get nativeSize(): number {
    return this.unetSampleSize * this.vaeScaleFactor;
  }

  /** Whether the UNet is an LCM (has a guidance embedding input). */
  get isLcm(): boolean {
    return this.unet.timestepCondDim !== undefined;
  }

  /** Encodes prompts to [L·D] embeddings (one Float32Array per prompt). */
  async encodePrompts(prompts: readonly string[]): Promise<Float32Array[]> {
    const ids = this.tokenizer.encodeBatch(prompts);
    const r = await this.textEncoder.encode(ids, prompts.length);
    const h = this.options.clipSkip === 2 ? r.penultimateHiddenState : r.lastHiddenState;
    const data = h.data as Float32Array;
    const size = data.length / prompts.length;
    return prompts.map((_, i) => data.slice(i * size, (i + 1) * size));
  }

  /** image [1, 3, H, W] in [-1, 1] → z0 = (posterior mean − shift) · scaling (deterministic). */
  async encodeImage(image: HostTensor): Promise<{ latent: Float32Array; shape: [number, number, number] }> {
    const { mean } = await this.vae.encode(image);
    const data = (mean.data as Float32Array).map((v) => (v - this.shiftFactor) * this.scalingFactor);
    const [, c, h, w] = mean.dims as [number, number, number, number];
    return { latent: data, shape: [c, h, w] };
  }

  /** z [C, H, W] (latent scale) → image [1, 3, H·f, W·f] in about [-1, 1]. */
  async decodeLatent(latent: Float32Array, shape: readonly [number, number, number]): Promise<HostTensor> {
    const unscaled = latent.map((v) => v / this.scalingFactor + this.shiftFactor);
    return this.vae.decode({ data: unscaled, dims: [1, ...shape] });
  }

  /** The plain UNet. */
  get unet(): UnetModel {
    return this.unets.unet;
  }

  /** The controlled UNet for `edits` target branches (the model's one UNet graph where possible; no new session per count). */
  controlledUnet(edits: number, attentionOutputs: readonly string[] = []): Promise<ControlledUnetModel> {
    return this.unets.controlled(edits, attentionOutputs);
  }
}

function hasVariant(dir: string, variant: string): boolean {
  return fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.includes(`.${variant}.safetensors`));
}
