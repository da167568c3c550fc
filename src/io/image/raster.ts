/**
 * Small helpers over {@link RasterImage}: validation, sample ranges, layout conversions.
 */
import { RepriseError } from '../../errors.js';
import type { BitDepth, ChannelCount, RasterImage } from './types.js';

/** Largest sample value at a bit depth (255 or 65535). */
export function maxSampleValue(bitDepth: BitDepth): number {
  return bitDepth === 16 ? 65535 : 255;
}

/** Rounds and clamps one float sample to `0..max` (NaN → 0). */
export function quantizeSample(v: number, max: number): number {
  const r = Math.round(v);
  return r > max ? max : r >= 0 ? r : 0;
}

/** Whether the layout carries an alpha channel (2 or 4 channels). */
export function hasAlpha(channels: ChannelCount): boolean {
  return channels === 2 || channels === 4;
}

/** Whether the layout is gray (1 or 2 channels). */
export function isGray(channels: ChannelCount): boolean {
  return channels <= 2;
}

/** Names an image in messages. */
export function describeImage(img: RasterImage, label?: string): string {
  return label ?? img.source?.path ?? 'the image';
}

/** Creates a zeroed raster. */
export function createRaster(width: number, height: number, channels: ChannelCount, bitDepth: BitDepth): RasterImage {
  const n = width * height * channels;
  return { width, height, channels, bitDepth, data: bitDepth === 16 ? new Uint16Array(n) : new Uint8Array(n) };
}

/**
 * Checks that a raster is well formed: positive integer size, a known layout, a sample array of the
 * right type and length. Throws `RUNTIME_INPUT` otherwise.
 */
export function assertRaster(img: RasterImage, label?: string): void {
  const what = describeImage(img, label);
  const fail = (message: string): never => {
    throw new RepriseError('RUNTIME_INPUT', `Invalid image ${what}: ${message}`, {
      hint: 'Build RasterImage values with readImage() or a backend decode(), or fix the fields by hand.',
    });
  };
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width < 1 || img.height < 1) {
    fail(`size ${img.width}×${img.height} is not a positive integer size`);
  }
  if (![1, 2, 3, 4].includes(img.channels)) fail(`channels is ${img.channels}, expected 1, 2, 3 or 4`);
  if (img.bitDepth !== 8 && img.bitDepth !== 16) fail(`bitDepth is ${String(img.bitDepth)}, expected 8 or 16`);
  if (img.bitDepth === 8 && !(img.data instanceof Uint8Array)) fail('8-bit samples must be a Uint8Array');
  if (img.bitDepth === 16 && !(img.data instanceof Uint16Array)) fail('16-bit samples must be a Uint16Array');
  const expected = img.width * img.height * img.channels;
  if (img.data.length !== expected) {
    fail(`${img.data.length} samples, expected ${img.width}×${img.height}×${img.channels} = ${expected}`);
  }
}

/** 16-bit sample → 8-bit (rounded, `v / 257`). */
export function sample16To8(v: number): number {
  return Math.round(v / 257);
}

/** The same pixels at 8 bits per sample (a copy-free pass-through when already 8-bit). */
export function toBitDepth8(img: RasterImage): RasterImage {
  if (img.bitDepth === 8) return img;
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = sample16To8(img.data[i] ?? 0);
  return { ...img, bitDepth: 8, data: out };
}

/**
 * Removes the alpha channel by compositing onto `background` (RGB in 0..1, default white); gray stays
 * gray (the background's mean is used). Images without alpha are returned as they are.
 */
export function flattenAlpha(img: RasterImage, background: readonly [number, number, number] = [1, 1, 1]): RasterImage {
  if (!hasAlpha(img.channels)) return img;
  const max = maxSampleValue(img.bitDepth);
  const colour = img.channels - 1;
  const outChannels: ChannelCount = colour === 1 ? 1 : 3;
  const bg = colour === 1 ? [((background[0] + background[1] + background[2]) / 3) * max] : background.map((b) => b * max);
  const out = createRaster(img.width, img.height, outChannels, img.bitDepth);
  const src = img.data;
  const dst = out.data;
  const n = img.width * img.height;
  for (let p = 0; p < n; p++) {
    const a = (src[p * img.channels + colour] ?? 0) / max;
    for (let k = 0; k < colour; k++) {
      const v = (src[p * img.channels + k] ?? 0) * a + (bg[k] ?? 0) * (1 - a);
      dst[p * colour + k] = Math.min(max, Math.max(0, Math.round(v)));
    }
  }
  return { ...out, ...(img.source ? { source: img.source } : {}) };
}

/** Any layout → RGBA at 8 bits per sample (gray replicated, alpha 255 where absent, 16-bit reduced). */
export function toRgba8(img: RasterImage): Uint8Array {
  const src = toBitDepth8(img).data;
  const n = img.width * img.height;
  const out = new Uint8Array(n * 4);
  const c = img.channels;
  for (let p = 0; p < n; p++) {
    const s = p * c;
    const d = p * 4;
    if (c <= 2) {
      const g = src[s] ?? 0;
      out[d] = g;
      out[d + 1] = g;
      out[d + 2] = g;
      out[d + 3] = c === 2 ? (src[s + 1] ?? 0) : 255;
    } else {
      out[d] = src[s] ?? 0;
      out[d + 1] = src[s + 1] ?? 0;
      out[d + 2] = src[s + 2] ?? 0;
      out[d + 3] = c === 4 ? (src[s + 3] ?? 0) : 255;
    }
  }
  return out;
}

/**
 * Picks channels out of interleaved samples: `pick` lists, for each output channel, the input channel
 * it copies. Used to turn RGB(A) that is known to be gray into gray(+alpha), or to drop alpha.
 */
export function pickChannels<T extends Uint8Array | Uint16Array>(
  data: T,
  inChannels: number,
  pick: readonly number[],
): T {
  const n = data.length / inChannels;
  const out = (data instanceof Uint16Array ? new Uint16Array(n * pick.length) : new Uint8Array(n * pick.length)) as T;
  const m = pick.length;
  for (let p = 0; p < n; p++) {
    for (let k = 0; k < m; k++) out[p * m + k] = data[p * inChannels + (pick[k] ?? 0)] ?? 0;
  }
  return out;
}

/** Whether every pixel of interleaved RGB(A) samples has R = G = B. */
export function isNeutral(data: Uint8Array | Uint16Array, channels: 3 | 4): boolean {
  for (let i = 0; i < data.length; i += channels) {
    const r = data[i];
    if (data[i + 1] !== r || data[i + 2] !== r) return false;
  }
  return true;
}

/** Whether every alpha sample (the last channel) is at its maximum. */
export function isOpaque(data: Uint8Array | Uint16Array, channels: 2 | 4, max: number): boolean {
  for (let i = channels - 1; i < data.length; i += channels) if (data[i] !== max) return false;
  return true;
}

/** Views a Node Buffer holding native-endian 16-bit samples as a Uint16Array (copying when unaligned). */
export function bytesToUint16(bytes: Uint8Array): Uint16Array {
  if (bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
  return new Uint16Array(bytes.slice().buffer, 0, bytes.byteLength >> 1);
}
