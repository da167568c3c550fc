/**
 * Reading and writing image files. Reads check the pixel cap before decoding; writes are atomic
 * (temporary file in the destination folder, then rename), so a failure never leaves a half-written
 * image, and the temporary file is removed.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { RepriseError } from '../../errors.js';
import { getImageBackend } from './backend.js';
import { parseImageHeader } from './header.js';
import { checkPixelCap } from './image-error.js';
import { assertRaster } from './raster.js';
import type { EncodeOptions, ImageBackend, ImageBackendName, ImageOutputFormat, RasterImage } from './types.js';

/** Default pixel cap of {@link readImage} (64 megapixels). */
export const DEFAULT_MAX_PIXELS = 64e6;

/** Options of {@link readImage}. */
export interface ReadImageOptions {
  /** Largest accepted `width · height` (default {@link DEFAULT_MAX_PIXELS}). */
  readonly maxPixels?: number;
  /** A backend, or its name (default: sharp when it loads, else jimp). */
  readonly backend?: ImageBackend | ImageBackendName;
}

/** Options of {@link writeImage}. */
export interface WriteImageOptions {
  /** Output format; default from the extension (.png, .jpg/.jpeg, .webp). An explicit format wins over the extension. */
  readonly format?: ImageOutputFormat;
  /** JPEG/WebP quality 1..100; ignored for PNG, which is lossless. */
  readonly quality?: number;
  /** WebP only: lossless encoding. */
  readonly lossless?: boolean;
  /** PNG only: text chunks (e.g. prompt, method, seed); an error for other formats. */
  readonly pngText?: Readonly<Record<string, string>>;
  /** A backend, or its name (default: sharp when it loads, else jimp). */
  readonly backend?: ImageBackend | ImageBackendName;
}

/** What {@link writeImage} wrote. */
export interface WrittenImage {
  readonly path: string;
  readonly format: ImageOutputFormat;
  readonly bytes: number;
}

/** Bytes read to sniff the header before reading the whole file. */
const HEADER_PREFIX_BYTES = 1 << 20;

const EXTENSIONS: Readonly<Record<string, ImageOutputFormat>> = { '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg', '.webp': 'webp' };

async function resolveBackend(backend: ImageBackend | ImageBackendName | undefined): Promise<ImageBackend> {
  return typeof backend === 'object' ? backend : getImageBackend(backend);
}

function errnoCode(cause: unknown): string | undefined {
  return (cause as NodeJS.ErrnoException | undefined)?.code;
}

function readError(file: string, cause: unknown): RepriseError {
  const code = errnoCode(cause);
  if (code === 'ENOENT') return new RepriseError('RUNTIME_INPUT', `Image file not found: ${file}`, { hint: 'Check the path (it is resolved from the current folder).', cause });
  if (code === 'EISDIR') return new RepriseError('RUNTIME_INPUT', `${file} is a folder, not an image file`, { hint: 'Pass the path of an image file.', cause });
  if (code === 'EACCES' || code === 'EPERM') return new RepriseError('RUNTIME_INPUT', `Image file ${file} cannot be read: permission denied`, { hint: 'Check the file permissions.', cause });
  const detail = code ?? (cause instanceof Error ? cause.message : String(cause));
  return new RepriseError('RUNTIME_INPUT', `Image file ${file} cannot be read (${detail})`, { hint: 'Check that the file exists and is readable.', cause });
}

/**
 * Reads and decodes an image file (EXIF orientation applied). Throws `RUNTIME_INPUT` naming the file
 * when it is missing, unreadable, not an image, damaged, or has more than `maxPixels` pixels.
 */
