/**
 * Applying an EXIF orientation to decoded pixels (for decoders that do not do it themselves).
 */
import type { ExifOrientation } from './tiff-ifd.js';
import type { RasterImage } from './types.js';

/**
 * For an output pixel (x, y), the stored pixel it shows, for a stored image `w × h`
 * (EXIF 2.32 §4.6.4: 2 mirror, 3 rotate 180°, 4 flip, 5 transpose, 6 rotate 90° CW, 7 transverse, 8 rotate 90° CCW).
 */
function sourceOf(orientation: ExifOrientation, w: number, h: number): (x: number, y: number) => [number, number] {
  switch (orientation) {
    case 1:
      return (x, y) => [x, y];
    case 2:
      return (x, y) => [w - 1 - x, y];
    case 3:
      return (x, y) => [w - 1 - x, h - 1 - y];
    case 4:
      return (x, y) => [x, h - 1 - y];
    case 5:
      return (x, y) => [y, x];
    case 6:
      return (x, y) => [y, h - 1 - x];
    case 7:
      return (x, y) => [w - 1 - y, h - 1 - x];
    case 8:
      return (x, y) => [w - 1 - y, x];
  }
}

/** Returns the image as it should be displayed for the given EXIF orientation (1 returns the input). */
export function applyOrientation(img: RasterImage, orientation: ExifOrientation): RasterImage {
  if (orientation === 1) return img;
  const swap = orientation >= 5;
  const width = swap ? img.height : img.width;
  const height = swap ? img.width : img.height;
  const c = img.channels;
  const src = img.data;
  const dst = src instanceof Uint16Array ? new Uint16Array(src.length) : new Uint8Array(src.length);
  const map = sourceOf(orientation, img.width, img.height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [sx, sy] = map(x, y);
      const s = (sy * img.width + sx) * c;
      const d = (y * width + x) * c;
      for (let k = 0; k < c; k++) dst[d + k] = src[s + k] ?? 0;
    }
  }
  return { ...img, width, height, data: dst };
}
