/**
 * A memory estimate made before an inversion or edit starts, so a size that cannot fit is
 * refused up front (naming the largest long side that fits) instead of the process being killed
 * hours later. It counts the resident weights (once per component, with onnxruntime's load and
 * pre-packing overhead), the largest attention probability tensors of the UNet at the batch
 * (reference lowering: scores, probabilities and the controlled copy live together), the UNet's
 * skip activations, and the VAE's full-resolution activations; the peak is the weights plus the
 * larger of the UNet's and the VAE's working set. Calibrated against the SD 1.5 inversion
 * measured at 512² (issue 17: 10.8 GB peak RSS) — an estimate, not a bound.
 *
 * The limit is `REPRISE_MEMORY_LIMIT_MB` when set, else the machine's total memory.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { RepriseError } from '../errors.js';
import { readJsonFile } from '../models/config-util.js';
import { openComponentWeights } from '../models/folder.js';
import { resolveUnetConfig } from '../models/unet/config.js';
import { resolveVaeConfig } from '../models/vae/config.js';
import { unetMultiple, type WorkingSizeModel } from './working-size.js';

/** What the estimate reads off a model. */
export interface MemoryModel extends WorkingSizeModel {
  readonly folder: string;
  readonly options: { readonly dtype?: 'fp32' | 'fp16'; readonly variant?: string; readonly attentionLowering?: 'reference' | 'fused' };
}

/** onnxruntime's overhead on resident weights (load buffers, pre-packed MatMul/Conv copies). */
const WEIGHT_OVERHEAD = 1.5;
/** Attention tensors of one layer alive at once (scores, probabilities, controlled mix). */
const ATTENTION_COPIES = 3;
/** Full-resolution VAE activations alive at once (GroupNorm in/out, resnet skip, upsample). */
const VAE_COPIES = 6;
/** Process, runtime and image buffers besides the model. */
const BASELINE = 400 * 2 ** 20;

const paramCounts = new Map<string, number>();

/** Parameters (elements) of the UNet, VAE and text encoder of a folder (read from the weight headers, once). */
export function modelParameters(model: MemoryModel): number {
  const key = `${model.folder}|${model.options.variant ?? ''}`;
  const hit = paramCounts.get(key);
  if (hit !== undefined) return hit;
  let n = 0;
  for (const c of ['unet', 'vae', 'text_encoder']) {
    const w = openComponentWeights(path.join(model.folder, c), model.options.variant ? { variant: model.options.variant } : {});
    for (const name of w.names()) n += w.info(name)?.shape.reduce((a, b) => a * b, 1) ?? 0;
    (w as { close?: () => void }).close?.();
  }
  paramCounts.set(key, n);
  return n;
}

/** Everything the estimate needs about a loaded model. */
export interface MemoryProfile {
  /** Parameters (elements) of the UNet, VAE and text encoder together. */
  readonly parameters: number;
  readonly unetConfig: unknown;
  readonly vaeConfig: unknown;
  readonly vaeScaleFactor: number;
  /** Pixels per coarsest UNet cell (sizes are rounded to it). */
  readonly multiple: number;
  readonly dtype: 'fp32' | 'fp16';
  readonly attentionLowering: 'reference' | 'fused';
}

const vaeConfigs = new Map<string, unknown>();

/** The profile of a loaded model (weight headers and the VAE config are read once per folder). */
export function memoryProfile(model: MemoryModel): MemoryProfile {
  let vaeConfig = vaeConfigs.get(model.folder);
  if (vaeConfig === undefined) {
    vaeConfig = readJsonFile(path.join(model.folder, 'vae', 'config.json'), 'vae');
    vaeConfigs.set(model.folder, vaeConfig);
  }
  return {
    parameters: modelParameters(model),
    unetConfig: model.unet.config,
    vaeConfig,
    vaeScaleFactor: model.vaeScaleFactor,
    multiple: unetMultiple(model),
    dtype: model.options.dtype ?? 'fp32',
    attentionLowering: model.options.attentionLowering ?? 'reference',
  };
}

