/**
 * Binary masks of the sample-quality judge: `width · height` bytes, row-major, non-zero = inside
 * (the layout of the scene renderer's masks).
 */
import { dilateMask, unionMasks } from '../../scenes/masks.js';

/** Every pixel within `radius` pixels (square window, Chebyshev distance) of a set pixel of any of `masks`. */
export function dilateUnion(masks: readonly Uint8Array[], width: number, height: number, radius: number): Uint8Array {
  return dilateMask(unionMasks(masks, width * height), width, radius);
}

/** The largest 4-connected component of a mask. */
export interface Component {
  /** The component's pixels (1 inside). */
  readonly mask: Uint8Array;
  /** Its pixel count. */
  readonly area: number;
  /** Its centroid as fractions of the frame (pixel centres, origin top left). */
  readonly x: number;
  readonly y: number;
}

/**
 * The largest 4-connected component of `mask` (the first in row-major order among equals), or
 * undefined when the mask is empty.
 */
export function largestComponent(mask: Uint8Array, width: number, height: number): Component | undefined {
  const n = width * height;
  const label = new Int32Array(n);
  const queue = new Int32Array(n);
  let best = 0;
  let bestArea = 0;
  let next = 0;
  for (let start = 0; start < n; start++) {
    if (mask[start] === 0 || label[start] !== 0) continue;
    next++;
    label[start] = next;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    while (head < tail) {
      const p = queue[head++] as number;
      const x = p % width;
      const visit = (q: number): void => {
        if (mask[q] !== 0 && label[q] === 0) {
          label[q] = next;
          queue[tail++] = q;
        }
      };
      if (x > 0) visit(p - 1);
      if (x < width - 1) visit(p + 1);
      if (p >= width) visit(p - width);
      if (p < n - width) visit(p + width);
    }
    if (tail > bestArea) {
      bestArea = tail;
      best = next;
    }
  }
  if (best === 0) return undefined;
  const out = new Uint8Array(n);
  let sx = 0;
  let sy = 0;
  for (let p = 0; p < n; p++) {
    if (label[p] !== best) continue;
    out[p] = 1;
    sx += (p % width) + 0.5;
    sy += Math.floor(p / width) + 0.5;
  }
  return { mask: out, area: bestArea, x: sx / bestArea / width, y: sy / bestArea / height };
}
