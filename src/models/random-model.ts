/**
 * Generates a complete diffusers model folder with random weights (model_index.json, unet/,
 * vae/, text_encoder/, tokenizer/, scheduler/): the same code paths as a real Stable Diffusion
 * folder, small enough for tests and demos. Speed and exactness do not depend on weight values.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import { buildWordVocab } from '../tokenizer/word-vocab.js';
import { writeRandomComponent } from './random-weights.js';

/** The SD 1.x scheduler config (DDIM with the SD betas). */
export const SD1_SCHEDULER_CONFIG = {
  _class_name: 'DDIMScheduler',
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  clip_sample: false,
  set_alpha_to_one: false,
  steps_offset: 1,
  prediction_type: 'epsilon',
  timestep_spacing: 'leading',
};

/** Options of a generated model. */
export interface RandomModelOptions {
  readonly seed: number;
  /** Words the tokenizer merges whole (others split into characters). */
  readonly words?: readonly string[];
  /** Text width = UNet cross_attention_dim. Default 32. */
  readonly hidden?: number;
  /** UNet config overrides (merged over a tiny SD 1.x-like UNet). */
  readonly unet?: Record<string, unknown>;
  /** VAE config overrides. */
  readonly vae?: Record<string, unknown>;
  /** Text-encoder config overrides (e.g. the SD 1.5 CLIP ViT-L sizes). */
  readonly textEncoder?: Record<string, unknown>;
  /** Scheduler config (default SD 1.x DDIM). */
  readonly scheduler?: Record<string, unknown>;
  /** Weight dtype on disk. */
  readonly dtype?: 'F32' | 'F16';
}

const DEFAULT_WORDS = ['a', 'photo', 'of', 'cat', 'dog', 'on', 'the', 'bench', 'red', 'blue', 'green', 'yellow', 'circle', 'square', 'triangle', 'star', 'and', 'background'];

/** Writes the model folder; returns its path. */
export function writeRandomModel(dir: string, options: RandomModelOptions): string {
  const hidden = options.hidden ?? 32;
  const { vocab, merges } = buildWordVocab(options.words ?? DEFAULT_WORDS);
  const vocabSize = Object.keys(vocab).length;
  const bos = vocab['<|startoftext|>'] as number;
  const eos = vocab['<|endoftext|>'] as number;
  fs.mkdirSync(path.join(dir, 'tokenizer'), { recursive: true });
  writeFileAtomicSync(path.join(dir, 'tokenizer', 'vocab.json'), JSON.stringify(vocab));
  writeFileAtomicSync(path.join(dir, 'tokenizer', 'merges.txt'), `${merges.join('\n')}\n`);
  writeFileAtomicSync(
    path.join(dir, 'tokenizer', 'tokenizer_config.json'),
    JSON.stringify({ model_max_length: 77, bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', pad_token: '<|endoftext|>', unk_token: '<|endoftext|>' }),
  );
  const dtype = options.dtype ?? 'F32';
  writeRandomComponent(path.join(dir, 'text_encoder'), 'text_encoder', {
    architectures: ['CLIPTextModel'],
    hidden_size: hidden,
    intermediate_size: hidden * 2,
    num_attention_heads: 4,
    num_hidden_layers: 2,
    max_position_embeddings: 77,
    vocab_size: vocabSize,
    hidden_act: 'quick_gelu',
    layer_norm_eps: 1e-5,
    bos_token_id: bos,
    eos_token_id: eos,
    pad_token_id: eos,
    ...(options.textEncoder ?? {}),
    ...(options.textEncoder ? { vocab_size: vocabSize, bos_token_id: bos, eos_token_id: eos, pad_token_id: eos } : {}),
  }, { seed: options.seed, dtype });
  writeRandomComponent(path.join(dir, 'unet'), 'unet', {
    _class_name: 'UNet2DConditionModel',
    in_channels: 4,
    out_channels: 4,
    block_out_channels: [32, 64],
    down_block_types: ['CrossAttnDownBlock2D', 'DownBlock2D'],
    up_block_types: ['UpBlock2D', 'CrossAttnUpBlock2D'],
    layers_per_block: 1,
    attention_head_dim: 4,
    cross_attention_dim: hidden,
    norm_num_groups: 8,
    sample_size: 8,
    ...(options.unet ?? {}),
  }, { seed: options.seed + 1, dtype });
  writeRandomComponent(path.join(dir, 'vae'), 'vae', {
    _class_name: 'AutoencoderKL',
    in_channels: 3,
    out_channels: 3,
    latent_channels: 4,
    block_out_channels: [16, 32],
    down_block_types: ['DownEncoderBlock2D', 'DownEncoderBlock2D'],
    up_block_types: ['UpDecoderBlock2D', 'UpDecoderBlock2D'],
    layers_per_block: 1,
    norm_num_groups: 8,
    sample_size: 16,
    scaling_factor: 0.18215,
    ...(options.vae ?? {}),
  }, { seed: options.seed + 2, dtype });
  fs.mkdirSync(path.join(dir, 'scheduler'), { recursive: true });
  writeFileAtomicSync(path.join(dir, 'scheduler', 'scheduler_config.json'), JSON.stringify(options.scheduler ?? SD1_SCHEDULER_CONFIG, null, 2));
  writeFileAtomicSync(
    path.join(dir, 'model_index.json'),
    JSON.stringify({
      _class_name: 'StableDiffusionPipeline',
      unet: ['diffusers', 'UNet2DConditionModel'],
      vae: ['diffusers', 'AutoencoderKL'],
      text_encoder: ['transformers', 'CLIPTextModel'],
      tokenizer: ['transformers', 'CLIPTokenizer'],
      scheduler: ['diffusers', String((options.scheduler ?? SD1_SCHEDULER_CONFIG)._class_name ?? 'DDIMScheduler')],
    }, null, 2),
  );
  return dir;
}
