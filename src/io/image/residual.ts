/**
 * Pixel-exact reconstruction (docs/design.md §4): the residual `r = x − restored` is taken at the input's
 * own size, layout and bit depth, after the model output has been mapped back to that geometry
 * (`restoreFromModel`), *before* rounding. Adding it back, `q(restored' + r)` (q rounds and clamps)
 * gives `x` exactly whenever the regenerated `restored'` is within half a sample step of the
 * original `restored` — so a reconstruction whose latent differs from z0 by float noise (EF-DDPM's
 * ~1e-9) still returns the input bit for bit, where an integer residual `x − q(restored)` would flip
 * samples that sit on a rounding boundary. Non-finite restored samples are read as 0 both ways.
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
  const r = new Float32Array(restored.length);
  for (let i = 0; i < r.length; i++) r[i] = (original.data[i] ?? 0) - finite(restored[i]);
  return r;
}

function finite(v: number | undefined): number {
  return v !== undefined && Number.isFinite(v) ? v : 0;
}

/** `q(restored) + residual`: the original image, bit for bit, when `residual` came from {@link pixelResidual}. */
export function applyResidual(restored: Float32Array, residual: Float32Array, transform: Layout): RasterImage {
  const n = samplesOf(transform);
  if (restored.length !== n) throw lengthError('Restored pixel buffer', restored.length, n);
  if (residual.length !== n) throw lengthError('Residual', residual.length, n);
  return output(transform, (data, max) => {
    for (let i = 0; i < n; i++) data[i] = quantizeSample(finite(restored[i]) + (residual[i] ?? 0), max);
  });
}

/**
 * Adds the residual only where the mask (`width · height`, original geometry, 1 = edited) is 0:
 * per pixel, `q(m · q(restored) + (1 − m) · (restored + r))` with `m` clamped to [0, 1] (NaN read
 * as 0). Unedited pixels (m = 0) equal the original exactly (when `restored` is the decode the
 * residual was taken from), edited pixels (m = 1) equal `q(restored)`, and soft values blend.
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
        const original = finite(restored[i]) + (residual[i] ?? 0);
        data[i] = keep === 1 ? quantizeSample(original, max) : keep === 0 ? base : quantizeSample((1 - keep) * base + keep * original, max);
      }
    }
  });
}
