/**
 * Geometry between an image's own size and the model's size (a multiple of 8 for SD VAEs).
 *
 * A plan says which rectangle of the original (`source`) is resampled into which rectangle of the
 * model canvas (`content`); the rest of the canvas is padding (edge pixels repeated). Going back, the
 * content rectangle is resampled to the source rectangle; original pixels outside the source rectangle
 * (cropped away) have no model output and are filled by repeating the nearest edge (or with a
 * constant, for masks).
 *
 * Policies (`m` = multiple, `T` = targetSize rounded up to a multiple of `m`):
 * - `fit`: the whole image, resized so each side is the nearest multiple of `m` (aspect ratio kept to
 *   within half a multiple). With `T`: the longest side becomes `T` first.
 * - `crop`: without `T`, each side is cut down to a multiple of `m`, centred, without resampling; with
 *   `T`, the centred square of side min(w, h) is resized to exactly `T × T`.
 * - `pad`: without `T`, each side is padded up to a multiple of `m`, centred, without resampling; with
 *   `T`, the image is resized so its longest side is `T` and padded to exactly `T × T` (letterbox).
 * Sides never go below `m`.
 */
import { RepriseError } from '../../errors.js';
import { resampleFloat, type ResampleKernel } from './resample.js';

/** How an image is fitted to the model's size; see the module TSDoc. */
export type ResizePolicy = 'fit' | 'crop' | 'pad';

/** An axis-aligned rectangle in pixels. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The geometry part of a model transform (plain numbers, JSON-serialisable). */
export interface GeometryPlan {
  readonly policy: ResizePolicy;
  readonly kernel: ResampleKernel;
  readonly originalWidth: number;
  readonly originalHeight: number;
  readonly modelWidth: number;
  readonly modelHeight: number;
  /** The region of the original that the model sees. */
  readonly source: Rect;
  /** Where that region lands in the model canvas. */
  readonly content: Rect;
}

/** Options of {@link planGeometry}. */
export interface GeometryOptions {
  /** Model sizes must be multiples of this (8 for SD VAEs). */
  readonly multiple: number;
  readonly policy: ResizePolicy;
  /** Longest side (`fit`, `pad`) or square side (`crop`, `pad`); see the module TSDoc. */
  readonly targetSize?: number;
  /** Resampling kernel (default `lanczos3`). */
  readonly kernel?: ResampleKernel;
}

function bad(message: string): never {
  throw new RepriseError('RUNTIME_INPUT', message, { hint: 'Use a positive integer multiple (8 for SD VAEs) and a positive target size.' });
}

/** Plans the geometry for an image of `width × height`. */
export function planGeometry(width: number, height: number, opts: GeometryOptions): GeometryPlan {
  const m = opts.multiple;
  if (!Number.isInteger(m) || m < 1) bad(`multiple must be a positive integer, got ${m}`);
  if (opts.targetSize !== undefined && !(Number.isFinite(opts.targetSize) && opts.targetSize >= 1)) bad(`targetSize must be a positive number, got ${opts.targetSize}`);
  const round = (v: number): number => Math.max(m, Math.round(v / m) * m);
  const ceil = (v: number): number => Math.max(m, Math.ceil(v / m) * m);
  const floor = (v: number): number => Math.max(m, Math.floor(v / m) * m);
  const kernel = opts.kernel ?? 'lanczos3';
  const base = { policy: opts.policy, kernel, originalWidth: width, originalHeight: height };
  const full: Rect = { x: 0, y: 0, width, height };
  const T = opts.targetSize === undefined ? undefined : ceil(opts.targetSize);
  const longest = Math.max(width, height);
  switch (opts.policy) {
    case 'fit': {
      const s = T === undefined ? 1 : T / longest;
      const W = round(width * s);
      const H = round(height * s);
      return { ...base, modelWidth: W, modelHeight: H, source: full, content: { x: 0, y: 0, width: W, height: H } };
    }
    case 'crop': {
      if (T !== undefined) {
        const side = Math.min(width, height);
        const source = { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), width: side, height: side };
        return { ...base, modelWidth: T, modelHeight: T, source, content: { x: 0, y: 0, width: T, height: T } };
      }
      const W = floor(width);
      const H = floor(height);
      const sw = Math.min(width, W);
      const sh = Math.min(height, H);
      const source = { x: Math.floor((width - sw) / 2), y: Math.floor((height - sh) / 2), width: sw, height: sh };
      return { ...base, modelWidth: W, modelHeight: H, source, content: { x: 0, y: 0, width: W, height: H } };
    }
    case 'pad': {
      if (T !== undefined) {
        const s = T / longest;
        const cw = Math.min(T, Math.max(1, Math.round(width * s)));
        const ch = Math.min(T, Math.max(1, Math.round(height * s)));
        const content = { x: Math.floor((T - cw) / 2), y: Math.floor((T - ch) / 2), width: cw, height: ch };
        return { ...base, modelWidth: T, modelHeight: T, source: full, content };
      }
      const W = ceil(width);
      const H = ceil(height);
      const content = { x: Math.floor((W - width) / 2), y: Math.floor((H - height) / 2), width, height };
      return { ...base, modelWidth: W, modelHeight: H, source: full, content };
    }
  }
}

