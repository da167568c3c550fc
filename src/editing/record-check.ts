/**
 * Whether a reconstruction is exact: the record stores the SHA-256 of the inverted image's pixels
 * (`pixels.image.sha256`, written by `encodeImage`), and a reconstruction is lossless only when
 * its pixels hash to it. Sample counts say how far off a failed one is.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RasterImage } from '../io/image/types.js';
import type { Inversion } from '../inversion/record.js';

/** Hex SHA-256 of an image: its layout (width, height, channels, bit depth) and its samples. */
export function pixelChecksum(image: RasterImage): string {
  const d = image.data;
  const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  return createHash('sha256').update(`${image.width}x${image.height}x${image.channels}x${image.bitDepth}\0`).update(bytes).digest('hex');
}

const storedImageSchema = z.looseObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/) });

/** The source-pixel checksum a record stores, if any (records written before it have none). */
export function storedPixelChecksum(record: Inversion): string | undefined {
  const r = storedImageSchema.safeParse(record.pixels?.image);
  return r.success ? r.data.sha256 : undefined;
}

/** What {@link checkReconstruction} found. */
export interface ReconstructionCheck {
  /** The pixels hash to the record's stored checksum (false when there is none to compare with). */
  readonly exact: boolean;
  /** Why `exact` is false, or undefined when it holds. */
  readonly reason?: 'no-residual' | 'no-checksum' | 'checksum-mismatch';
  /** Latent samples equal to the record's z0, of `latentSamples`. */
  readonly latentSamplesEqual: number;
  readonly latentSamples: number;
  /** Pixel samples equal to the expected image (decode(z0) with the residual), of `pixelSamples`; when one is given. */
  readonly pixelSamplesEqual?: number;
  readonly pixelSamples: number;
}

function equalCount(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Object.is(a[i], b[i])) n++;
  return n;
}

/**
 * Checks a reconstruction of `record` (its image and latent) against the stored checksum;
 * `expected` (the record's own image, e.g. decoded from z0 with the residual) adds a sample count.
 */
export function checkReconstruction(record: Inversion, result: { readonly image: RasterImage; readonly latent: Float32Array }, expected?: RasterImage): ReconstructionCheck {
  const stored = storedPixelChecksum(record);
  const reason = record.pixels === undefined ? 'no-residual' : stored === undefined ? 'no-checksum' : pixelChecksum(result.image) === stored ? undefined : 'checksum-mismatch';
  return {
    exact: reason === undefined,
    ...(reason !== undefined ? { reason } : {}),
    latentSamplesEqual: equalCount(result.latent, record.z0),
    latentSamples: record.z0.length,
    ...(expected !== undefined ? { pixelSamplesEqual: equalCount(result.image.data, expected.data) } : {}),
    pixelSamples: result.image.data.length,
  };
}
