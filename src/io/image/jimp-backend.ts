/**
 * The jimp (pure JavaScript) image backend: the fallback when sharp's native library cannot load.
 *
 * What it keeps: PNG/JPEG/GIF/BMP/TIFF decoding; the pixel cap (checked by the shared header sniffer
 * before decoding, and passed to jpeg-js as `maxResolutionInMP`); EXIF orientation for every format
 * (applied here from the sniffed header: jimp itself only rotates JPEGs, so the JPEG's orientation
 * tag is neutralised in a private copy of the bytes first); gray and alpha layouts (jimp decodes to
 * RGBA; the layout is recovered from the header — a gray PNG/JPEG/TIFF comes back as 1 or 2 channels,
 * and alpha is dropped when the file has none).
 *
 * What it cannot keep:
 * - **16-bit samples**: jimp's PNG decoder (pngjs) rescales 16-bit to 8-bit, so 16-bit files come
 *   back with `bitDepth: 8`; encoding writes 8-bit files (16-bit rasters are reduced first).
 * - **CMYK colour management**: jpeg-js converts CMYK/YCCK with a naive formula and ignores ICC
 *   profiles (sharp converts through the profile), so colours differ from sharp's.
 * - **WebP**: neither decoded nor encoded (install sharp).
 * - **SVG overlays**: no `overlaySvg`, so image grids carry no text labels.
 * - Resizing is done by this project's own resampler (Lanczos-3, Catmull-Rom bicubic, nearest), not by jimp.
 */
import { Jimp } from 'jimp';
import { checkPixelCap, imageInputError } from './image-error.js';
import { readImageHeader } from './header.js';
import { applyOrientation } from './orientation.js';
import { insertPngText } from './png-text.js';
import { assertRaster, flattenAlpha, isNeutral, isOpaque, pickChannels, toBitDepth8, toRgba8 } from './raster.js';
import { resizeRaster } from './raster-resize.js';
import type { ChannelCount, DecodeOptions, EncodeOptions, ImageBackend, ImageFormat, RasterImage, ResizeKernel } from './types.js';

const DEFAULT_QUALITY = 92;
const JIMP_DECODES: ReadonlySet<ImageFormat> = new Set(['png', 'jpeg', 'gif', 'bmp', 'tiff']);
/** PNG colour type per channel count (gray, gray+alpha, RGB, RGBA). */
const PNG_COLOUR_TYPE: Readonly<Record<ChannelCount, number>> = { 1: 0, 2: 4, 3: 2, 4: 6 };

const INSTALL_SHARP = 'Install sharp (npm install sharp) so Reprise can use its libvips backend, or convert the image to PNG or JPEG.';

async function decode(bytes: Uint8Array, opts: DecodeOptions): Promise<RasterImage> {
  const label = opts.label;
  const header = readImageHeader(bytes, label);
  checkPixelCap(label, header.width, header.height, opts.maxPixels);
  if (!JIMP_DECODES.has(header.format)) {
    throw imageInputError(label, { kind: 'unsupported', detail: `the pure-JS backend (jimp) cannot decode ${header.format.toUpperCase()}`, hint: INSTALL_SHARP });
  }
  const input = Buffer.from(bytes);
  if (header.format === 'jpeg' && header.orientationField) {
    // Orientation is applied below for every format alike; stop jimp from rotating JPEGs itself.
    const { offset, littleEndian } = header.orientationField;
    new DataView(input.buffer, input.byteOffset, input.byteLength).setUint16(offset, 1, littleEndian);
  }
  let bitmap: { data: Buffer; width: number; height: number };
  try {
    const maxMP = opts.maxPixels / 1e6;
    const image = await Jimp.fromBuffer(input, {
      'image/jpeg': { maxResolutionInMP: maxMP, maxMemoryUsageInMB: Math.max(512, Math.ceil(maxMP * 16)) },
    });
    bitmap = image.bitmap;
  } catch (cause) {
    throw imageInputError(label, { kind: 'corrupt', detail: cause instanceof Error ? cause.message : String(cause) }, cause);
  }
  const rgba = new Uint8Array(bitmap.data.buffer, bitmap.data.byteOffset, bitmap.width * bitmap.height * 4);
  const alpha = header.hasAlpha ?? !isOpaque(rgba, 4, 255);
  const gray = header.colour === 'gray' && isNeutral(rgba, 4);
  const pick = gray ? (alpha ? [0, 3] : [0]) : alpha ? [0, 1, 2, 3] : [0, 1, 2];
  const data = pickChannels(rgba, 4, pick);
  const raster: RasterImage = { width: bitmap.width, height: bitmap.height, channels: pick.length as ChannelCount, bitDepth: 8, data };
  return { ...applyOrientation(raster, header.orientation), source: { format: header.format } };
}

async function encode(img: RasterImage, opts: EncodeOptions): Promise<Uint8Array> {
  assertRaster(img);
  if (opts.format === 'webp') {
    throw imageInputError(undefined, { kind: 'unsupported', detail: 'the pure-JS backend (jimp) cannot write WebP', hint: INSTALL_SHARP });
  }
  let src = toBitDepth8(img);
  if (opts.format === 'jpeg') src = flattenAlpha(src);
  const rgba = toRgba8(src);
  const image = new Jimp({ width: src.width, height: src.height, data: Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength) });
  if (opts.format === 'jpeg') {
    return new Uint8Array(await image.getBuffer('image/jpeg', { quality: opts.quality ?? DEFAULT_QUALITY }));
  }
  const png = new Uint8Array(await image.getBuffer('image/png', { colorType: PNG_COLOUR_TYPE[src.channels], inputHasAlpha: true }));
  return opts.pngText ? insertPngText(png, opts.pngText) : png;
}

async function resize(img: RasterImage, width: number, height: number, kernel: ResizeKernel): Promise<RasterImage> {
  return resizeRaster(img, width, height, kernel);
}

/** Creates the jimp backend. */
export function createJimpBackend(): ImageBackend {
  return { name: 'jimp', decode, encode, resize };
}
