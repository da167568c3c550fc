/**
 * Visualisations: attention/difference heatmaps over an image, and labelled image grids for reports.
 */
import { RepriseError } from '../../errors.js';
import { getImageBackend } from './backend.js';
import { colormap, type ColormapName } from './colormap.js';
import { assertRaster, createRaster, toRgba8 } from './raster.js';
import { resizeRaster } from './raster-resize.js';
import type { ImageBackend, RasterImage } from './types.js';

/** Options of {@link heatmapOverlay}. */
export interface HeatmapOptions {
  /** Default `viridis`. */
  readonly colormap?: ColormapName;
  /** Weight of the heatmap colour over the image, 0..1 (default 0.6). */
  readonly opacity?: number;
  /** Fixed normalisation range; default: the map's own min..max (a constant map reads as 0). */
  readonly range?: { readonly min: number; readonly max: number };
}

function bad(message: string, hint: string): never {
  throw new RepriseError('RUNTIME_INPUT', message, { hint });
}

/** Normalises to [0, 1]: min-max or a fixed range; non-finite values read as the minimum. */
function normalise(map: Float32Array, range: HeatmapOptions['range']): Float32Array {
  let lo = range?.min ?? Infinity;
  let hi = range?.max ?? -Infinity;
  if (!range) {
    for (const v of map) {
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  const span = hi - lo;
  const out = new Float32Array(map.length);
  if (!(span > 0)) return out;
  for (let i = 0; i < map.length; i++) {
    const v = map[i] ?? 0;
    out[i] = Number.isFinite(v) ? Math.min(1, Math.max(0, (v - lo) / span)) : 0;
  }
  return out;
}

/** Bilinear sample of a `w × h` map at output pixel centres of a `W × H` grid (clamped at edges). */
function upsample(map: Float32Array, w: number, h: number, W: number, H: number): Float32Array {
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const v = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / H - 0.5));
    const y0 = Math.floor(v);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = v - y0;
    for (let x = 0; x < W; x++) {
      const u = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / W - 0.5));
      const x0 = Math.floor(u);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = u - x0;
      const top = (map[y0 * w + x0] ?? 0) * (1 - fx) + (map[y0 * w + x1] ?? 0) * fx;
      const bottom = (map[y1 * w + x0] ?? 0) * (1 - fx) + (map[y1 * w + x1] ?? 0) * fx;
      out[y * W + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/**
 * Colours a scalar map (`mapW × mapH`, row-major; e.g. a cross-attention map at latent resolution)
 * and blends it over the image. The map is normalised to [0, 1], upsampled bilinearly to the image
 * size and coloured with a colormap. Returns 8-bit RGB at the image's size (any alpha is first
 * composited onto white; gray and 16-bit inputs are converted).
 */
export function heatmapOverlay(img: RasterImage, map: Float32Array, mapW: number, mapH: number, opts: HeatmapOptions = {}): RasterImage {
  assertRaster(img);
  if (!Number.isInteger(mapW) || !Number.isInteger(mapH) || mapW < 1 || mapH < 1 || map.length !== mapW * mapH) {
    bad(`Heatmap of ${map.length} values does not match its size ${mapW}×${mapH}`, 'Pass the map with its width and height (map.length = mapW · mapH).');
  }
  const opacity = opts.opacity ?? 0.6;
  if (!(opacity >= 0 && opacity <= 1)) bad(`Heatmap opacity must be in [0, 1], got ${opacity}`, 'Use e.g. 0.6.');
  const values = upsample(normalise(map, opts.range), mapW, mapH, img.width, img.height);
  const rgba = toRgba8(img);
  const out = createRaster(img.width, img.height, 3, 8);
  const name = opts.colormap ?? 'viridis';
  for (let p = 0; p < img.width * img.height; p++) {
    const a = (rgba[p * 4 + 3] ?? 255) / 255;
    const colour = colormap(name, values[p] ?? 0);
    for (let k = 0; k < 3; k++) {
      const base = (rgba[p * 4 + k] ?? 0) * a + 255 * (1 - a);
      out.data[p * 3 + k] = Math.round(base * (1 - opacity) + (colour[k] ?? 0) * opacity);
    }
  }
  return out;
}

/** Options of {@link imageGrid}. */
export interface GridOptions {
  /** Cells per row (≥ 1). */
  readonly columns: number;
  /** One caption per image, drawn under its cell when the backend renders SVG (sharp); omitted with jimp. */
  readonly labels?: readonly string[];
  /** Cell size in pixels (a number for square cells); default: the largest image width and height. */
  readonly cellSize?: number | { readonly width: number; readonly height: number };
  /** Space between and around cells (default 8). */
  readonly gap?: number;
  /** Backend used for labels (default: {@link getImageBackend}). */
  readonly backend?: ImageBackend;
}

/** Height of the caption band under each cell when labels are drawn. */
export const GRID_LABEL_HEIGHT = 24;

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch] ?? ch);
}

