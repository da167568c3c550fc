/**
 * Scene rasterizer: draws a {@link SceneSpec} into an 8-bit RGB image with anti-aliased edges
 * (supersampling) and crisp per-object visibility masks (pixel-centre tests).
 */
import { RepriseError } from '../../src/errors.js';
import type { RasterImage } from '../../src/io/image/types.js';
import { insidePlacedShape, rasterizeShape, type PlacedShape } from './geometry.js';
import { parseSceneSpec, placeObjects, sceneCaption, type CaptionOptions, type SceneBackground, type SceneSpec } from './spec.js';
import { COLOURS, textureShade, type Rgb } from './vocabulary.js';

export { randomScene, type RandomSceneOptions } from './random-scene.js';
export { sceneSpecSchema, type SceneSpec } from './spec.js';

/** Options of {@link renderScene}. */
export interface RenderOptions {
  /** Samples per pixel along each axis (default 4, i.e. 16 samples per pixel); 1 disables anti-aliasing. */
  readonly supersample?: number;
  /** What the caption mentions besides colours and shapes. */
  readonly caption?: CaptionOptions;
}

/** A rendered scene. */
export interface RenderedScene {
  /** `size × size`, 3 channels, 8-bit. */
  readonly image: RasterImage;
  /**
   * One mask per object, in spec order, `size · size` bytes, 1 where the object is visible at the
   * pixel centre: later objects are on top, so an earlier object's mask loses the pixels they cover.
   */
  readonly masks: Uint8Array[];
  /** The scene caption ({@link sceneCaption}). */
  readonly caption: string;
}

/** Period of the stripe and checker textures, as a fraction of the image side. */
const TEXTURE_PERIOD = 1 / 8;

/** Background colour at the continuous pixel-space point `(x, y)`. */
function backgroundAt(bg: SceneBackground, base: Rgb, shade: Rgb, size: number, x: number, y: number): Rgb {
  const period = size * TEXTURE_PERIOD;
  switch (bg.texture) {
    case 'plain':
      return base;
    case 'stripes':
      // Diagonal stripes, each half a period wide.
      return Math.floor((x + y) / period) % 2 === 0 ? base : shade;
    case 'checker':
      return (Math.floor(x / period) + Math.floor(y / period)) % 2 === 0 ? base : shade;
    case 'gradient': {
      const t = Math.min(1, Math.max(0, y / size));
      return [base[0] + (shade[0] - base[0]) * t, base[1] + (shade[1] - base[1]) * t, base[2] + (shade[2] - base[2]) * t];
    }
  }
}

/**
 * Renders a scene at `size × size` pixels.
 *
 * Colours are averaged in sRGB over `supersample²` regularly spaced samples per pixel, so shape
 * edges are smooth; masks test the pixel centre only, so they are crisp. Objects may overlap and
 * may extend past the frame (they are clipped); {@link randomScene} avoids both.
 *
 * @throws RepriseError `RUNTIME_INPUT` when the spec is invalid or `size`/`supersample` are not positive integers.
 */
export function renderScene(spec: SceneSpec, size = 64, options: RenderOptions = {}): RenderedScene {
  const scene = parseSceneSpec(spec);
  const ss = options.supersample ?? 4;
  if (!Number.isInteger(size) || size < 1 || size > 4096) {
    throw new RepriseError('RUNTIME_INPUT', `Scene size must be an integer in 1..4096, got ${size}`);
  }
  if (!Number.isInteger(ss) || ss < 1 || ss > 16) {
    throw new RepriseError('RUNTIME_INPUT', `supersample must be an integer in 1..16, got ${ss}`);
  }
  const placed = placeObjects(scene, size);
  const colours = scene.objects.map((o) => COLOURS[o.colour]);
  const base = COLOURS[scene.background.colour];
  const shade = textureShade(base);
  const data = new Uint8Array(size * size * 3);
  const inv = 1 / (ss * ss);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < ss; sy++) {
        const y = py + (sy + 0.5) / ss;
        for (let sx = 0; sx < ss; sx++) {
          const x = px + (sx + 0.5) / ss;
          let c: Rgb | undefined;
          for (let k = placed.length - 1; k >= 0 && c === undefined; k--) {
            if (insidePlacedShape(placed[k] as PlacedShape, x, y)) c = colours[k];
          }
          c ??= backgroundAt(scene.background, base, shade, size, x, y);
          r += c[0];
          g += c[1];
          b += c[2];
        }
      }
      const o = (py * size + px) * 3;
      data[o] = Math.round(r * inv);
      data[o + 1] = Math.round(g * inv);
      data[o + 2] = Math.round(b * inv);
    }
  }
  const masks = placed.map((p) => rasterizeShape(p, size, size));
  for (let k = 1; k < masks.length; k++) {
    const top = masks[k] as Uint8Array;
    for (let j = 0; j < k; j++) {
      const below = masks[j] as Uint8Array;
      for (let i = 0; i < top.length; i++) if (top[i] === 1) below[i] = 0;
    }
  }
  return {
    image: { width: size, height: size, channels: 3, bitDepth: 8, data },
    masks,
    caption: sceneCaption(scene, options.caption),
  };
}
