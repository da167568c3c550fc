/**
 * The sharp (libvips) image backend.
 *
 * - Pixel cap: checked from the header sniffer (and sharp's own header read for formats the sniffer
 *   does not know, e.g. AVIF or SVG) before decoding, and again by sharp's `limitInputPixels`.
 * - EXIF orientation applied with `.rotate()`.
 * - CMYK (and YCCK) is converted to sRGB through the embedded or default CMYK profile; embedded ICC
 *   profiles are converted to sRGB (the output carries no profile).
 * - 16-bit input stays 16-bit (`rgb16` / `grey16`, raw depth `ushort`); gray and alpha stay as they are.
 * - PNG text is inserted after IHDR by {@link insertPngText} (sharp does not write arbitrary tEXt keys).
 */
import sharp, { type Metadata, type Sharp } from 'sharp';
import { checkPixelCap, imageInputError } from './image-error.js';
import { parseImageHeader } from './header.js';
import { insertPngText } from './png-text.js';
import { assertRaster, bytesToUint16, flattenAlpha, isGray, pickChannels, toBitDepth8 } from './raster.js';
import { assertTargetSize } from './raster-resize.js';
import type { ChannelCount, DecodeOptions, EncodeOptions, ImageBackend, RasterImage, ResizeKernel } from './types.js';

const DEFAULT_QUALITY = 92;
const SHARP_KERNEL: Readonly<Record<ResizeKernel, 'lanczos3' | 'cubic' | 'nearest'>> = { lanczos3: 'lanczos3', bicubic: 'cubic', nearest: 'nearest' };

/** sharp's and libvips' versions, for `doctor`. */
export function sharpVersion(): string {
  return `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`;
}

function u8(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * sharp input for raw pixels: a Uint16Array is read as 16-bit samples, and 16-bit images are processed
 * in a 16-bit pipeline colourspace (otherwise compositing goes through 8 bits).
 */
function rawInput(img: RasterImage): Sharp {
  const input = sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } });
  return img.bitDepth === 16 ? input.pipelineColourspace(isGray(img.channels) ? 'grey16' : 'rgb16') : input;
}

/** Output colourspace that keeps the layout: gray or RGB, 8 or 16 bits. */
function colourspaceFor(gray: boolean, sixteen: boolean, alpha: boolean): string {
  if (sixteen) return gray ? 'grey16' : 'rgb16';
  // sharp's 8-bit 'b-w' output drops alpha, so 8-bit gray + alpha goes through sRGB and is picked back.
  return gray && !alpha ? 'b-w' : 'srgb';
}

/**
 * Runs a pipeline to raw pixels in the wanted layout. `gray`/`alpha`/`sixteen` describe the wanted
 * output; sRGB output that is known to be gray is collapsed back to gray channels.
 */
