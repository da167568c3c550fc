/**
 * Binary mask operations on the scene renderer's mask layout: `width · height` bytes, row-major,
 * 1 = inside. Used by the evaluation scripts and the demo. Dilation and erosion use a square window, so a
 * margin of 1 px also reaches the diagonal neighbours.
 */

/** Pixels set in `mask`. */
export function maskArea(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) n++;
  return n;
}

/** The union of masks of equal length (an all-zero mask of `length` when none are given). */
export function unionMasks(masks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (const m of masks) for (let i = 0; i < length; i++) if (m[i] !== 0) out[i] = 1;
  return out;
}

/** Pixels set in both masks. */
export function intersectMasks(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== 0 && b[i] !== 0) out[i] = 1;
  return out;
}

/** The pixels not in `mask`. */
export function invertMask(mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] === 0 ? 1 : 0;
  return out;
}

/** Every pixel within `radius` pixels (square window, Chebyshev distance) of a set pixel. */
export function dilateMask(mask: Uint8Array, width: number, radius: number): Uint8Array {
  const height = mask.length / width;
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x] === 0) continue;
      for (let yy = Math.max(0, y - radius); yy <= Math.min(height - 1, y + radius); yy++) {
        for (let xx = Math.max(0, x - radius); xx <= Math.min(width - 1, x + radius); xx++) out[yy * width + xx] = 1;
      }
    }
  }
  return out;
}

/**
 * The pixels whose whole `(2·radius + 1)²` window (clipped to the image) lies inside `mask`:
 * the mask minus a band of `radius` pixels along its edge.
 */
export function erodeMask(mask: Uint8Array, width: number, radius: number): Uint8Array {
  return invertMask(dilateMask(invertMask(mask), width, radius));
}

/** Pixels whose centre `(x + 0.5, y + 0.5)` lies within `radius` of `(cx, cy)` (pixel units). */
export function discMask(width: number, height: number, cx: number, cy: number, radius: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const r2 = radius * radius;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r2) out[y * width + x] = 1;
  }
  return out;
}
