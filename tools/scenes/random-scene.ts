/**
 * Random scene specifications, deterministic from a seed (the project's {@link Random}).
 */
import { RepriseError } from '../../src/errors.js';
import { Random } from '../../src/util/random.js';
import { rasterizeShape } from './geometry.js';
import type { SceneObject, SceneSpec } from './spec.js';
import {
  COLOUR_NAMES,
  SHAPE_NAMES,
  SIZE_NAMES,
  SIZE_RADIUS,
  TEXTURE_NAMES,
  type ColourName,
  type ShapeName,
  type SizeName,
  type TextureName,
} from './vocabulary.js';

/** Options of {@link randomScene}; every list restricts the random choices to its entries. */
export interface RandomSceneOptions {
  /** Number of objects (default: 1 or 2, chosen by the seed). */
  readonly objects?: 1 | 2 | 3;
  /** Image side (pixels) at which overlap and frame containment are checked (default 64). */
  readonly size?: number;
  /** Shapes to draw from (default all; two objects may share a shape). */
  readonly shapes?: readonly ShapeName[];
  /** Object colours to draw from (default all); the objects of a scene get distinct colours. */
  readonly colours?: readonly ColourName[];
  /** Background colours to draw from (default all); never one of the scene's object colours. */
  readonly backgroundColours?: readonly ColourName[];
  /** Object sizes to draw from (default all). */
  readonly sizes?: readonly SizeName[];
  /** Background textures to draw from (default all). */
  readonly textures?: readonly TextureName[];
  /**
   * Largest allowed overlap between two objects, as (shared pixels) / (pixels of the smaller
   * object), measured on their unoccluded masks at `size` (default 0.1).
   */
  readonly maxOverlap?: number;
}

/** Placement attempts per object and size before falling back to the next smaller size. */
const ATTEMPTS = 200;

function pick<T>(rng: Random, items: readonly T[]): T {
  return items[Math.floor(rng.uniform() * items.length)] as T;
}

function nonEmpty<T>(name: string, items: readonly T[] | undefined, all: readonly T[]): readonly T[] {
  const list = items ?? all;
  if (list.length === 0) throw new RepriseError('RUNTIME_INPUT', `randomScene: option "${name}" is empty`, { hint: 'Leave it out to allow every value.' });
  return list;
}

function countOnes(m: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < m.length; i++) n += m[i] as number;
  return n;
}

/**
 * A random scene, identical for identical `(seed, options)`.
 *
 * Objects lie entirely inside the frame (at least one pixel from each edge at `options.size`) and
 * overlap each other by at most `options.maxOverlap`; when an object of the chosen size cannot be
 * placed in 200 tries it is retried at the next smaller size.
 *
 * @throws RepriseError `RUNTIME_INPUT` on empty option lists, fewer object colours than objects,
 *   no background colour left, or objects that cannot be placed.
 */
export function randomScene(seed: number, options: RandomSceneOptions = {}): SceneSpec {
  const rng = Random.forName(seed, 'reprise.scenes.randomScene');
  const size = options.size ?? 64;
  const maxOverlap = options.maxOverlap ?? 0.1;
  const shapes = nonEmpty('shapes', options.shapes, SHAPE_NAMES);
  const colours = nonEmpty('colours', options.colours, COLOUR_NAMES);
  const bgColours = nonEmpty('backgroundColours', options.backgroundColours, COLOUR_NAMES);
  const sizes = nonEmpty('sizes', options.sizes, SIZE_NAMES);
  const textures = nonEmpty('textures', options.textures, TEXTURE_NAMES);
  const n = options.objects ?? (rng.uniform() < 0.5 ? 1 : 2);
  if (!Number.isInteger(size) || size < 8) throw new RepriseError('RUNTIME_INPUT', `randomScene: size must be an integer ≥ 8, got ${size}`);

  const free = [...new Set(colours)];
  const objectColours: ColourName[] = [];
  for (let k = 0; k < n; k++) {
    if (free.length === 0) {
      throw new RepriseError('RUNTIME_INPUT', `randomScene: ${n} objects need ${n} distinct colours, got ${colours.length}`);
    }
    objectColours.push(free.splice(Math.floor(rng.uniform() * free.length), 1)[0] as ColourName);
  }
  const bgChoices = bgColours.filter((c) => !objectColours.includes(c));
  if (bgChoices.length === 0) throw new RepriseError('RUNTIME_INPUT', 'randomScene: every background colour is taken by an object');
  const background = { colour: pick(rng, bgChoices), texture: pick(rng, textures) };

  const objects: SceneObject[] = [];
  const placedMasks: { mask: Uint8Array; area: number }[] = [];
  for (let k = 0; k < n; k++) {
    const shape = pick(rng, shapes);
    const colour = objectColours[k] as ColourName;
    let sizeIdx = SIZE_NAMES.indexOf(pick(rng, sizes));
    let placed = false;
    while (!placed && sizeIdx >= 0) {
      const sizeName = SIZE_NAMES[sizeIdx] as SizeName;
      const r = SIZE_RADIUS[sizeName] * size;
      const lo = r + 1;
      const hi = size - r - 1;
      for (let attempt = 0; attempt < ATTEMPTS && !placed && hi >= lo; attempt++) {
        const x = (lo + (hi - lo) * rng.uniform()) / size;
        const y = (lo + (hi - lo) * rng.uniform()) / size;
        const mask = rasterizeShape({ shape, cx: x * size, cy: y * size, r }, size, size);
        const area = countOnes(mask);
        const ok = placedMasks.every((p) => {
          let shared = 0;
          for (let i = 0; i < mask.length; i++) shared += (mask[i] as number) & (p.mask[i] as number);
          return shared <= maxOverlap * Math.min(area, p.area);
        });
        if (ok) {
          objects.push({ shape, colour, size: sizeName, x, y });
          placedMasks.push({ mask, area });
          placed = true;
        }
      }
      sizeIdx--;
    }
    if (!placed) throw new RepriseError('RUNTIME_INPUT', `randomScene: could not place object ${k + 1} of ${n} at size ${size}`);
  }
  return { objects, background };
}
