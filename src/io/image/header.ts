/**
 * Image header sniffer shared by both backends: format, stored size, EXIF orientation and what the
 * header says about the channel layout, read from the first bytes without decoding any pixel, so the
 * pixel cap is enforced before a decoder allocates anything.
 *
 * Recognises PNG, JPEG, WebP, GIF, BMP and TIFF; anything else is `unknown-format`, and a recognised
 * signature with an impossible or truncated header is `corrupt`.
 */
import { crc32 } from './crc32.js';
import { imageInputError } from './image-error.js';
import { readIfd0, readOrientation, skipExifIdentifier, TIFF_TAG, type ExifOrientation } from './tiff-ifd.js';
import type { ImageFormat } from './types.js';

/** Colour model as stored in the file. */
export type StoredColour = 'gray' | 'rgb' | 'palette' | 'cmyk' | 'ycck' | 'unknown';

/** What the header of an image file says. */
export interface ImageHeader {
  readonly format: ImageFormat;
  /** Stored width (before EXIF orientation). */
  readonly width: number;
  /** Stored height (before EXIF orientation). */
  readonly height: number;
  /** EXIF orientation (1 when absent). */
  readonly orientation: ExifOrientation;
  /** Where the orientation value is stored, when there is one. */
  readonly orientationField?: { readonly offset: number; readonly littleEndian: boolean };
  readonly colour: StoredColour;
  /** Whether the file stores an alpha channel or transparency; undefined when the header cannot tell. */
  readonly hasAlpha: boolean | undefined;
  /** Bits per sample as stored (PNG, JPEG, TIFF, BMP bits per pixel / channels), when known. */
  readonly bitsPerSample: number | undefined;
}

/** Outcome of {@link parseImageHeader}. */
export type HeaderResult =
  | { readonly ok: true; readonly header: ImageHeader }
  | { readonly ok: false; readonly reason: 'unknown-format' | 'corrupt'; readonly message: string };

type Parsed = ImageHeader | string;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, sig: readonly number[], at = 0): boolean {
  return bytes.length >= at + sig.length && sig.every((b, i) => bytes[at + i] === b);
}

function ascii(bytes: Uint8Array, at: number, n: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + n));
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function withOrientation(
  base: Omit<ImageHeader, 'orientation' | 'orientationField'>,
  field: ReturnType<typeof readOrientation>,
): ImageHeader {
  return field
    ? { ...base, orientation: field.orientation, orientationField: { offset: field.offset, littleEndian: field.littleEndian } }
    : { ...base, orientation: 1 };
}

const PNG_DEPTHS: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

function parsePng(bytes: Uint8Array): Parsed {
  if (bytes.length < 33) return 'the PNG header is truncated';
  const dv = view(bytes);
  if (dv.getUint32(8) !== 13 || ascii(bytes, 12, 4) !== 'IHDR') return 'the PNG does not start with an IHDR chunk';
  if (crc32(bytes.subarray(12, 29)) !== dv.getUint32(29)) return 'the PNG IHDR chunk fails its CRC check';
  const width = dv.getUint32(16);
  const height = dv.getUint32(20);
  const depth = bytes[24] ?? 0;
  const colourType = bytes[25] ?? 0;
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) return `the PNG size ${width}×${height} is invalid`;
  if (!PNG_DEPTHS[colourType]?.includes(depth)) return `the PNG has an invalid colour type ${colourType} / bit depth ${depth}`;
  let transparency = false;
  let field: ReturnType<typeof readOrientation>;
  for (let at = 33; at + 12 <= bytes.length; ) {
    const len = dv.getUint32(at);
    const type = ascii(bytes, at + 4, 4);
    const dataEnd = at + 8 + len;
    if (type === 'IEND' || dataEnd + 4 > bytes.length) break;
    if (type === 'tRNS') transparency = true;
    if (type === 'eXIf' && !field) field = readOrientation(bytes, skipExifIdentifier(bytes, at + 8, dataEnd), dataEnd);
    at = dataEnd + 4;
  }
  const colour = colourType === 0 || colourType === 4 ? 'gray' : colourType === 3 ? 'palette' : 'rgb';
  const hasAlpha = colourType === 4 || colourType === 6 || transparency;
  return withOrientation({ format: 'png', width, height, colour, hasAlpha, bitsPerSample: depth }, field);
}

