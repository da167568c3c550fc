/**
 * Conversions between {@link RasterImage} and model tensors (`[1, 3, H, W]`, float32, values in
 * [-1, 1], H and W multiples of the VAE's factor), and back to the original geometry and layout.
 *
 * Channel handling:
 * - gray is expanded to RGB for the model; on the way back the model's RGB is turned into gray with
 *   Rec. 601 luma weights (0.299, 0.587, 0.114);
 * - alpha is kept aside in the transform (the original samples, untouched) and restored on output;
 *   for the model's RGB it is either composited onto a background (`composite`, default: white) —
 *   undone on the way back where alpha > 0 — or ignored (`drop`: the stored colour is used as is);
 * - 16-bit samples are scaled by 1/65535 (8-bit by 1/255), so the output has the original scale.
 *
 * For bit-identical reconstruction at the input's own size and depth, see `residual.ts`:
 * `applyResidual(restoreFromModel(t, tr), pixelResidual(img, restoreFromModel(t, tr)), tr)` equals
 * `img` for any tensor `t`.
 */
import { RepriseError } from '../../errors.js';
import { fromModelGeometry, planGeometry, toModelGeometry, type GeometryOptions, type GeometryPlan } from './model-geometry.js';
import { assertRaster, hasAlpha, isGray, maxSampleValue, quantizeSample } from './raster.js';
import type { PixelLayout, RasterImage } from './types.js';

export { applyResidual, applyResidualMasked, pixelResidual } from './residual.js';

/** What to do with alpha when building the model's RGB. */
export type AlphaHandling =
  | { readonly mode: 'composite'; /** RGB in 0..1 (default white). */ readonly background?: readonly [number, number, number] }
  | { readonly mode: 'drop' };

/** Options of {@link prepareForModel}. */
export interface PrepareOptions extends GeometryOptions {
  /** Default `{ mode: 'composite' }` onto white. */
  readonly alpha?: AlphaHandling;
}

/** Everything needed to map model output back onto the original image (its fields from {@link PixelLayout} are the original's). */
export interface ModelTransform extends PixelLayout {
  readonly geometry: GeometryPlan;
  /** How alpha entered the model's RGB (`none` for images without alpha). */
  readonly alpha: { readonly mode: 'none' } | { readonly mode: 'composite'; readonly background: readonly [number, number, number] } | { readonly mode: 'drop' };
  /** The original alpha samples (`width · height`), restored unchanged on output; absent without alpha. */
  readonly alphaSamples?: Uint8Array | Uint16Array;
}

/** Result of {@link prepareForModel}. */
export interface PreparedImage {
  /** `[1, 3, height, width]`, planar RGB in [-1, 1]. */
  readonly tensor: Float32Array;
  readonly height: number;
  readonly width: number;
  readonly transform: ModelTransform;
}

const LUMA = [0.299, 0.587, 0.114] as const;

function clamp01(v: number): number {
  return v > 1 ? 1 : v >= 0 ? v : 0; // NaN → 0
}

/** Converts an image to the model's input tensor under a resize policy. */
export function prepareForModel(img: RasterImage, opts: PrepareOptions): PreparedImage {
  assertRaster(img);
  const geometry = planGeometry(img.width, img.height, opts);
  const max = maxSampleValue(img.bitDepth);
  const c = img.channels;
  const n = img.width * img.height;
  const withAlpha = hasAlpha(c);
  const gray = isGray(c);
  const handling = opts.alpha ?? { mode: 'composite' };
  const background = handling.mode === 'composite' ? (handling.background ?? [1, 1, 1]) : undefined;
  const rgb = new Float32Array(n * 3);
  const alphaSamples = withAlpha ? (img.data instanceof Uint16Array ? new Uint16Array(n) : new Uint8Array(n)) : undefined;
  for (let p = 0; p < n; p++) {
    const s = p * c;
    const a = withAlpha ? (img.data[s + c - 1] ?? 0) : max;
    if (alphaSamples) alphaSamples[p] = a;
    const af = a / max;
    for (let k = 0; k < 3; k++) {
      const v = (img.data[s + (gray ? 0 : k)] ?? 0) / max;
      rgb[p * 3 + k] = withAlpha && background ? v * af + (background[k] ?? 1) * (1 - af) : v;
    }
  }
  const model = toModelGeometry(rgb, 3, geometry);
  const W = geometry.modelWidth;
  const H = geometry.modelHeight;
  const plane = W * H;
  const tensor = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let k = 0; k < 3; k++) tensor[k * plane + p] = clamp01(model[p * 3 + k] ?? 0) * 2 - 1;
  }
  const transform: ModelTransform = {
    geometry,
    width: img.width,
    height: img.height,
    channels: c,
    bitDepth: img.bitDepth,
    alpha: !withAlpha ? { mode: 'none' } : background ? { mode: 'composite', background } : { mode: 'drop' },
    ...(alphaSamples ? { alphaSamples } : {}),
  };
  return { tensor, height: H, width: W, transform };
}