/**
 * Lays images out in a grid on white: each image is scaled to fit its cell (aspect ratio kept,
 * centred; Lanczos-3). Returns 8-bit RGB of width `columns·cw + (columns+1)·gap` and height
 * `rows·(ch + label) + (rows+1)·gap`, where `label` is {@link GRID_LABEL_HEIGHT} when labels are given
 * and the backend can render SVG text (sharp), else 0 (jimp: labels are omitted).
 */
export async function imageGrid(images: readonly RasterImage[], opts: GridOptions): Promise<RasterImage> {
  if (images.length === 0) bad('Cannot build an image grid from no images', 'Pass at least one image.');
  if (!Number.isInteger(opts.columns) || opts.columns < 1) bad(`Grid columns must be a positive integer, got ${opts.columns}`, 'Use e.g. columns: 4.');
  images.forEach((img) => assertRaster(img));
  if (opts.labels && opts.labels.length !== images.length) {
    bad(`The grid has ${images.length} images but ${opts.labels.length} labels`, 'Pass one label per image (an empty string for none).');
  }
  const gap = opts.gap ?? 8;
  const cell = opts.cellSize;
  const cw = typeof cell === 'number' ? cell : (cell?.width ?? Math.max(...images.map((i) => i.width)));
  const ch = typeof cell === 'number' ? cell : (cell?.height ?? Math.max(...images.map((i) => i.height)));
  if (!Number.isInteger(cw) || !Number.isInteger(ch) || cw < 1 || ch < 1 || !Number.isInteger(gap) || gap < 0) {
    bad(`Grid cell ${cw}×${ch} with gap ${gap} is invalid`, 'Use positive integer cell sizes and a non-negative integer gap.');
  }
  const backend = opts.labels ? (opts.backend ?? (await getImageBackend())) : undefined;
  const drawLabels = backend?.overlaySvg !== undefined;
  const labelH = drawLabels ? GRID_LABEL_HEIGHT : 0;
  const columns = Math.min(opts.columns, images.length);
  const rows = Math.ceil(images.length / columns);
  const W = columns * cw + (columns + 1) * gap;
  const H = rows * (ch + labelH) + (rows + 1) * gap;
  const out = createRaster(W, H, 3, 8);
  out.data.fill(255);
  const texts: string[] = [];
  images.forEach((img, i) => {
    const scale = Math.min(cw / img.width, ch / img.height);
    const w = Math.max(1, Math.min(cw, Math.round(img.width * scale)));
    const h = Math.max(1, Math.min(ch, Math.round(img.height * scale)));
    const fitted = w === img.width && h === img.height ? img : resizeRaster(img, w, h, 'lanczos3');
    const rgba = toRgba8(fitted);
    const cx = gap + (i % columns) * (cw + gap);
    const cy = gap + Math.floor(i / columns) * (ch + labelH + gap);
    const ox = cx + Math.floor((cw - w) / 2);
    const oy = cy + Math.floor((ch - h) / 2);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = (y * w + x) * 4;
        const d = ((oy + y) * W + ox + x) * 3;
        const a = (rgba[s + 3] ?? 255) / 255;
        for (let k = 0; k < 3; k++) out.data[d + k] = Math.round((rgba[s + k] ?? 0) * a + 255 * (1 - a));
      }
    }
    const label = opts.labels?.[i];
    if (drawLabels && label) {
      texts.push(
        `<text x="${cx + cw / 2}" y="${cy + ch + labelH - 7}" text-anchor="middle" font-family="sans-serif" font-size="14" fill="#222">${escapeXml(label)}</text>`,
      );
    }
  });
  if (!backend?.overlaySvg || texts.length === 0) return out;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${texts.join('')}</svg>`;
  return backend.overlaySvg(out, svg);
}
