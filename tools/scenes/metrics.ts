/**
 * Edit-quality measurements on rendered scenes: PSNR and SSIM (optionally restricted to a mask),
 * mask IoU, the named colour of a region and the named shape of a mask.
 *
 * Masks are `width · height` bytes, row-major, non-zero meaning "inside".
 */
import { RepriseError } from '../../src/errors.js';
import type { RasterImage } from '../../src/io/image/types.js';
import { insidePlacedShape, unitShapeMoments, type PlacedShape } from './geometry.js';
import { COLOUR_NAMES, SHAPE_NAMES, nearestColour, type ColourName, type Rgb, type ShapeName } from './vocabulary.js';

function inputError(message: string, hint?: string): RepriseError {
  return new RepriseError('RUNTIME_INPUT', message, hint === undefined ? undefined : { hint });
}

function checkPair(a: RasterImage, b: RasterImage, mask: Uint8Array | undefined, what: string): void {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels || a.bitDepth !== b.bitDepth) {
    throw inputError(
      `${what}: images differ in layout (${a.width}×${a.height}×${a.channels}@${a.bitDepth} vs ${b.width}×${b.height}×${b.channels}@${b.bitDepth})`,
      'Compare images of the same size, channel count and bit depth.',
    );
  }
  if (mask !== undefined) checkMask(mask, a.width * a.height, what);
}

function checkMask(mask: Uint8Array, pixels: number, what: string): void {
  if (mask.length !== pixels) throw inputError(`${what}: mask has ${mask.length} entries, the image has ${pixels} pixels`);
}

function peak(img: RasterImage): number {
  return img.bitDepth === 16 ? 65535 : 255;
}

/**
 * Peak signal-to-noise ratio in dB, `10 · log10(peak² / MSE)` with peak 255 (65535 for 16-bit),
 * the MSE taken over every channel of the pixels inside `mask` (all pixels when absent).
 * Identical images (MSE 0) give `Infinity` — no cap is applied.
 *
 * @throws RepriseError `RUNTIME_INPUT` on mismatched layouts or an empty mask.
 */
export function psnr(a: RasterImage, b: RasterImage, mask?: Uint8Array): number {
  checkPair(a, b, mask, 'psnr');
  const ch = a.channels;
  let sum = 0;
  let count = 0;
  const pixels = a.width * a.height;
  for (let p = 0; p < pixels; p++) {
    if (mask !== undefined && mask[p] === 0) continue;
    for (let c = 0; c < ch; c++) {
      const d = (a.data[p * ch + c] as number) - (b.data[p * ch + c] as number);
      sum += d * d;
    }
    count += ch;
  }
  if (count === 0) throw inputError('psnr: the mask selects no pixel');
  const mse = sum / count;
  if (mse === 0) return Infinity;
  const l = peak(a);
  return 10 * Math.log10((l * l) / mse);
}

/** SSIM window: 11 taps, Gaussian σ = 1.5 (Wang et al. 2004), normalised to sum 1. */
const SSIM_WINDOW = ((): Float64Array => {
  const w = new Float64Array(11);
  let s = 0;
  for (let i = 0; i < 11; i++) {
    w[i] = Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5));
    s += w[i] as number;
  }
  for (let i = 0; i < 11; i++) w[i] = (w[i] as number) / s;
  return w;
})();

/** Separable convolution with {@link SSIM_WINDOW}, zero outside the image. */
function blur(src: Float64Array, width: number, height: number): Float64Array {
  const tmp = new Float64Array(src.length);
  const out = new Float64Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = -5; k <= 5; k++) {
        const xx = x + k;
        if (xx >= 0 && xx < width) s += (SSIM_WINDOW[k + 5] as number) * (src[y * width + xx] as number);
      }
      tmp[y * width + x] = s;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = -5; k <= 5; k++) {
        const yy = y + k;
        if (yy >= 0 && yy < height) s += (SSIM_WINDOW[k + 5] as number) * (tmp[yy * width + x] as number);
      }
      out[y * width + x] = s;
    }
  }
  return out;
}

/**
 * Mean structural similarity (Wang et al. 2004): 11 × 11 Gaussian window, σ = 1.5,
 * `C1 = (0.01 L)²`, `C2 = (0.03 L)²` with `L` = 255 (65535 for 16-bit), computed per channel and
 * averaged over channels and over the pixels inside `mask` (all pixels when absent).
 *
 * The local statistics are mask-weighted (normalised convolution): each window only uses pixels
 * inside the mask and inside the image, renormalising the Gaussian weights over them. Pixels
 * outside the mask therefore have no influence at all, and at the image border the window is
 * truncated rather than the border discarded. Identical images give exactly 1.
 *
 * @throws RepriseError `RUNTIME_INPUT` on mismatched layouts or an empty mask.
 */