export async function readImage(file: string, opts: ReadImageOptions = {}): Promise<RasterImage> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  let bytes: Uint8Array;
  try {
    const handle = await fsp.open(file, 'r');
    try {
      const stat = await handle.stat();
      if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      // Sniff the header from the first bytes so an oversized image is refused before the file is read.
      const prefix = new Uint8Array(Math.min(stat.size, HEADER_PREFIX_BYTES));
      const { bytesRead } = await handle.read(prefix, 0, prefix.length, 0);
      const header = parseImageHeader(prefix.subarray(0, bytesRead));
      if (header.ok) checkPixelCap(file, header.header.width, header.header.height, maxPixels);
      bytes = bytesRead >= stat.size ? prefix.subarray(0, bytesRead) : await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (cause) {
    if (cause instanceof RepriseError) throw cause;
    throw readError(file, cause);
  }
  const backend = await resolveBackend(opts.backend);
  const img = await backend.decode(bytes, { maxPixels, label: file });
  return { ...img, source: { ...img.source, path: file } };
}

function outputFormat(file: string, format: ImageOutputFormat | undefined): ImageOutputFormat {
  if (format) return format;
  const ext = path.extname(file).toLowerCase();
  const fromExt = EXTENSIONS[ext];
  if (fromExt) return fromExt;
  throw new RepriseError('RUNTIME_INPUT', `Cannot tell the image format of ${file} from its extension ${JSON.stringify(ext)}`, {
    hint: 'Use a .png, .jpg, .jpeg or .webp file name, or pass the format explicitly.',
  });
}

function encodeOptions(file: string, format: ImageOutputFormat, opts: WriteImageOptions): EncodeOptions {
  if (opts.pngText && format !== 'png') {
    throw new RepriseError('RUNTIME_INPUT', `Cannot write text metadata to ${file}: pngText needs PNG output, not ${format}`, {
      hint: 'Write a .png file, or drop the text metadata.',
    });
  }
  switch (format) {
    case 'png':
      return opts.pngText ? { format, pngText: opts.pngText } : { format };
    case 'jpeg':
      return opts.quality === undefined ? { format } : { format, quality: opts.quality };
    case 'webp':
      return { format, ...(opts.quality === undefined ? {} : { quality: opts.quality }), ...(opts.lossless === undefined ? {} : { lossless: opts.lossless }) };
  }
}

function writeError(file: string, cause: unknown): RepriseError {
  const code = errnoCode(cause);
  const dir = path.dirname(file);
  if (code === 'ENOENT') return new RepriseError('RUNTIME_INPUT', `Cannot write image ${file}: the folder ${dir} does not exist`, { hint: 'Create the folder first, or choose another output path.', cause });
  if (code === 'ENOTDIR') return new RepriseError('RUNTIME_INPUT', `Cannot write image ${file}: ${dir} is not a folder`, { hint: 'Choose an output path inside a folder.', cause });
  if (code === 'EISDIR') return new RepriseError('RUNTIME_INPUT', `Cannot write image ${file}: a folder has that name`, { hint: 'Choose a file name that is not a folder.', cause });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new RepriseError('RUNTIME_INPUT', `Cannot write image ${file}: permission denied`, { hint: 'Check the permissions of the destination folder.', cause });
  if (code === 'ENOSPC' || code === 'EDQUOT') return new RepriseError('RUNTIME_INPUT', `Cannot write image ${file}: the disk is full`, { hint: 'Free some space and retry.', cause });
  const detail = code ?? (cause instanceof Error ? cause.message : String(cause));
  return new RepriseError('RUNTIME_INPUT', `Cannot write image ${file} (${detail})`, { hint: 'Check the output path.', cause });
}

/**
 * Encodes and writes an image atomically: the bytes go to a temporary file next to `file`, renamed
 * into place only when complete; on any failure the temporary file is removed and a `RUNTIME_INPUT`
 * error names the file. Returns what was written.
 */
export async function writeImage(file: string, img: RasterImage, opts: WriteImageOptions = {}): Promise<WrittenImage> {
  assertRaster(img, file);
  const format = outputFormat(file, opts.format);
  const encoded = await (await resolveBackend(opts.backend)).encode(img, encodeOptions(file, format, opts));
  try {
    await writeFileAtomic(file, encoded);
  } catch (cause) {
    throw writeError(file, cause);
  }
  return { path: file, format, bytes: encoded.byteLength };
}