/** Copies rectangle `r` out of interleaved samples `w × h × c`. */
function extract(src: Float32Array, w: number, c: number, r: Rect): Float32Array {
  if (r.x === 0 && r.y === 0 && r.width === w && src.length === r.width * r.height * c) return src;
  const out = new Float32Array(r.width * r.height * c);
  const row = r.width * c;
  for (let y = 0; y < r.height; y++) out.set(src.subarray(((r.y + y) * w + r.x) * c, ((r.y + y) * w + r.x) * c + row), y * row);
  return out;
}

/**
 * Places `src` (`r.width × r.height × c`) at `r` in a `W × H` canvas; other pixels repeat the nearest
 * edge pixel of `src`, or take `fill` when given.
 */
function place(src: Float32Array, r: Rect, c: number, W: number, H: number, fill?: number): Float32Array {
  if (r.x === 0 && r.y === 0 && r.width === W && r.height === H) return src;
  const out = new Float32Array(W * H * c);
  if (fill !== undefined) out.fill(fill);
  for (let y = 0; y < H; y++) {
    const inside = y >= r.y && y < r.y + r.height;
    if (fill !== undefined && !inside) continue;
    const sy = Math.min(r.height - 1, Math.max(0, y - r.y));
    for (let x = 0; x < W; x++) {
      const insideX = x >= r.x && x < r.x + r.width;
      if (fill !== undefined && !insideX) continue;
      const sx = Math.min(r.width - 1, Math.max(0, x - r.x));
      const s = (sy * r.width + sx) * c;
      const d = (y * W + x) * c;
      for (let k = 0; k < c; k++) out[d + k] = src[s + k] ?? 0;
    }
  }
  return out;
}

/** Original geometry → model canvas (interleaved, `c` channels). */
export function toModelGeometry(src: Float32Array, c: number, plan: GeometryPlan): Float32Array {
  const region = extract(src, plan.originalWidth, c, plan.source);
  const resized = resampleFloat(region, plan.source.width, plan.source.height, c, plan.content.width, plan.content.height, plan.kernel);
  return place(resized, plan.content, c, plan.modelWidth, plan.modelHeight);
}

/**
 * Model canvas → original geometry (interleaved, `c` channels). Pixels outside the source rectangle
 * repeat the nearest edge, or take `fill` when given (use 0 for masks: nothing was edited there).
 */
export function fromModelGeometry(src: Float32Array, c: number, plan: GeometryPlan, fill?: number): Float32Array {
  const region = extract(src, plan.modelWidth, c, plan.content);
  const resized = resampleFloat(region, plan.content.width, plan.content.height, c, plan.source.width, plan.source.height, plan.kernel);
  return place(resized, plan.source, c, plan.originalWidth, plan.originalHeight, fill);
}
