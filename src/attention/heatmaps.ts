/**
 * Attention heatmaps: per-token overlays of the stored cross-attention maps on the image, and a
 * labelled grid of them (prompt-to-prompt's `show_cross_attention`).
 */
import { heatmapOverlay, imageGrid } from '../io/image/heatmap.js';
import type { RasterImage } from '../io/image/types.js';
import type { ClipTokenizer } from '../tokenizer/index.js';

/** One token's heatmap. */
export interface TokenHeatmap {
  /** Position in the encoded prompt (0 = bos). */
  readonly index: number;
  /** The token text without the `</w>` marker. */
  readonly token: string;
  /** The raw map [height·width]. */
  readonly map: Float32Array;
  /** The map over the image. */
  readonly overlay: RasterImage;
}

/**
 * The map of every prompt token (bos and eos excluded) of one branch's maps [h·w·tokens];
 * `resolution` is the map side, or [height, width] for non-square maps.
 */
export function tokenHeatmaps(tokenizer: ClipTokenizer, prompt: string, maps: Float32Array, resolution: number | readonly [number, number], image: RasterImage, tokens = 77): TokenHeatmap[] {
  const pieces = tokenizer.tokenize(prompt).slice(0, tokens - 2);
  const [mh, mw] = typeof resolution === 'number' ? [resolution, resolution] : resolution;
  const R2 = mh * mw;
  return pieces.map((piece, i) => {
    const index = i + 1;
    const map = new Float32Array(R2);
    for (let q = 0; q < R2; q++) map[q] = maps[q * tokens + index] as number;
    return { index, token: piece.replace(/<\/w>$/, ''), map, overlay: heatmapOverlay(image, map, mw, mh) };
  });
}

/** A grid of the image and its token overlays, labelled with the tokens. */
export function heatmapGrid(image: RasterImage, heatmaps: readonly TokenHeatmap[], options: { columns?: number; cellSize?: number } = {}): Promise<RasterImage> {
  const images = [image, ...heatmaps.map((h) => h.overlay)];
  const labels = ['image', ...heatmaps.map((h) => h.token)];
  return imageGrid(images, { columns: options.columns ?? Math.min(images.length, 6), labels, ...(options.cellSize ? { cellSize: options.cellSize } : {}) });
}
