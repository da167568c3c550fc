/**
 * Pure-TypeScript resize of a {@link RasterImage} (any layout, 8 or 16 bits): colour is premultiplied
 * by alpha while resampling so transparent pixels do not bleed, then rounded and clamped back.
 */
import { RepriseError } from '../../errors.js';
import { assertRaster, createRaster, hasAlpha, maxSampleValue } from './raster.js';
import { resampleFloat, type ResampleKernel } from './resample.js';
import type { RasterImage } from './types.js';

/** Checks a requested output size. */
export function assertTargetSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RepriseError('RUNTIME_INPUT', `Cannot resize to ${width}×${height}: the size must be positive integers`, {
      hint: 'Pass whole-pixel target sizes of at least 1×1.',
    });
  }
}

/** Resizes to exactly `width × height` with the given kernel, keeping channels and bit depth. */
export function resizeRaster(img: RasterImage, width: number, height: number, kernel: ResampleKernel): RasterImage {
  assertRaster(img);
  assertTargetSize(width, height);
  if (width === img.width && height === img.height) return { ...img, data: img.data.slice() };
  const c = img.channels;
  const max = maxSampleValue(img.bitDepth);
  const alpha = hasAlpha(img.channels);
  const n = img.width * img.height;
  const f = new Float32Array(n * c);
  for (let p = 0; p < n; p++) {
    const a = alpha ? (img.data[p * c + c - 1] ?? 0) / max : 1;
    for (let k = 0; k < c; k++) {
      const v = img.data[p * c + k] ?? 0;
      f[p * c + k] = alpha && k < c - 1 ? v * a : v;
    }
  }
  const r = resampleFloat(f, img.width, img.height, c, width, height, kernel);
  const out = createRaster(width, height, c, img.bitDepth);
  const m = width * height;
  for (let p = 0; p < m; p++) {
    const a = alpha ? Math.min(max, Math.max(0, r[p * c + c - 1] ?? 0)) / max : 1;
    for (let k = 0; k < c; k++) {
      let v = r[p * c + k] ?? 0;
      if (alpha && k < c - 1) v = a > 0 ? v / a : 0;
      out.data[p * c + k] = Math.min(max, Math.max(0, Math.round(v)));
    }
  }
  return out;
}
