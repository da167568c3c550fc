/**
 * The `RUNTIME_INPUT` errors every image function throws: each names the image and says what to do.
 */
import { RepriseError } from '../../errors.js';

/** Default name for data that has no path. */
export const UNNAMED_IMAGE = 'image data';

/** What went wrong with an input image. */
export type ImageProblem =
  | { readonly kind: 'not-an-image'; readonly detail: string }
  | { readonly kind: 'corrupt'; readonly detail: string }
  | { readonly kind: 'too-many-pixels'; readonly width: number; readonly height: number; readonly maxPixels: number }
  | { readonly kind: 'unsupported'; readonly detail: string; readonly hint: string };

/** Builds the `RUNTIME_INPUT` error for a problem with the image named `label`. */
export function imageInputError(label: string | undefined, problem: ImageProblem, cause?: unknown): RepriseError {
  const name = label ?? UNNAMED_IMAGE;
  switch (problem.kind) {
    case 'not-an-image':
      return new RepriseError('RUNTIME_INPUT', `${name} is not an image Reprise can read: ${problem.detail}`, {
        hint: 'Pass a PNG, JPEG, WebP, GIF, BMP or TIFF file (check the path and that the file is not empty).',
        cause,
      });
    case 'corrupt':
      return new RepriseError('RUNTIME_INPUT', `Cannot decode ${name}: ${problem.detail}`, {
        hint: 'The file is damaged or truncated; re-export or re-download it.',
        cause,
      });
    case 'too-many-pixels': {
      const pixels = problem.width * problem.height;
      return new RepriseError(
        'RUNTIME_INPUT',
        `${name} is ${problem.width}×${problem.height} = ${pixels} pixels, more than the limit of ${problem.maxPixels}; it was not decoded`,
        { hint: 'Downscale the image first, or raise maxPixels (--max-pixels) if you trust the file and have the memory.', cause },
      );
    }
    case 'unsupported':
      return new RepriseError('RUNTIME_INPUT', `Cannot decode ${name}: ${problem.detail}`, { hint: problem.hint, cause });
  }
}

/** Throws when `width · height` exceeds `maxPixels` (or `maxPixels` is not a positive number). */
export function checkPixelCap(label: string | undefined, width: number, height: number, maxPixels: number): void {
  if (!(maxPixels > 0)) {
    throw new RepriseError('RUNTIME_INPUT', `maxPixels must be a positive number, got ${maxPixels} (decoding ${label ?? UNNAMED_IMAGE})`, {
      hint: 'Pass a pixel budget such as 64e6.',
    });
  }
  if (width * height > maxPixels) throw imageInputError(label, { kind: 'too-many-pixels', width, height, maxPixels });
}