/**
 * Maps a model output tensor (`[1, 3, H, W]`, ≈[-1, 1]; clamped, NaN read as 0) back to the original
 * geometry and channel layout, as float samples in the original scale (0..255 or 0..65535), not rounded.
 * Cropped-away regions repeat the nearest edge of the model's output.
 */
export function restoreFromModel(tensor: Float32Array, transform: ModelTransform): Float32Array {
  const g = transform.geometry;
  const plane = g.modelWidth * g.modelHeight;
  if (tensor.length !== 3 * plane) {
    throw new RepriseError('RUNTIME_INPUT', `Model output has ${tensor.length} values, expected 1×3×${g.modelHeight}×${g.modelWidth} = ${3 * plane}`, {
      hint: 'Pass the decoder output for the tensor that prepareForModel produced with this transform.',
    });
  }
  const interleaved = new Float32Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let k = 0; k < 3; k++) interleaved[p * 3 + k] = clamp01(((tensor[k * plane + p] ?? 0) + 1) / 2);
  }
  const rgb = fromModelGeometry(interleaved, 3, g);
  const max = maxSampleValue(transform.bitDepth);
  const c = transform.channels;
  const n = transform.width * transform.height;
  const out = new Float32Array(n * c);
  const alpha = transform.alphaSamples;
  const bg = transform.alpha.mode === 'composite' ? transform.alpha.background : undefined;
  const colour = [0, 0, 0];
  for (let p = 0; p < n; p++) {
    const a = alpha ? (alpha[p] ?? 0) : max;
    const af = a / max;
    for (let k = 0; k < 3; k++) {
      let v = clamp01(rgb[p * 3 + k] ?? 0);
      if (bg && af > 0) v = clamp01((v - (bg[k] ?? 1) * (1 - af)) / af);
      colour[k] = v;
    }
    const d = p * c;
    if (isGray(c)) out[d] = (LUMA[0] * (colour[0] ?? 0) + LUMA[1] * (colour[1] ?? 0) + LUMA[2] * (colour[2] ?? 0)) * max;
    else for (let k = 0; k < 3; k++) out[d + k] = (colour[k] ?? 0) * max;
    if (alpha) out[d + c - 1] = a;
  }
  return out;
}

/** Float samples in the original layout → a RasterImage at the original bit depth (round, clamp). */
export function quantize(pixels: Float32Array, transform: PixelLayout): RasterImage {
  const n = transform.width * transform.height * transform.channels;
  if (pixels.length !== n) {
    throw new RepriseError('RUNTIME_INPUT', `Pixel buffer has ${pixels.length} samples, expected ${transform.width}×${transform.height}×${transform.channels} = ${n}`, {
      hint: 'Pass the output of restoreFromModel for the same transform.',
    });
  }
  const max = maxSampleValue(transform.bitDepth);
  const data = transform.bitDepth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = quantizeSample(pixels[i] ?? 0, max);
  return { width: transform.width, height: transform.height, channels: transform.channels, bitDepth: transform.bitDepth, data };
}

/**
 * Maps a mask in model geometry (`H · W`, e.g. a local-blend mask, 1 = edited) to the original geometry
 * (`height · width`), clamped to [0, 1]; regions the model never saw (cropped away) get 0.
 */
export function maskToOriginal(mask: Float32Array, transform: ModelTransform): Float32Array {
  const g = transform.geometry;
  if (mask.length !== g.modelWidth * g.modelHeight) {
    throw new RepriseError('RUNTIME_INPUT', `Mask has ${mask.length} values, expected ${g.modelHeight}×${g.modelWidth} = ${g.modelWidth * g.modelHeight}`, {
      hint: 'Pass a mask at the model resolution (upsample latent-resolution masks first).',
    });
  }
  const out = fromModelGeometry(mask, 1, g, 0);
  const result = out === mask ? new Float32Array(out.length) : out;
  for (let i = 0; i < out.length; i++) result[i] = clamp01(out[i] ?? 0);
  return result;
}
