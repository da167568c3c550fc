/**
 * Diffusers component folders: what a folder holds (UNet, VAE, text encoder, tokenizer) and
 * which weight files to read. Pickle checkpoints are never read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RepriseError } from '../errors.js';
import { openSafetensors, openSafetensorsShards, readShardIndex } from '../io/safetensors.js';
import type { WeightSource } from '../io/weights.js';
import { readJsonFile } from './config-util.js';

/** Component kinds Reprise builds graphs for. */
export type ComponentKind = 'unet' | 'vae' | 'text_encoder' | 'tokenizer';

/** A detected component folder. */
export interface ComponentFolder {
  readonly kind: ComponentKind;
  readonly dir: string;
  /** Parsed config.json (absent for tokenizers). */
  readonly config: unknown;
  /** The class named in the config (`_class_name` or `architectures[0]`). */
  readonly className: string;
}

const CLASS_KINDS: Record<string, ComponentKind> = {
  UNet2DConditionModel: 'unet',
  AutoencoderKL: 'vae',
  CLIPTextModel: 'text_encoder',
  CLIPTextModelWithProjection: 'text_encoder',
};

/** Detects what a folder holds, or returns undefined when it is not a component folder. */
export function detectComponent(dir: string): ComponentFolder | undefined {
  const configPath = path.join(dir, 'config.json');
  if (fs.existsSync(configPath)) {
    const config = readJsonFile(configPath, dir) as Record<string, unknown>;
    const cls = typeof config._class_name === 'string' ? config._class_name : Array.isArray(config.architectures) && typeof config.architectures[0] === 'string' ? config.architectures[0] : undefined;
    if (cls === undefined) return undefined;
    const kind = CLASS_KINDS[cls];
    if (kind === undefined) {
      throw new RepriseError('CONFIG_UNSUPPORTED', `${configPath}: component class "${cls}" is not supported`, {
        hint: `Supported classes: ${Object.keys(CLASS_KINDS).join(', ')}.`,
      });
    }
    return { kind, dir, config, className: cls };
  }
  if (fs.existsSync(path.join(dir, 'vocab.json')) || fs.existsSync(path.join(dir, 'tokenizer.json'))) {
    return { kind: 'tokenizer', dir, config: undefined, className: 'CLIPTokenizer' };
  }
  return undefined;
}

const PICKLE = /\.(bin|ckpt|pt|pth)$/;

/**
 * Opens a component folder's weights: `<name>.safetensors`, a sharded
 * `<name>.safetensors.index.json`, or with `variant` (e.g. "fp16") `<name>.<variant>.safetensors`.
 * Files named reference*.safetensors (conformance data) are ignored.
 */
export function openComponentWeights(dir: string, options: { variant?: string } = {}): WeightSource {
  const entries = fs.readdirSync(dir);
  const variant = options.variant ? `.${options.variant}` : '';
  for (const base of ['diffusion_pytorch_model', 'model']) {
    const index = `${base}${variant}.safetensors.index.json`;
    if (entries.includes(index)) {
      return openSafetensorsShards(readShardIndex(path.join(dir, index)));
    }
    const single = `${base}${variant}.safetensors`;
    if (entries.includes(single)) return openSafetensors(path.join(dir, single));
  }
  // An fp16-only folder (the hub's `*.fp16.safetensors` alone) loads without naming the variant.
  if (!variant && entries.some((f) => /\.fp16\.safetensors(\.index\.json)?$/.test(f))) return openComponentWeights(dir, { variant: 'fp16' });
  const candidates = entries.filter((f) => f.endsWith('.safetensors') && !f.startsWith('reference'));
  if (candidates.length === 1 && !variant) return openSafetensors(path.join(dir, candidates[0] as string));
  const pickles = entries.filter((f) => PICKLE.test(f));
  if (pickles.length > 0) {
    throw new RepriseError('WEIGHTS_FORMAT', `${dir}: only pickle checkpoints (${pickles.join(', ')}) were found; Reprise never reads pickle files`, {
      hint: 'Convert them to safetensors, e.g. in Python: `Model.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)`.',
    });
  }
  throw new RepriseError('WEIGHTS_MISSING', `${dir}: no weights found (expected diffusion_pytorch_model${variant}.safetensors or model${variant}.safetensors${candidates.length > 1 ? `; found several: ${candidates.join(', ')}` : ''})`, {
    hint: 'Point to a diffusers component folder with safetensors weights.',
  });
}
