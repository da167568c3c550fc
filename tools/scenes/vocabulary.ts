/**
 * The words a synthetic scene is made of: named colours, shapes, sizes, positions and background
 * textures. Every scene caption is built from these words only, so a small text-to-image model
 * trained on rendered scenes sees a closed vocabulary.
 */

/** An sRGB colour, 8 bits per channel. */
export type Rgb = readonly [number, number, number];

/** Colour names, in a fixed order (the order random choices index into). */
export const COLOUR_NAMES = [
  'red',
  'green',
  'blue',
  'yellow',
  'orange',
  'purple',
  'white',
  'black',
  'pink',
  'brown',
  'gray',
  'cyan',
] as const;

/** A named colour. */
export type ColourName = (typeof COLOUR_NAMES)[number];

/**
 * sRGB value of each named colour. Chosen so every pair is at least 90 apart (Euclidean in 8-bit
 * sRGB), which keeps nearest-colour classification of a mean colour unambiguous even when edge
 * pixels blend with the background.
 */
export const COLOURS: Readonly<Record<ColourName, Rgb>> = {
  red: [220, 30, 30],
  green: [30, 170, 50],
  blue: [30, 60, 220],
  yellow: [245, 225, 35],
  orange: [250, 135, 20],
  purple: [135, 40, 180],
  white: [250, 250, 250],
  black: [15, 15, 15],
  pink: [250, 145, 205],
  brown: [115, 65, 25],
  gray: [128, 128, 128],
  cyan: [30, 210, 230],
};

/** Shape names, in a fixed order. */
export const SHAPE_NAMES = ['circle', 'square', 'triangle', 'star', 'diamond', 'hexagon', 'heart'] as const;

/** A named shape. */
export type ShapeName = (typeof SHAPE_NAMES)[number];

/** Size names, smallest first. */
export const SIZE_NAMES = ['small', 'medium', 'large'] as const;

/** A named object size. */
export type SizeName = (typeof SIZE_NAMES)[number];

/**
 * Radius of each size as a fraction of the image side. The radius is the shape's circumradius:
 * every shape lies inside the circle of that radius around its centre.
 */
export const SIZE_RADIUS: Readonly<Record<SizeName, number>> = {
  small: 0.12,
  medium: 0.18,
  large: 0.26,
};

/** Background textures. `plain` is a flat colour; the others modulate the colour with a shade of itself. */
export const TEXTURE_NAMES = ['plain', 'stripes', 'checker', 'gradient'] as const;

/** A named background texture. */
export type TextureName = (typeof TEXTURE_NAMES)[number];

/** The adjective a caption uses for each texture (`plain` adds none). */
export const TEXTURE_ADJECTIVE: Readonly<Record<TextureName, string | undefined>> = {
  plain: undefined,
  stripes: 'striped',
  checker: 'checkered',
  gradient: 'gradient',
};

/** Position names: the nine cells of a 3 × 3 grid over the frame. */
export const POSITION_NAMES = [
  'top left',
  'top',
  'top right',
  'left',
  'center',
  'right',
  'bottom left',
  'bottom',
  'bottom right',
] as const;

/** A named position. */
export type PositionName = (typeof POSITION_NAMES)[number];

/** Centre of each position cell (fractions of the frame, origin top left) and its caption phrase. */
export const POSITIONS: Readonly<Record<PositionName, { readonly x: number; readonly y: number; readonly phrase: string }>> = {
  'top left': { x: 1 / 6, y: 1 / 6, phrase: 'in the top left' },
  top: { x: 0.5, y: 1 / 6, phrase: 'at the top' },
  'top right': { x: 5 / 6, y: 1 / 6, phrase: 'in the top right' },
  left: { x: 1 / 6, y: 0.5, phrase: 'on the left' },
  center: { x: 0.5, y: 0.5, phrase: 'in the center' },
  right: { x: 5 / 6, y: 0.5, phrase: 'on the right' },
  'bottom left': { x: 1 / 6, y: 5 / 6, phrase: 'in the bottom left' },
  bottom: { x: 0.5, y: 5 / 6, phrase: 'at the bottom' },
  'bottom right': { x: 5 / 6, y: 5 / 6, phrase: 'in the bottom right' },
};

/** The named position (3 × 3 grid cell) containing the point `(x, y)`, given as fractions of the frame. */
export function positionName(x: number, y: number): PositionName {
  const col = x < 1 / 3 ? 0 : x < 2 / 3 ? 1 : 2;
  const row = y < 1 / 3 ? 0 : y < 2 / 3 ? 1 : 2;
  return POSITION_NAMES[row * 3 + col] as PositionName;
}

/**
 * The second tone of a textured background: the colour darkened by 20 % (or, for dark colours,
 * lightened 20 % toward white). Small enough that the texture's mean stays nearest its own name.
 */
export function textureShade(colour: Rgb): Rgb {
  const luma = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2];
  if (luma > 64) return [colour[0] * 0.8, colour[1] * 0.8, colour[2] * 0.8];
  return [colour[0] + (255 - colour[0]) * 0.2, colour[1] + (255 - colour[1]) * 0.2, colour[2] + (255 - colour[2]) * 0.2];
}

/** Squared Euclidean distance between two colours. */
export function colourDistance2(a: Rgb, b: Rgb): number {
  return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2;
}

/** The named colour nearest to `rgb` (Euclidean in sRGB), among `candidates` (default: all). */
export function nearestColour(rgb: Rgb, candidates: readonly ColourName[] = COLOUR_NAMES): ColourName {
  let best: ColourName | undefined;
  let bestD = Infinity;
  for (const name of candidates) {
    const d = colourDistance2(rgb, COLOURS[name]);
    if (d < bestD) {
      bestD = d;
      best = name;
    }
  }
  if (best === undefined) throw new RangeError('nearestColour needs at least one candidate colour');
  return best;
}