async function toRaster(pipeline: Sharp, want: { gray: boolean; alpha: boolean; sixteen: boolean }): Promise<RasterImage> {
  const { data, info } = await pipeline
    .toColourspace(colourspaceFor(want.gray, want.sixteen, want.alpha))
    .raw({ depth: want.sixteen ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const sixteen = want.sixteen;
  if (data.byteLength !== info.width * info.height * info.channels * (sixteen ? 2 : 1)) {
    // invariant: sharp's raw output has width × height × channels bytes
    throw new Error(`sharp returned ${data.byteLength} bytes for ${info.width}×${info.height}×${info.channels}`);
  }
  let samples: Uint8Array | Uint16Array = sixteen ? bytesToUint16(u8(data)) : u8(data);
  let channels = info.channels as number;
  if (want.gray && channels >= 3) {
    samples = pickChannels(samples, channels, channels === 4 && want.alpha ? [0, 3] : [0]);
    channels = channels === 4 && want.alpha ? 2 : 1;
  } else if (!want.alpha && (channels === 4 || channels === 2)) {
    samples = pickChannels(samples, channels, channels === 4 ? [0, 1, 2] : [0]);
    channels -= 1;
  }
  // invariant: sharp decodes to 1–4 channels
  if (channels < 1 || channels > 4) throw new Error(`sharp produced ${channels} channels`);
  return { width: info.width, height: info.height, channels: channels as ChannelCount, bitDepth: sixteen ? 16 : 8, data: samples };
}

async function decode(bytes: Uint8Array, opts: DecodeOptions): Promise<RasterImage> {
  const label = opts.label;
  const sniff = parseImageHeader(bytes);
  if (!sniff.ok && sniff.reason === 'corrupt') throw imageInputError(label, { kind: 'corrupt', detail: sniff.message });
  if (sniff.ok) checkPixelCap(label, sniff.header.width, sniff.header.height, opts.maxPixels);
  else checkPixelCap(label, 1, 1, opts.maxPixels);
  const options = { limitInputPixels: Math.max(1, Math.floor(opts.maxPixels)), failOn: 'error' } as const;
  let meta: Metadata;
  try {
    meta = await sharp(bytes, options).metadata();
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw imageInputError(label, sniff.ok ? { kind: 'corrupt', detail } : { kind: 'not-an-image', detail: sniff.message }, cause);
  }
  checkPixelCap(label, meta.width, meta.height, opts.maxPixels);
  const want = {
    gray: meta.space === 'b-w' || meta.space === 'grey16',
    alpha: meta.hasAlpha,
    sixteen: meta.depth === 'ushort' || meta.depth === 'short',
  };
  try {
    const img = await toRaster(sharp(bytes, options).rotate(), want);
    return { ...img, source: { format: sniff.ok ? sniff.header.format : meta.format } };
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    if (/pixel limit/i.test(detail)) throw imageInputError(label, { kind: 'too-many-pixels', width: meta.width, height: meta.height, maxPixels: opts.maxPixels }, cause);
    throw imageInputError(label, { kind: 'corrupt', detail }, cause);
  }
}

async function encode(img: RasterImage, opts: EncodeOptions): Promise<Uint8Array> {
  assertRaster(img);
  let src = img;
  if (opts.format !== 'png') src = toBitDepth8(src);
  if (opts.format === 'jpeg') src = flattenAlpha(src);
  // 'b-w' for any 8-bit gray: on encode (unlike raw output) sharp keeps a gray image's alpha channel.
  const pipeline = rawInput(src).toColourspace(colourspaceFor(isGray(src.channels), src.bitDepth === 16, false));
  switch (opts.format) {
    case 'png': {
      const png = u8(await pipeline.png({ compressionLevel: 9 }).toBuffer());
      return opts.pngText ? insertPngText(png, opts.pngText) : png;
    }
    case 'jpeg':
      return u8(await pipeline.jpeg({ quality: opts.quality ?? DEFAULT_QUALITY }).toBuffer());
    case 'webp':
      return u8(await pipeline.webp({ quality: opts.quality ?? DEFAULT_QUALITY, lossless: opts.lossless ?? false }).toBuffer());
  }
}

async function resize(img: RasterImage, width: number, height: number, kernel: ResizeKernel): Promise<RasterImage> {
  assertRaster(img);
  assertTargetSize(width, height);
  const pipeline = rawInput(img).resize(width, height, { fit: 'fill', kernel: SHARP_KERNEL[kernel] });
  return toRaster(pipeline, { gray: isGray(img.channels), alpha: img.channels % 2 === 0, sixteen: img.bitDepth === 16 });
}

async function overlaySvg(img: RasterImage, svg: string): Promise<RasterImage> {
  assertRaster(img);
  const pipeline = rawInput(img).composite([{ input: Buffer.from(svg), top: 0, left: 0 }]);
  return toRaster(pipeline, { gray: isGray(img.channels), alpha: img.channels % 2 === 0, sixteen: img.bitDepth === 16 });
}

/** Creates the sharp backend (importing this module loads sharp's native library). */
export function createSharpBackend(): ImageBackend {
  return { name: 'sharp', decode, encode, resize, overlaySvg };
}
