/**
 * Judges one generated image against the scene its caption describes, with the renderer's own
 * masks as ground truth: is the background the caption's colour, and is each object there in its
 * colour, in its 3 × 3 cell (when the caption names positions) and in its shape?
 */
import { RepriseError } from '../../../src/errors.js';
import type { RasterImage } from '../../../src/io/image/types.js';
import { unitShapeMoments } from '../../scenes/geometry.js';
import { detectShape, maskIoU, psnr } from '../../scenes/metrics.js';
import { renderScene, type RenderedScene } from '../../scenes/render.js';
import type { SceneSpec } from '../../scenes/spec.js';
import { COLOUR_NAMES, POSITIONS, SIZE_NAMES, SIZE_RADIUS, positionName, type ColourName, type PositionName, type ShapeName } from '../../scenes/vocabulary.js';
import { maskArea } from '../../scenes/masks.js';
import { dilateUnion, largestComponent, type Component } from './masks.js';
import { colourLabels, labelMask } from '../../scenes/palette.js';

/** Options of {@link judgeSample}. */
export interface JudgeOptions {
  /** Judge each object's place (its 3 × 3 cell); false when the caption names no positions. Default true. */
  readonly positions?: boolean;
  /**
   * Whether the caption names sizes. Default true: the colour's component is measured against
   * the object's rendered area. When false, against the area the object's shape has at the
   * smallest size, since any size fits the caption.
   */
  readonly sizes?: boolean;
  /** Smallest area of an object's colour component, as a fraction of its expected area (see `sizes`), for the colour to count as present. Default 0.3. */
  readonly minCoverage?: number;
  /** Margin (pixels, square window) around every object excluded from the background test. Default 2. */
  readonly margin?: number;
  /** How far (fraction of the frame) an object's estimated centre may lie outside its cell and still count as in place. Default 0.02. */
  readonly placeTolerance?: number;
  /** Smallest share of the background region that must be the background colour. Default 0.5. */
  readonly minBackgroundShare?: number;
  /** The rendered scene at the image's size (rendered from the spec when absent). */
  readonly truth?: RenderedScene;
}

/** Default thresholds of {@link judgeSample}. */
export const JUDGE_DEFAULTS = { minCoverage: 0.3, margin: 2, placeTolerance: 0.02, minBackgroundShare: 0.5 } as const;

/** What was found for the background. */
export interface BackgroundVerdict {
  readonly expected: ColourName;
  /** The most frequent colour name in the background region (null when the region is empty). */
  readonly found: ColourName | null;
  /** Share of the region's pixels named the expected colour. */
  readonly share: number;
  readonly correct: boolean;
}

/** What was found for one object. */
export interface ObjectVerdict {
  readonly colour: ColourName;
  readonly shape: ShapeName;
  readonly position: PositionName;
  /** Pixels of the object in the rendered scene. */
  readonly expectedArea: number;
  /** The area the colour's component is measured against: `expectedArea`, or without sizes the shape's area at the smallest size. */
  readonly referenceArea: number;
  /** Pixels of the largest connected component of the object's colour (0 when there is none). */
  readonly area: number;
  /** The component's estimated centre (fractions of the frame) and its cell, and its detected shape (null when there is no component). */
  readonly foundCentre: { readonly x: number; readonly y: number } | null;
  readonly foundPosition: PositionName | null;
  readonly foundShape: ShapeName | null;
  /** The component covers at least `minCoverage` of the expected area. */
  readonly colourCorrect: boolean;
  /** Colour present and the estimated centre in the caption's cell (within the tolerance); null when positions are not judged. */
  readonly placeCorrect: boolean | null;
  /** Colour present and the detected shape the caption's. */
  readonly shapeCorrect: boolean;
  /** IoU of the component with the rendered mask (0 when there is no component). */
  readonly iou: number;
}

/** The verdict on one image. */
export interface SampleVerdict {
  readonly background: BackgroundVerdict;
  readonly objects: ObjectVerdict[];
  /** Background right and every object's colour, shape (and place, when judged) right. */
  readonly allCorrect: boolean;
  /** PSNR (dB) of the image against the rendered scene. */
  readonly psnr: number;
}

function checkImage(image: RasterImage): void {
  if (image.width !== image.height || image.channels !== 3 || image.bitDepth !== 8) {
    throw new RepriseError('RUNTIME_INPUT', `judgeSample needs a square 8-bit RGB image, got ${image.width}×${image.height}×${image.channels}@${image.bitDepth}`, {
      hint: 'Generate square images; Pipeline.generate returns 8-bit RGB.',
    });
  }
}

/**
 * The centre of the shape a component shows, in the caption's convention (the centre of the
 * shape's circumscribed circle, as in a scene object's x and y): the component's centroid
 * minus the area-centroid offset of its detected shape scaled to its area, as detectShape fits it.
 */
function estimateCentre(comp: Component, shape: ShapeName, size: number): { x: number; y: number } {
  const mom = unitShapeMoments(shape);
  const r = Math.sqrt(comp.area / mom.area) / size;
  return { x: comp.x - r * mom.cx, y: comp.y - r * mom.cy };
}

/** Pixels (rounded) of `shape` at the smallest size in a `size × size` image. */
function smallestArea(shape: ShapeName, size: number): number {
  const r = SIZE_RADIUS[SIZE_NAMES[0]] * size;
  return Math.round(unitShapeMoments(shape).area * r * r);
}