/** The estimated peak bytes of a UNet pass of `batch` samples at a latent of `h × w`, with the VAE at full size. */
export function estimatePeakBytes(p: MemoryProfile, latentHeight: number, latentWidth: number, batch: number): number {
  const bytes = p.dtype === 'fp16' ? 2 : 4;
  const weights = p.parameters * bytes * WEIGHT_OVERHEAD;
  const plan = resolveUnetConfig(p.unetConfig);
  const fused = p.attentionLowering === 'fused';
  let h = latentHeight;
  let w = latentWidth;
  let attention = 0;
  let skips = 0;
  for (const b of plan.down) {
    const n = h * w;
    skips += (b.resnets + 1) * b.outChannels * n * batch * bytes;
    if (b.transformer && !fused) attention = Math.max(attention, batch * b.transformer.heads * n * n * bytes * ATTENTION_COPIES);
    if (b.resample) {
      h = Math.ceil(h / 2);
      w = Math.ceil(w / 2);
    }
  }
  if (plan.mid && !fused) attention = Math.max(attention, batch * plan.mid.heads * (h * w) ** 2 * bytes * ATTENTION_COPIES);
  const unet = attention + 2 * skips;
  const vae = resolveVaeConfig(p.vaeConfig).config;
  let vaeAct = 0;
  vae.block_out_channels.forEach((c, i) => {
    const scale = p.vaeScaleFactor / 2 ** i;
    vaeAct = Math.max(vaeAct, c * latentHeight * scale * latentWidth * scale * 4 * VAE_COPIES);
  });
  vaeAct += (latentHeight * latentWidth) ** 2 * 4 * ATTENTION_COPIES; // the mid block's single-head attention
  return weights + Math.max(unet, vaeAct) + BASELINE;
}

/** The memory the estimate must stay under: REPRISE_MEMORY_LIMIT_MB, else the machine's total memory. */
export function memoryLimitBytes(): number {
  const env = process.env.REPRISE_MEMORY_LIMIT_MB;
  if (env !== undefined && env !== '') {
    const mb = Number(env);
    if (!Number.isFinite(mb) || mb <= 0) throw new RepriseError('CONFIG_INVALID', `REPRISE_MEMORY_LIMIT_MB must be a positive number of megabytes, got "${env}"`, { hint: 'Unset it to use the machine\'s memory, or set e.g. REPRISE_MEMORY_LIMIT_MB=12000.' });
    return mb * 2 ** 20;
  }
  return os.totalmem();
}

/** What {@link checkMemory} decided. */
export interface MemoryCheck {
  readonly estimateBytes: number;
  readonly limitBytes: number;
}

const gb = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GB`;

/**
 * Refuses (RUNTIME_INPUT: the user's size) a latent of `h × w` at `batch` whose estimate exceeds the limit, naming
 * the largest long side (a multiple of the UNet's, aspect kept) that fits, or saying none does.
 */
export function checkMemory(model: MemoryModel | MemoryProfile, latentHeight: number, latentWidth: number, batch: number, what: string): MemoryCheck {
  const p = 'parameters' in model ? model : memoryProfile(model);
  const limitBytes = memoryLimitBytes();
  const estimateBytes = estimatePeakBytes(p, latentHeight, latentWidth, batch);
  if (estimateBytes <= limitBytes) return { estimateBytes, limitBytes };
  const f = p.vaeScaleFactor;
  const m = p.multiple / f;
  const longest = Math.max(latentHeight, latentWidth);
  let fits: { side: number; bytes: number } | undefined;
  for (let side = Math.floor((longest - 1) / m) * m; side >= m && fits === undefined; side -= m) {
    const s = side / longest;
    const bytes = estimatePeakBytes(p, Math.max(m, Math.round((latentHeight * s) / m) * m), Math.max(m, Math.round((latentWidth * s) / m) * m), batch);
    if (bytes <= limitBytes) fits = { side: side * f, bytes };
  }
  const size = `${latentWidth * f}×${latentHeight * f}`;
  throw new RepriseError('RUNTIME_INPUT', `${what} at ${size} needs about ${gb(estimateBytes)} of memory; this machine allows ${gb(limitBytes)}`, {
    hint: fits !== undefined
      ? `Use --size ${fits.side} (resize.size: ${fits.side}), which needs about ${gb(fits.bytes)}.`
      : 'No size fits this model in this memory: use --dtype fp16, a GPU (--device cuda), or a machine with more memory.',
  });
}
