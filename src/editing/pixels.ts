/**
 * Image ↔ latent with the pixel residual that makes reconstruction bit-identical (docs/design.md §4):
 * r = x − q(restore(decode(z0))) at the input's own size and depth; reconstruct adds it back,
 * edits add it back only outside the edit mask.
 */
import { applyResidual, maskToOriginal, pixelResidual, prepareForModel, quantize, restoreFromModel, type ModelTransform } from '../io/image/tensor.js';
import type { ResizePolicy } from '../io/image/model-geometry.js';
import type { RasterImage } from '../io/image/types.js';
import type { PixelResidual } from '../inversion/record.js';
import { upsampleNearest } from '../attention/local-blend.js';
import type { DiffusionModel } from './model.js';
import { checkMemory } from './memory-estimate.js';
import { targetSide, unetMultiple, workingGeometry, type WorkingSizeRequest } from './working-size.js';
import { pixelChecksum } from './record-check.js';
import { parseStoredTransform } from './record-fields.js';

/** How an input image is fitted to the model. */
export interface ResizeOptions {
  readonly policy: ResizePolicy;
  /** Longest side (fit/pad) or square side (crop/pad) in pixels, or 'input' for the input's own size; default the model's working size. */
  readonly size?: WorkingSizeRequest;
}

/** A model transform as plain JSON (alpha samples base64-encoded). */
function transformToJson(t: ModelTransform): unknown {
  const { alphaSamples, ...rest } = t;
  if (!alphaSamples) return rest;
  const bytes = new Uint8Array(alphaSamples.buffer, alphaSamples.byteOffset, alphaSamples.byteLength);
  return { ...rest, alphaSamples: { bits: alphaSamples instanceof Uint16Array ? 16 : 8, base64: Buffer.from(bytes).toString('base64') } };
}

function transformFromJson(j: unknown): ModelTransform {
  const o = parseStoredTransform(j);
  if (!o.alphaSamples) return o as ModelTransform;
  const buf = Buffer.from(o.alphaSamples.base64, 'base64');
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  const alphaSamples = o.alphaSamples.bits === 16 ? new Uint16Array(copy.buffer) : copy;
  return { ...o, alphaSamples };
}

/** The image as the model's input tensor, its latent z0, and (optionally) the residual record. */
export async function encodeImage(model: DiffusionModel, image: RasterImage, resize: ResizeOptions, withResidual: boolean): Promise<{ z0: Float32Array; shape: [number, number, number]; pixels?: PixelResidual }> {
  const geometry = workingGeometry(model, image.width, image.height, resize);
  checkMemory(model, geometry.modelHeight / model.vaeScaleFactor, geometry.modelWidth / model.vaeScaleFactor, 2, 'Inversion');
  const target = targetSide(model, resize.size);
  const prepared = prepareForModel(image, { multiple: unetMultiple(model), policy: resize.policy, ...(target !== undefined ? { targetSize: target } : {}) });
  const { latent, shape } = await model.encodeImage({ data: prepared.tensor, dims: [1, 3, prepared.height, prepared.width] });
  if (!withResidual) return { z0: latent, shape };
  const decoded = await model.decodeLatent(latent, shape);
  const restored = restoreFromModel(decoded.data as Float32Array, prepared.transform);
  const residual = pixelResidual(image, restored);
  return {
    z0: latent,
    shape,
    pixels: {
      residual,
      shape: [image.height, image.width, image.channels],
      transform: transformToJson(prepared.transform),
      image: { width: image.width, height: image.height, channels: image.channels, bitDepth: image.bitDepth, sha256: pixelChecksum(image) },
    },
  };
}

/** The latent's size in model pixels for output without a record transform. */
function plainImage(decoded: Float32Array, width: number, height: number): RasterImage {
  const n = width * height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = ((decoded[c * n + i] as number) + 1) * 127.5;
      data[i * 3 + c] = Math.max(0, Math.min(255, Math.round(Number.isNaN(v) ? 0 : v)));
    }
  }
  return { width, height, channels: 3, bitDepth: 8, data };
}

/**
 * Decodes a latent to an image. With a pixel record: back to the input's geometry and layout,
 * with the residual added (exact reconstruction when `z` is the record's z0).
 */
export async function decodeToImage(model: DiffusionModel, z: Float32Array, shape: readonly [number, number, number], pixels: PixelResidual | undefined): Promise<RasterImage> {
  const decoded = await model.decodeLatent(z, shape);
  const [, , H, W] = decoded.dims as [number, number, number, number];
  const data = decoded.data as Float32Array;
  if (!pixels) return plainImage(data, W, H);
  const transform = transformFromJson(pixels.transform);
  return applyResidual(restoreFromModel(data, transform), pixels.residual, transform);
}

/**
 * Decodes an edited latent so that pixels outside the edit mask (latent size, 1 = edited) are
 * the input's own, bit for bit: out = m · q(decode(z)) + (1 − m) · input, where the input is
 * rebuilt exactly from the record (decode(z0) plus the residual). Without a pixel record the
 * plain decode is returned.
 */
export async function decodeEdited(model: DiffusionModel, z: Float32Array, z0: Float32Array, shape: readonly [number, number, number], pixels: PixelResidual | undefined, mask: Float32Array): Promise<RasterImage> {
  const decoded = await model.decodeLatent(z, shape);
  const [, , H, W] = decoded.dims as [number, number, number, number];
  if (!pixels) return plainImage(decoded.data as Float32Array, W, H);
  const transform = transformFromJson(pixels.transform);
  const original = await decodeToImage(model, z0, shape, pixels);
  const edited = quantize(restoreFromModel(decoded.data as Float32Array, transform), transform);
  // Bilinear (not the image's lanczos) so the mask does not ring beyond one model pixel of its edge.
  const maskTransform = { ...transform, geometry: { ...transform.geometry, kernel: 'bilinear' as const } };
  const m = maskToOriginal(upsampleNearest(mask, shape[1], shape[2], H, W), maskTransform);
  const c = original.channels;
  const out = original.data.slice();
  for (let p = 0; p < m.length; p++) {
    const a = m[p] as number;
    if (a <= 0) continue;
    for (let k = 0; k < c; k++) {
      const i = p * c + k;
      out[i] = a >= 1 ? (edited.data[i] as number) : Math.round(a * (edited.data[i] as number) + (1 - a) * (original.data[i] as number));
    }
  }
  return { ...original, data: out };
}

/** Decodes without the residual (the model's own rendering) in the input's geometry, when known. */
export async function decodeWithoutResidual(model: DiffusionModel, z: Float32Array, shape: readonly [number, number, number], pixels: PixelResidual | undefined): Promise<RasterImage> {
  const decoded = await model.decodeLatent(z, shape);
  const [, , H, W] = decoded.dims as [number, number, number, number];
  if (!pixels) return plainImage(decoded.data as Float32Array, W, H);
  const transform = transformFromJson(pixels.transform);
  return quantize(restoreFromModel(decoded.data as Float32Array, transform), transform);
}