/** Whether `(x, y)` lies in the cell `position`, widened by `tolerance` on every side. */
function inCell(x: number, y: number, position: PositionName, tolerance: number): boolean {
  const cell = POSITIONS[position];
  const x0 = cell.x - 1 / 6;
  const y0 = cell.y - 1 / 6;
  return x >= x0 - tolerance && x <= x0 + 1 / 3 + tolerance && y >= y0 - tolerance && y <= y0 + 1 / 3 + tolerance;
}

function judgeBackground(labels: Uint8Array, exclude: Uint8Array, expected: ColourName, minShare: number): BackgroundVerdict {
  const counts = new Array<number>(COLOUR_NAMES.length).fill(0);
  let total = 0;
  for (let p = 0; p < labels.length; p++) {
    if (exclude[p] !== 0) continue;
    const k = labels[p] as number;
    counts[k] = (counts[k] ?? 0) + 1;
    total++;
  }
  if (total === 0) return { expected, found: null, share: 0, correct: false };
  let best = 0;
  for (let k = 1; k < counts.length; k++) if ((counts[k] ?? 0) > (counts[best] ?? 0)) best = k;
  const share = (counts[COLOUR_NAMES.indexOf(expected)] ?? 0) / total;
  return { expected, found: COLOUR_NAMES[best] as ColourName, share, correct: share >= minShare && COLOUR_NAMES[best] === expected };
}

/**
 * Judges `image` (square, 8-bit RGB) against `spec`.
 *
 * - Object: the pixels whose nearest named colour is the object's colour (a textured
 *   background's shade counts as the background colour) form components; the largest
 *   4-connected one stands for the object. Its colour is present when it covers at least
 *   `minCoverage` of the object's rendered area (without `sizes`: of its shape's area at the
 *   smallest size); its place is right when its estimated centre lies in
 *   the object's 3 × 3 cell ({@link positionName}; the centre is estimated from the
 *   component's centroid and detected shape, and may lie `placeTolerance` outside); its shape is right when {@link detectShape}
 *   names the object's shape. Place and shape count as wrong when the colour is absent.
 * - Background: the pixels outside every rendered object mask and every object's colour
 *   component, both dilated by `margin`; right when the background colour is their most
 *   frequent colour name and at least `minBackgroundShare` of them.
 *
 * @throws RepriseError `RUNTIME_INPUT` on an image that is not square 8-bit RGB or a truth of another size.
 */
export function judgeSample(image: RasterImage, spec: SceneSpec, options: JudgeOptions = {}): SampleVerdict {
  checkImage(image);
  const size = image.width;
  const truth = options.truth ?? renderScene(spec, size);
  if (truth.image.width !== size) throw new RepriseError('RUNTIME_INPUT', `judgeSample: the truth is ${truth.image.width} px wide, the image ${size}`);
  const minCoverage = options.minCoverage ?? JUDGE_DEFAULTS.minCoverage;
  const margin = options.margin ?? JUDGE_DEFAULTS.margin;
  const positions = options.positions ?? true;
  const sizes = options.sizes ?? true;
  const placeTolerance = options.placeTolerance ?? JUDGE_DEFAULTS.placeTolerance;
  const labels = colourLabels(image, spec.background);
  const found: Uint8Array[] = [];
  const objects = spec.objects.map((obj, k): ObjectVerdict => {
    const expected = truth.masks[k] as Uint8Array;
    const expectedArea = maskArea(expected);
    const position = positionName(obj.x, obj.y);
    const referenceArea = sizes ? expectedArea : smallestArea(obj.shape, size);
    const comp = largestComponent(labelMask(labels, obj.colour), size, size);
    if (comp === undefined) {
      return { colour: obj.colour, shape: obj.shape, position, expectedArea, referenceArea, area: 0, foundCentre: null, foundPosition: null, foundShape: null, colourCorrect: false, placeCorrect: positions ? false : null, shapeCorrect: false, iou: 0 };
    }
    found.push(comp.mask);
    const foundShape = detectShape(comp.mask, { width: size });
    const foundCentre = estimateCentre(comp, foundShape, size);
    const foundPosition = positionName(Math.min(1, Math.max(0, foundCentre.x)), Math.min(1, Math.max(0, foundCentre.y)));
    const colourCorrect = comp.area >= minCoverage * Math.max(1, referenceArea);
    return {
      colour: obj.colour,
      shape: obj.shape,
      position,
      expectedArea,
      referenceArea,
      area: comp.area,
      foundCentre,
      foundPosition,
      foundShape,
      colourCorrect,
      placeCorrect: positions ? colourCorrect && inCell(foundCentre.x, foundCentre.y, position, placeTolerance) : null,
      shapeCorrect: colourCorrect && foundShape === obj.shape,
      iou: maskIoU(comp.mask, expected),
    };
  });
  const exclude = dilateUnion([...truth.masks, ...found], size, size, margin);
  const background = judgeBackground(labels, exclude, spec.background.colour, options.minBackgroundShare ?? JUDGE_DEFAULTS.minBackgroundShare);
  const allCorrect = background.correct && objects.every((o) => o.colourCorrect && o.shapeCorrect && o.placeCorrect !== false);
  return { background, objects, allCorrect, psnr: psnr(image, truth.image) };
}