export function ssim(a: RasterImage, b: RasterImage, mask?: Uint8Array): number {
  checkPair(a, b, mask, 'ssim');
  const { width, height, channels } = a;
  const n = width * height;
  const m = new Float64Array(n);
  let selected = 0;
  for (let p = 0; p < n; p++) {
    const inside = mask === undefined || mask[p] !== 0;
    m[p] = inside ? 1 : 0;
    if (inside) selected++;
  }
  if (selected === 0) throw inputError('ssim: the mask selects no pixel');
  const l = peak(a);
  const c1 = (0.01 * l) ** 2;
  const c2 = (0.03 * l) ** 2;
  const wm = blur(m, width, height);
  let total = 0;
  for (let c = 0; c < channels; c++) {
    const mx = new Float64Array(n);
    const my = new Float64Array(n);
    const mxx = new Float64Array(n);
    const myy = new Float64Array(n);
    const mxy = new Float64Array(n);
    for (let p = 0; p < n; p++) {
      const x = a.data[p * channels + c] as number;
      const y = b.data[p * channels + c] as number;
      const w = m[p] as number;
      mx[p] = w * x;
      my[p] = w * y;
      mxx[p] = w * x * x;
      myy[p] = w * y * y;
      mxy[p] = w * x * y;
    }
    const [ex, ey, exx, eyy, exy] = [mx, my, mxx, myy, mxy].map((v) => blur(v, width, height)) as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    for (let p = 0; p < n; p++) {
      if (m[p] === 0) continue;
      const w = wm[p] as number;
      const ux = (ex[p] as number) / w;
      const uy = (ey[p] as number) / w;
      const vx = (exx[p] as number) / w - ux * ux;
      const vy = (eyy[p] as number) / w - uy * uy;
      const cxy = (exy[p] as number) / w - ux * uy;
      total += ((2 * ux * uy + c1) * (2 * cxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
    }
  }
  return total / (selected * channels);
}

/**
 * Intersection over union of two masks. Two empty masks count as identical (IoU 1).
 *
 * @throws RepriseError `RUNTIME_INPUT` when the masks differ in length.
 */
export function maskIoU(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw inputError(`maskIoU: masks differ in length (${a.length} vs ${b.length})`);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] !== 0;
    const y = b[i] !== 0;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}

/** The colour of pixel `p` as 8-bit RGB (gray is replicated; 16-bit is scaled to 8-bit; alpha ignored). */
function pixelRgb(img: RasterImage, p: number): Rgb {
  const ch = img.channels;
  const s = img.bitDepth === 16 ? 1 / 257 : 1;
  const o = p * ch;
  const r = (img.data[o] as number) * s;
  if (ch <= 2) return [r, r, r];
  return [r, (img.data[o + 1] as number) * s, (img.data[o + 2] as number) * s];
}

/**
 * Mean 8-bit RGB colour of the pixels inside `mask`.
 *
 * @throws RepriseError `RUNTIME_INPUT` on a mask of the wrong length or an empty mask.
 */
export function meanColour(image: RasterImage, mask: Uint8Array): Rgb {
  checkMask(mask, image.width * image.height, 'meanColour');
  let r = 0;
  let g = 0;
  let b = 0;
  let n = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] === 0) continue;
    const c = pixelRgb(image, p);
    r += c[0];
    g += c[1];
    b += c[2];
    n++;
  }
  if (n === 0) throw inputError('meanColour: the mask selects no pixel');
  return [r / n, g / n, b / n];
}

/**
 * The named colour nearest (Euclidean, 8-bit sRGB) to the mean colour inside `mask`, among
 * `candidates` (default all named colours).
 */
export function dominantColour(image: RasterImage, mask: Uint8Array, candidates: readonly ColourName[] = COLOUR_NAMES): ColourName {
  return nearestColour(meanColour(image, mask), candidates);
}

/** Mask of the pixels whose nearest named colour (among `candidates`, default all) is `colour`. */
export function colourMask(image: RasterImage, colour: ColourName, candidates: readonly ColourName[] = COLOUR_NAMES): Uint8Array {
  const n = image.width * image.height;
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) if (nearestColour(pixelRgb(image, p), candidates) === colour) out[p] = 1;
  return out;
}

