/**
 * End-to-end benchmark: an EF-DDPM inversion plus a prompt-to-prompt edit (one target, local
 * blend) of a synthetic image, through the public Pipeline, on a random-weight model folder of
 * the SD 1.5 architecture (or a tiny one for a smoke run). Images per minute are derived from
 * the per-image time (invert + edit + decode).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pipeline } from '../editing/pipeline.js';
import type { RasterImage } from '../io/image/types.js';
import { writeRandomModel } from '../models/random-model.js';
import type { Device } from '../runtime/device.js';
import { defaultCacheDir } from '../runtime/graph-cache.js';
import { gpuMemoryMiB } from './measure.js';
import { SD15_TEXT_ENCODER, SD15_UNET, SD15_VAE } from './sd15.js';

/** Result of the end-to-end run. */
export interface EndToEndResult {
  readonly steps: number;
  readonly imageSize: number;
  readonly loadSeconds: number;
  readonly invertMs: number;
  readonly editMs: number;
  readonly totalMs: number;
  readonly imagesPerMinute: number;
  readonly reconstructionExact: boolean;
  readonly gpuMemoryMiB?: number;
}

function syntheticImage(size: number): RasterImage {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inCircle = (x - size / 3) ** 2 + (y - size / 2) ** 2 < (size / 6) ** 2;
      const o = (y * size + x) * 3;
      data[o] = inCircle ? 220 : 40 + ((x * 80) / size) | 0;
      data[o + 1] = inCircle ? 30 : 90;
      data[o + 2] = inCircle ? 30 : 160 + ((y * 60) / size) | 0;
    }
  }
  return { width: size, height: size, channels: 3, bitDepth: 8, data };
}

/** Builds (once) the benchmark model folder. */
export function benchModelFolder(size: 'sd15' | 'tiny', cacheDir = defaultCacheDir()): string {
  const dir = path.join(cacheDir, '..', `bench-model-${size}-v1`);
  if (fs.existsSync(path.join(dir, 'model_index.json'))) return dir;
  const words = ['a', 'red', 'green', 'circle', 'on', 'blue', 'background'];
  if (size === 'sd15') {
    writeRandomModel(dir, { seed: 1, words, hidden: 768, unet: SD15_UNET, vae: SD15_VAE, textEncoder: SD15_TEXT_ENCODER, dtype: 'F16' });
  } else {
    writeRandomModel(dir, { seed: 1, words });
  }
  return dir;
}

/** Runs invert + edit once untimed (warm-up), then timed. */
export async function benchEndToEnd(o: { device: Device; deviceId?: number; dtype: 'fp32' | 'fp16'; lowering: 'reference' | 'fused'; size: 'sd15' | 'tiny'; steps: number; deterministic?: boolean }): Promise<EndToEndResult> {
  const t0 = performance.now();
  const pipe = await Pipeline.load(benchModelFolder(o.size), { device: o.device, ...(o.deviceId !== undefined ? { deviceId: o.deviceId } : {}), dtype: o.dtype, attentionLowering: o.lowering, ...(o.deterministic ? { deterministic: true } : {}) });
  const imageSize = o.size === 'sd15' ? 512 : 64;
  const image = syntheticImage(imageSize);
  const run = async () => {
    const a = performance.now();
    const inv = await pipe.invert(image, { prompt: 'a red circle on a blue background', method: 'ef-ddpm', steps: o.steps, resize: { policy: 'crop', size: imageSize } });
    const b = performance.now();
    const e = await pipe.edit(inv, { prompt: 'a green circle on a blue background', attention: { localBlend: ['circle'] } });
    const c = performance.now();
    return { inv, e, invertMs: b - a, editMs: c - b };
  };
  const loadSeconds = (performance.now() - t0) / 1000;
  await run();
  const r = await run();
  const exact = Buffer.compare(Buffer.from(r.e.source.data), Buffer.from(image.data)) === 0;
  const total = r.invertMs + r.editMs;
  const mem = o.device === 'cuda' ? gpuMemoryMiB() : undefined;
  return {
    steps: o.steps,
    imageSize,
    loadSeconds: +loadSeconds.toFixed(1),
    invertMs: +r.invertMs.toFixed(1),
    editMs: +r.editMs.toFixed(1),
    totalMs: +total.toFixed(1),
    imagesPerMinute: +(60_000 / total).toFixed(2),
    reconstructionExact: exact,
    ...(mem !== undefined ? { gpuMemoryMiB: mem } : {}),
  };
}
