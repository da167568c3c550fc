/**
 * Metrics of one edit result against its known answer (docs/edit-quality.md):
 *
 * - **preserved region**: what the edit must leave alone. Object edits: every pixel outside the
 *   union of the object's source and expected masks dilated by `margin` px (anti-aliased edges
 *   change with the object). Background change: the objects' masks eroded by `margin` px (their
 *   edges blend with the new background); the masks themselves when erosion empties them.
 *   PSNR and SSIM of the edit against the source image are taken there.
 * - **after-mask** of an object: the pixels whose nearest named colour is the colour the object
 *   should have (less those nearer to a textured background's second tone), within its
 *   circumradius + `margin` of its centre ("the target colour's pixels near the object").
 * - **success**: colour swap — the dominant colour inside the object's mask is the new colour;
 *   shape swap — the after-mask's detected shape is the new shape; background change — the
 *   dominant colour outside the dilated object masks is the new background colour; reweight — the
 *   object keeps both its colour (dominant colour in its mask) and its shape (of the after-mask).
 * - **IoU**: after-mask(s) against the expected render's object mask(s) — the source mask for
 *   colour swaps and reweights, the new shape's mask for shape swaps, the union of every object's
 *   after-mask against the union of their masks for a background change.
 */
import type { RasterImage } from '../../../src/io/image/types.js';
import { colourMask, detectShape, dominantColour, maskIoU, psnr, ssim } from '../../scenes/metrics.js';
import { placeObjects } from '../../scenes/spec.js';
import type { ColourName, ShapeName } from '../../scenes/vocabulary.js';
import { colourLabels, labelMask } from '../../scenes/palette.js';
import type { SceneBackground } from '../../scenes/spec.js';
import type { EditCase } from './cases.js';
import { dilateMask, discMask, erodeMask, intersectMasks, invertMask, maskArea, unionMasks } from '../../scenes/masks.js';

/** What the metrics need of a rendered scene (a `RenderedScene` fits). */
export interface SceneRender {
  readonly image: RasterImage;
  /** One mask per object, in spec order. */
  readonly masks: readonly Uint8Array[];
}

/** Options of {@link measureEdit}. */
export interface MeasureOptions {
  /** Band (pixels) around object edges left out of the preserved region (default 2). */
  readonly margin?: number;
}

/** The metrics of one edit. */
export interface EditMeasurement {
  /** PSNR (dB) of the edit against the source on the preserved region; `Infinity` when identical there. */
  readonly preservedPsnr: number;
  /** SSIM of the edit against the source on the preserved region (1 when identical). */
  readonly preservedSsim: number;
  /** Pixels in the preserved region. */
  readonly preservedPixels: number;
  /** Whether the known answer was found (see the module comment). */
  readonly success: boolean;
  /** Named colour found: inside the object's expected mask, or (background change) in the background. */
  readonly detectedColour: ColourName;
  /** Shape detected in the after-mask (undefined for a background change or an empty after-mask). */
  readonly detectedShape?: ShapeName;
  /** IoU of the after-mask(s) with the expected mask(s). */
  readonly iou: number;
  /** PSNR (dB) of the whole edit against the expected render. */
  readonly expectedPsnr: number;
}

/** The masks a case is measured on. */
export interface EditRegions {
  /** Where the edit must leave the source unchanged. */
  readonly preserved: Uint8Array;
  /** Where success is read: the object's expected mask, or the background (outside the dilated objects). */
  readonly judged: Uint8Array;
  /** The expected object mask(s) the after-mask is compared with. */
  readonly expectedObjects: Uint8Array;
}

/** The preserved, judged and expected-object masks of a case (see the module comment). */
export function editRegions(c: EditCase, source: SceneRender, expected: SceneRender, margin = 2): EditRegions {
  const { width, height } = source.image;
  const n = width * height;
  if (c.objectIndex === undefined) {
    const objects = unionMasks(source.masks, n);
    const eroded = erodeMask(objects, width, margin);
    return {
      preserved: maskArea(eroded) > 0 ? eroded : objects,
      judged: invertMask(dilateMask(unionMasks(expected.masks, n), width, margin)),
      expectedObjects: unionMasks(expected.masks, n),
    };
  }
  const before = source.masks[c.objectIndex] ?? new Uint8Array(n);
  const after = expected.masks[c.objectIndex] ?? new Uint8Array(n);
  return {
    preserved: invertMask(dilateMask(unionMasks([before, after], n), width, margin)),
    judged: after,
    expectedObjects: after,
  };
}