/** IoU of one candidate shape fitted to a mask. */
export interface ShapeScore {
  readonly shape: ShapeName;
  readonly iou: number;
}

/** Options of {@link shapeScores} and {@link detectShape}. */
export interface DetectShapeOptions {
  /** Mask width in pixels (default: the square root of the mask length, which must then be an integer). */
  readonly width?: number;
  /** Shapes to consider (default all). */
  readonly candidates?: readonly ShapeName[];
}

/** Sub-pixel offsets tried around the centroid fit (pixels), absorbing rasterisation error of small masks. */
const FIT_OFFSETS = [-0.25, 0, 0.25] as const;
/** Relative scales tried around the area fit. */
const FIT_SCALES = [0.97, 1, 1.03] as const;
/** How many of the best plain fits are refined over the offset/scale grid. */
const REFINED = 3;

/** IoU of `mask` (with `area` set pixels) and the pixel-centre mask of `p`, visiting only `p`'s bounding box. */
function fittedIoU(mask: Uint8Array, width: number, height: number, area: number, p: PlacedShape): number {
  const x0 = Math.max(0, Math.floor(p.cx - p.r - 1));
  const x1 = Math.min(width - 1, Math.ceil(p.cx + p.r + 1));
  const y0 = Math.max(0, Math.floor(p.cy - p.r - 1));
  const y1 = Math.min(height - 1, Math.ceil(p.cy + p.r + 1));
  let ideal = 0;
  let inter = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (!insidePlacedShape(p, x + 0.5, y + 0.5)) continue;
      ideal++;
      if (mask[y * width + x] !== 0) inter++;
    }
  }
  return inter / (area + ideal - inter);
}

/**
 * Fits every candidate shape to `mask` and returns the IoUs, best first.
 *
 * Each candidate (upright, as drawn by the renderer) is scaled so its area equals the mask's
 * pixel count and placed so its area centroid sits on the mask's centroid; the three best fits are
 * then refined over a small grid of sub-pixel offsets (±0.25 px) and scales (±3 %), keeping the
 * best IoU of each. The ideal mask uses the renderer's pixel-centre rule.
 *
 * @throws RepriseError `RUNTIME_INPUT` on an empty mask or one whose width cannot be inferred.
 */
export function shapeScores(mask: Uint8Array, options: DetectShapeOptions = {}): ShapeScore[] {
  const width = options.width ?? Math.sqrt(mask.length);
  if (!Number.isInteger(width) || width <= 0 || mask.length % width !== 0) {
    throw inputError(`detectShape: cannot infer the mask's width from ${mask.length} entries`, 'Pass options.width.');
  }
  const height = mask.length / width;
  let area = 0;
  let sx = 0;
  let sy = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] === 0) continue;
    area++;
    sx += (p % width) + 0.5;
    sy += Math.floor(p / width) + 0.5;
  }
  if (area === 0) throw inputError('detectShape: the mask is empty');
  const mx = sx / area;
  const my = sy / area;
  const fit = (shape: ShapeName, dx: number, dy: number, s: number): number => {
    const mom = unitShapeMoments(shape);
    const r = Math.sqrt(area / mom.area) * s;
    return fittedIoU(mask, width, height, area, { shape, cx: mx + dx - r * mom.cx, cy: my + dy - r * mom.cy, r });
  };
  const scores = (options.candidates ?? SHAPE_NAMES).map((shape) => ({ shape, iou: fit(shape, 0, 0, 1) }));
  scores.sort((p, q) => q.iou - p.iou);
  for (let k = 0; k < Math.min(REFINED, scores.length); k++) {
    const entry = scores[k] as ShapeScore;
    let best = entry.iou;
    for (const s of FIT_SCALES) for (const dy of FIT_OFFSETS) for (const dx of FIT_OFFSETS) best = Math.max(best, fit(entry.shape, dx, dy, s));
    scores[k] = { shape: entry.shape, iou: best };
  }
  return scores.sort((p, q) => q.iou - p.iou);
}

/** The named shape whose fitted ideal mask has the highest IoU with `mask` (see {@link shapeScores}). */
export function detectShape(mask: Uint8Array, options: DetectShapeOptions = {}): ShapeName {
  const best = shapeScores(mask, options)[0];
  if (best === undefined) throw inputError('detectShape: no candidate shapes');
  return best.shape;
}