function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function parseJpeg(bytes: Uint8Array): Parsed {
  const dv = view(bytes);
  let field: ReturnType<typeof readOrientation>;
  let adobeTransform: number | undefined;
  let at = 2;
  while (at < bytes.length) {
    if (bytes[at] !== 0xff) return `the JPEG has a broken marker at byte ${at}`;
    while (at < bytes.length && bytes[at] === 0xff) at++;
    const marker = bytes[at];
    at++;
    if (marker === undefined) break;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue;
    if (marker === 0xd9 || marker === 0xda) return 'the JPEG has no frame header (SOF) before its image data';
    if (at + 2 > bytes.length) break;
    const len = dv.getUint16(at);
    const start = at + 2;
    const end = at + len;
    if (len < 2 || end > bytes.length) return `the JPEG segment at byte ${at - 2} runs past the end of the data`;
    if (marker === 0xe1 && !field && ascii(bytes, start, 4) === 'Exif') field = readOrientation(bytes, skipExifIdentifier(bytes, start, end), end);
    if (marker === 0xee && len >= 14 && ascii(bytes, start, 5) === 'Adobe') adobeTransform = bytes[start + 11];
    if (isSof(marker)) {
      if (len < 8) return 'the JPEG frame header is truncated';
      const precision = bytes[start] ?? 0;
      const height = dv.getUint16(start + 1);
      const width = dv.getUint16(start + 3);
      const components = bytes[start + 5] ?? 0;
      if (width === 0 || height === 0) return `the JPEG frame size ${width}×${height} is invalid (DNL-sized JPEGs are not supported)`;
      if (![1, 3, 4].includes(components)) return `the JPEG has ${components} colour components (expected 1, 3 or 4)`;
      const colour = components === 1 ? 'gray' : components === 3 ? 'rgb' : adobeTransform === 2 ? 'ycck' : 'cmyk';
      return withOrientation({ format: 'jpeg', width, height, colour, hasAlpha: false, bitsPerSample: precision }, field);
    }
    at = end;
  }
  return 'the JPEG is truncated before its frame header (SOF)';
}

function parseWebp(bytes: Uint8Array): Parsed {
  const dv = view(bytes);
  let header: Omit<ImageHeader, 'orientation' | 'orientationField'> | undefined;
  let field: ReturnType<typeof readOrientation>;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const type = ascii(bytes, at, 4);
    const size = dv.getUint32(at + 4, true);
    const start = at + 8;
    const end = start + size;
    if (end > bytes.length) {
      if (!header) return `the WebP chunk ${JSON.stringify(type)} runs past the end of the data`;
      break;
    }
    if (!header) {
      if (type === 'VP8 ') {
        if (size < 10 || bytes[start + 3] !== 0x9d || bytes[start + 4] !== 0x01 || bytes[start + 5] !== 0x2a) return 'the WebP VP8 frame header is invalid';
        header = { format: 'webp', width: dv.getUint16(start + 6, true) & 0x3fff, height: dv.getUint16(start + 8, true) & 0x3fff, colour: 'rgb', hasAlpha: false, bitsPerSample: 8 };
        break;
      } else if (type === 'VP8L') {
        if (size < 5 || bytes[start] !== 0x2f) return 'the WebP lossless header is invalid';
        const bits = dv.getUint32(start + 1, true);
        header = { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, colour: 'rgb', hasAlpha: ((bits >>> 28) & 1) === 1, bitsPerSample: 8 };
        break;
      } else if (type === 'VP8X') {
        if (size < 10) return 'the WebP extended header is truncated';
        const u24 = (p: number): number => (bytes[p] ?? 0) | ((bytes[p + 1] ?? 0) << 8) | ((bytes[p + 2] ?? 0) << 16);
        header = { format: 'webp', width: u24(start + 4) + 1, height: u24(start + 7) + 1, colour: 'rgb', hasAlpha: ((bytes[start] ?? 0) & 0x10) !== 0, bitsPerSample: 8 };
      } else {
        return `the WebP starts with an unexpected chunk ${JSON.stringify(type)}`;
      }
    } else if (type === 'EXIF' && !field) {
      field = readOrientation(bytes, skipExifIdentifier(bytes, start, end), end);
    }
    at = end + (size & 1);
  }
  if (!header) return 'the WebP has no image header';
  if (header.width === 0 || header.height === 0) return `the WebP size ${header.width}×${header.height} is invalid`;
  return withOrientation(header, field);
}

