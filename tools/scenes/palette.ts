/**
 * Per-pixel colour names for judging a generated or edited image against a scene: each pixel gets the
 * named colour nearest to it (Euclidean, 8-bit sRGB). A textured background's second tone
 * ({@link textureShade}) counts as the background's own colour: the renderer draws it, so a pixel
 * of that tone is background, not the named colour that happens to lie nearest (black's shade is
 * nearest brown, for example).
 */
import type { RasterImage } from '../../src/io/image/types.js';
import type { SceneBackground } from './spec.js';
import { COLOUR_NAMES, COLOURS, colourDistance2, textureShade, type ColourName, type Rgb } from './vocabulary.js';

interface PaletteEntry {
  readonly rgb: Rgb;
  readonly index: number;
}

function palette(background: SceneBackground): PaletteEntry[] {
  const entries = COLOUR_NAMES.map((name, index) => ({ rgb: COLOURS[name], index }));
  if (background.texture !== 'plain') entries.push({ rgb: textureShade(COLOURS[background.colour]), index: COLOUR_NAMES.indexOf(background.colour) });
  return entries;
}

/** The colour name of every pixel, as indices into {@link COLOUR_NAMES} (8-bit RGB or gray; alpha ignored; 16-bit scaled). */
export function colourLabels(image: RasterImage, background: SceneBackground): Uint8Array {
  const entries = palette(background);
  const n = image.width * image.height;
  const ch = image.channels;
  const s = image.bitDepth === 16 ? 1 / 257 : 1;
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const r = (image.data[p * ch] as number) * s;
    const g = ch <= 2 ? r : (image.data[p * ch + 1] as number) * s;
    const b = ch <= 2 ? r : (image.data[p * ch + 2] as number) * s;
    let best = 0;
    let bestD = Infinity;
    for (const e of entries) {
      const d = colourDistance2([r, g, b], e.rgb);
      if (d < bestD) {
        bestD = d;
        best = e.index;
      }
    }
    out[p] = best;
  }
  return out;
}

/** Mask of the pixels labelled `colour` by {@link colourLabels}. */
export function labelMask(labels: Uint8Array, colour: ColourName): Uint8Array {
  const k = COLOUR_NAMES.indexOf(colour);
  const out = new Uint8Array(labels.length);
  for (let p = 0; p < labels.length; p++) if (labels[p] === k) out[p] = 1;
  return out;
}
