/**
 * Pixel-exact reconstruction (DESIGN §4): the residual `r = x − q(restored)` is taken at the input's
 * own size, layout and bit depth, after the model output has been mapped back to that geometry
 * (`restoreFromModel`), where `q` rounds and clamps to the sample range. `r` holds whole numbers (exact
 * in float32 for 8- and 16-bit samples), so `q(restored) + r = x` exactly — for any model output, not
 * only for images that already have the model's size. Edits add `r` back only where the edit mask is 0,
 * so untouched regions stay identical to the input.
 */
import { RepriseError } from '../../errors.js';
import { maxSampleValue, quantizeSample } from './raster.js';
import type { PixelLayout, RasterImage } from './types.js';

/** The original layout; a `ModelTransform` is one. */
type Layout = PixelLayout;

function lengthError(what: string, got: number, expected: number): RepriseError {
  return new RepriseError('RUNTIME_INPUT', `${what} has ${got} values, expected ${expected}`, {
    hint: 'The residual, restored pixels and mask must come from the same image and transform.',
  });
}

function samplesOf(layout: Layout): number {
  return layout.width * layout.height * layout.channels;
}

function output(layout: Layout, fill: (data: Uint8Array | Uint16Array, max: number) => void): RasterImage {
  const n = samplesOf(layout);
  const data = layout.bitDepth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  fill(data, maxSampleValue(layout.bitDepth));
  return { width: layout.width, height: layout.height, channels: layout.channels, bitDepth: layout.bitDepth, data };
}

/**
 * The residual `original − q(restored)` (whole numbers, float32) where `restored` is the output of
 * `restoreFromModel` for a transform made from `original`.
 */
export function pixelResidual(original: RasterImage, restored: Float32Array): Float32Array {
  if (restored.length !== original.data.length) throw lengthError('Restored pixel buffer', restored.length, original.data.length);
  const max = maxSampleValue(original.bitDepth);
  const r = new Float32Array(restored.length);
  for (let i = 0; i < r.length; i++) r[i] = (original.data[i] ?? 0) - quantizeSample(restored[i] ?? 0, max);
  return r;
}

/** `q(restored) + residual`: the original image, bit for bit, when `residual` came from {@link pixelResidual}. */
export function applyResidual(restored: Float32Array, residual: Float32Array, transform: Layout): RasterImage {
  const n = samplesOf(transform);
  if (restored.length !== n) throw lengthError('Restored pixel buffer', restored.length, n);
  if (residual.length !== n) throw lengthError('Residual', residual.length, n);
  return output(transform, (data, max) => {
    for (let i = 0; i < n; i++) data[i] = quantizeSample(quantizeSample(restored[i] ?? 0, max) + (residual[i] ?? 0), max);
  });
}

/**
 * Adds the residual only where the mask (`width · height`, original geometry, 1 = edited) is 0:
 * per pixel, `round(q(restored) + (1 − m) · r)` with `m` clamped to [0, 1] (NaN read as 0). Unedited
 * pixels (m = 0) equal the original exactly, edited pixels (m = 1) equal `q(restored)`, and soft mask
 * values blend between them.
 */
export function applyResidualMasked(restored: Float32Array, residual: Float32Array, mask: Float32Array, transform: Layout): RasterImage {
  const n = samplesOf(transform);
  const pixels = transform.width * transform.height;
  if (restored.length !== n) throw lengthError('Restored pixel buffer', restored.length, n);
  if (residual.length !== n) throw lengthError('Residual', residual.length, n);
  if (mask.length !== pixels) throw lengthError('Mask', mask.length, pixels);
  const c = transform.channels;
  return output(transform, (data, max) => {
    for (let p = 0; p < pixels; p++) {
      const raw = mask[p] ?? 0;
      const keep = 1 - (raw > 1 ? 1 : raw >= 0 ? raw : 0);
      for (let k = 0; k < c; k++) {
        const i = p * c + k;
        const base = quantizeSample(restored[i] ?? 0, max);
        data[i] = keep === 1 ? quantizeSample(base + (residual[i] ?? 0), max) : keep === 0 ? base : quantizeSample(base + keep * (residual[i] ?? 0), max);
      }
    }
  });
}
