/**
 * Minimal, bounds-checked reader of a TIFF structure's first IFD: used for TIFF files themselves and
 * for EXIF blocks (JPEG APP1, PNG eXIf, WebP EXIF), whose payload is a TIFF structure.
 */

/** EXIF orientation values (1 = as stored; 2..8 = mirror/rotate, see the EXIF spec). */
export type ExifOrientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** One IFD entry: its first values (SHORT/LONG/BYTE types only) and where its value field lies. */
export interface IfdEntry {
  readonly tag: number;
  readonly type: number;
  readonly count: number;
  /** Up to the first 8 values for BYTE (1), SHORT (3) and LONG (4); empty for other types. */
  readonly values: readonly number[];
  /** Absolute offset of the 4-byte value/offset field. */
  readonly fieldOffset: number;
}

/** The first IFD of a TIFF structure. */
export interface Ifd0 {
  readonly littleEndian: boolean;
  readonly entries: ReadonlyMap<number, IfdEntry>;
}

/** TIFF tag numbers used here. */
export const TIFF_TAG = {
  imageWidth: 256,
  imageLength: 257,
  bitsPerSample: 258,
  photometric: 262,
  orientation: 274,
  samplesPerPixel: 277,
  extraSamples: 338,
} as const;

const TYPE_SIZE: Readonly<Record<number, number>> = { 1: 1, 3: 2, 4: 4 };
const MAX_ENTRIES = 4096;

/**
 * Reads IFD0 of the TIFF structure occupying `bytes[start, end)`. Returns undefined when the
 * structure is not a valid TIFF header or IFD0 lies outside the range.
 */
export function readIfd0(bytes: Uint8Array, start: number, end: number): Ifd0 | undefined {
  if (start < 0 || end > bytes.length || end - start < 8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = view.getUint16(start);
  const littleEndian = order === 0x4949 ? true : order === 0x4d4d ? false : undefined;
  if (littleEndian === undefined || view.getUint16(start + 2, littleEndian) !== 42) return undefined;
  const ifd = start + view.getUint32(start + 4, littleEndian);
  if (ifd + 2 > end) return undefined;
  const count = view.getUint16(ifd, littleEndian);
  if (count > MAX_ENTRIES || ifd + 2 + count * 12 > end) return undefined;
  const entries = new Map<number, IfdEntry>();
  for (let i = 0; i < count; i++) {
    const at = ifd + 2 + i * 12;
    const tag = view.getUint16(at, littleEndian);
    const type = view.getUint16(at + 2, littleEndian);
    const n = view.getUint32(at + 4, littleEndian);
    const size = TYPE_SIZE[type];
    const values: number[] = [];
    if (size !== undefined && n > 0) {
      const inline = size * n <= 4;
      const base = inline ? at + 8 : start + view.getUint32(at + 8, littleEndian);
      const take = Math.min(n, 8);
      if (base >= start && base + take * size <= end) {
        for (let k = 0; k < take; k++) {
          const p = base + k * size;
          values.push(size === 1 ? view.getUint8(p) : size === 2 ? view.getUint16(p, littleEndian) : view.getUint32(p, littleEndian));
        }
      }
    }
    if (!entries.has(tag)) entries.set(tag, { tag, type, count: n, values, fieldOffset: at + 8 });
  }
  return { littleEndian, entries };
}

/** Where an EXIF orientation value is stored (so a tool can rewrite it in place). */
export interface OrientationField {
  readonly orientation: ExifOrientation;
  /** Absolute offset of the 2-byte SHORT value. */
  readonly offset: number;
  readonly littleEndian: boolean;
}

/** The orientation tag of a TIFF/EXIF structure, when present and valid (SHORT, 1..8). */
export function readOrientation(bytes: Uint8Array, start: number, end: number): OrientationField | undefined {
  const ifd = readIfd0(bytes, start, end);
  const entry = ifd?.entries.get(TIFF_TAG.orientation);
  const value = entry?.values[0];
  if (!ifd || !entry || entry.type !== 3 || value === undefined || value < 1 || value > 8) return undefined;
  return { orientation: value as ExifOrientation, offset: entry.fieldOffset, littleEndian: ifd.littleEndian };
}

/** EXIF payloads sometimes start with the JPEG APP1 identifier; returns where the TIFF header begins. */
export function skipExifIdentifier(bytes: Uint8Array, start: number, end: number): number {
  const id = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]; // "Exif\0\0"
  if (end - start >= 6 && id.every((b, i) => bytes[start + i] === b)) return start + 6;
  return start;
}