/**
 * The pixels whose nearest named colour is `colour`, less those nearer still to the second tone of
 * a textured `background` (that tone is no named colour: a black texture's lighter tone would
 * otherwise read as brown).
 */
export function objectColourMask(image: RasterImage, colour: ColourName, background?: SceneBackground): Uint8Array {
  if (background === undefined || background.texture === 'plain') return colourMask(image, colour);
  return labelMask(colourLabels(image, background), colour);
}

/**
 * The pixels of `image` whose colour is `colour` ({@link objectColourMask}, against the expected
 * scene's background) within the circumradius + `margin` of object `index` of the case's expected
 * scene: the object's after-mask.
 */
export function afterMask(image: RasterImage, c: EditCase, index: number, colour: ColourName, margin = 2): Uint8Array {
  const placed = placeObjects(c.target, image.width)[index];
  if (placed === undefined) return new Uint8Array(image.width * image.height);
  return intersectMasks(objectColourMask(image, colour, c.target.background), discMask(image.width, image.height, placed.cx, placed.cy, placed.r + margin));
}

function shapeOf(mask: Uint8Array, width: number): ShapeName | undefined {
  return maskArea(mask) > 0 ? detectShape(mask, { width }) : undefined;
}

/** Region metrics that tolerate an empty region (NaN: nothing to measure). */
function regionPsnr(a: RasterImage, b: RasterImage, mask: Uint8Array): number {
  return maskArea(mask) > 0 ? psnr(a, b, mask) : Number.NaN;
}

function regionSsim(a: RasterImage, b: RasterImage, mask: Uint8Array): number {
  return maskArea(mask) > 0 ? ssim(a, b, mask) : Number.NaN;
}

/**
 * Measures `edited` (the edit of `source.image` for case `c`) against the source render and the
 * expected render (`renderScene(c.target)`), all at the same size.
 *
 * @throws RepriseError `RUNTIME_INPUT` when the images differ in size or layout.
 */
export function measureEdit(c: EditCase, source: SceneRender, expected: SceneRender, edited: RasterImage, options: MeasureOptions = {}): EditMeasurement {
  const margin = options.margin ?? 2;
  const width = edited.width;
  const regions = editRegions(c, source, expected, margin);
  const preserved = {
    preservedPsnr: regionPsnr(source.image, edited, regions.preserved),
    preservedSsim: regionSsim(source.image, edited, regions.preserved),
    preservedPixels: maskArea(regions.preserved),
    expectedPsnr: psnr(expected.image, edited),
  };
  const judgedColour = (): ColourName => dominantColour(edited, maskArea(regions.judged) > 0 ? regions.judged : regions.expectedObjects);

  if (c.objectIndex === undefined) {
    const after = unionMasks(
      c.target.objects.map((o, i) => afterMask(edited, c, i, o.colour, margin)),
      edited.width * edited.height,
    );
    const detectedColour = judgedColour();
    return { ...preserved, success: detectedColour === c.target.background.colour, detectedColour, iou: maskIoU(after, regions.expectedObjects) };
  }
  const obj = c.target.objects[c.objectIndex];
  if (obj === undefined) throw new RangeError(`measureEdit: the case's object ${c.objectIndex} is not in its target scene`);
  const after = afterMask(edited, c, c.objectIndex, obj.colour, margin);
  const detectedColour = judgedColour();
  const detectedShape = shapeOf(after, width);
  const colourOk = detectedColour === obj.colour;
  const shapeOk = detectedShape === obj.shape;
  const success = c.kind === 'colour' ? colourOk : c.kind === 'shape' ? shapeOk : colourOk && shapeOk;
  return { ...preserved, success, detectedColour, ...(detectedShape !== undefined ? { detectedShape } : {}), iou: maskIoU(after, regions.expectedObjects) };
}