function parseGif(bytes: Uint8Array): Parsed {
  if (bytes.length < 13) return 'the GIF header is truncated';
  const dv = view(bytes);
  const width = dv.getUint16(6, true);
  const height = dv.getUint16(8, true);
  if (width === 0 || height === 0) return `the GIF size ${width}×${height} is invalid`;
  return { format: 'gif', width, height, orientation: 1, colour: 'palette', hasAlpha: undefined, bitsPerSample: 8 };
}

function parseBmp(bytes: Uint8Array): Parsed {
  if (bytes.length < 26) return 'the BMP header is truncated';
  const dv = view(bytes);
  const dib = dv.getUint32(14, true);
  let width: number;
  let height: number;
  let bpp: number;
  if (dib === 12) {
    width = dv.getUint16(18, true);
    height = dv.getUint16(20, true);
    bpp = dv.getUint16(24, true);
  } else if (dib >= 16 && bytes.length >= 30) {
    width = dv.getInt32(18, true);
    height = Math.abs(dv.getInt32(22, true));
    bpp = dv.getUint16(28, true);
  } else {
    return `the BMP info header size ${dib} is invalid`;
  }
  if (width <= 0 || height <= 0) return `the BMP size ${width}×${height} is invalid`;
  const colour = bpp <= 8 ? 'palette' : 'rgb';
  return { format: 'bmp', width, height, orientation: 1, colour, hasAlpha: bpp === 32 ? undefined : false, bitsPerSample: bpp <= 8 ? bpp : 8 };
}

function parseTiff(bytes: Uint8Array): Parsed {
  const ifd = readIfd0(bytes, 0, bytes.length);
  if (!ifd) return 'the TIFF header or its first directory is truncated';
  const first = (tag: number): number | undefined => ifd.entries.get(tag)?.values[0];
  const width = first(TIFF_TAG.imageWidth);
  const height = first(TIFF_TAG.imageLength);
  if (!width || !height) return 'the TIFF has no valid ImageWidth/ImageLength';
  const photometric = first(TIFF_TAG.photometric);
  const samples = first(TIFF_TAG.samplesPerPixel) ?? 1;
  const colour: StoredColour =
    photometric === 0 || photometric === 1 ? 'gray' : photometric === 2 || photometric === 6 ? 'rgb' : photometric === 3 ? 'palette' : photometric === 5 ? 'cmyk' : 'unknown';
  const base = colour === 'gray' || colour === 'palette' ? 1 : colour === 'cmyk' ? 4 : 3;
  const hasAlpha = (ifd.entries.get(TIFF_TAG.extraSamples)?.count ?? 0) > 0 && samples > base;
  const field = readOrientation(bytes, 0, bytes.length);
  return withOrientation({ format: 'tiff', width, height, colour, hasAlpha, bitsPerSample: first(TIFF_TAG.bitsPerSample) }, field);
}

/** Parses the header of an encoded image without decoding it; never throws. */
export function parseImageHeader(bytes: Uint8Array): HeaderResult {
  let parsed: Parsed | undefined;
  if (bytes.length === 0) return { ok: false, reason: 'unknown-format', message: 'the data is empty' };
  if (startsWith(bytes, PNG_SIGNATURE)) parsed = parsePng(bytes);
  else if (startsWith(bytes, [0xff, 0xd8, 0xff])) parsed = parseJpeg(bytes);
  else if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') parsed = parseWebp(bytes);
  else if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') parsed = parseGif(bytes);
  else if (ascii(bytes, 0, 2) === 'BM') parsed = parseBmp(bytes);
  else if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) parsed = parseTiff(bytes);
  if (parsed === undefined) {
    const first = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return { ok: false, reason: 'unknown-format', message: `unrecognised data (first bytes: ${first})` };
  }
  if (typeof parsed === 'string') return { ok: false, reason: 'corrupt', message: parsed };
  return { ok: true, header: parsed };
}

/**
 * Parses the header of an encoded image; throws a `RUNTIME_INPUT` RepriseError naming `label` for
 * unknown or corrupt data.
 */
export function readImageHeader(bytes: Uint8Array, label?: string): ImageHeader {
  const result = parseImageHeader(bytes);
  if (result.ok) return result.header;
  throw imageInputError(label, result.reason === 'unknown-format' ? { kind: 'not-an-image', detail: result.message } : { kind: 'corrupt', detail: result.message });
}

/** Display size: the stored size with width and height swapped for orientations 5..8. */
export function orientedSize(header: Pick<ImageHeader, 'width' | 'height' | 'orientation'>): { width: number; height: number } {
  return header.orientation >= 5 ? { width: header.height, height: header.width } : { width: header.width, height: header.height };
}
