/**
 * Exact geometry of the named shapes. Each shape is defined in unit coordinates: centred at the
 * origin, y pointing down (image convention), lying inside the unit circle (its circumradius is 1).
 * The circle is tested by distance; every other shape is a polygon tested by even–odd ray casting.
 */
import type { ShapeName } from './vocabulary.js';

/** A polygon as interleaved `x0, y0, x1, y1, …` vertices. */
type Polygon = Float64Array;

function regular(n: number, startDeg: number, radii: readonly number[] = [1]): Polygon {
  const out = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    const a = ((startDeg + (360 * k) / n) * Math.PI) / 180;
    const r = radii[k % radii.length] ?? 1;
    out[2 * k] = r * Math.cos(a);
    out[2 * k + 1] = r * Math.sin(a);
  }
  return out;
}

/** The classic parametric heart, flipped to y-down, centred on its bounding box and scaled into the unit circle. */
function heart(n = 128): Polygon {
  const pts = new Float64Array(2 * n);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let k = 0; k < n; k++) {
    const t = (2 * Math.PI * k) / n;
    const x = 16 * Math.sin(t) ** 3;
    const y = -(13 * Math.cos(t) - 5 * Math.cos(2 * t) - 2 * Math.cos(3 * t) - Math.cos(4 * t));
    pts[2 * k] = x;
    pts[2 * k + 1] = y;
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  let rMax = 0;
  for (let k = 0; k < n; k++) rMax = Math.max(rMax, Math.hypot((pts[2 * k] ?? 0) - cx, (pts[2 * k + 1] ?? 0) - cy));
  for (let k = 0; k < n; k++) {
    pts[2 * k] = ((pts[2 * k] ?? 0) - cx) / rMax;
    pts[2 * k + 1] = ((pts[2 * k + 1] ?? 0) - cy) / rMax;
  }
  return pts;
}

const S = Math.SQRT1_2;

/** Unit polygons of every shape but the circle. */
const POLYGONS: Readonly<Record<Exclude<ShapeName, 'circle'>, Polygon>> = {
  square: Float64Array.of(-S, -S, S, -S, S, S, -S, S),
  triangle: regular(3, -90),
  star: regular(10, -90, [1, 0.48]),
  diamond: Float64Array.of(0, -1, 0.65, 0, 0, 1, -0.65, 0),
  hexagon: regular(6, -90),
  heart: heart(),
};

/** Even–odd point-in-polygon test. */
function inPolygon(poly: Polygon, x: number, y: number): boolean {
  const n = poly.length / 2;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[2 * i] as number;
    const yi = poly[2 * i + 1] as number;
    const xj = poly[2 * j] as number;
    const yj = poly[2 * j + 1] as number;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether the unit-coordinate point `(u, v)` lies inside the unit `shape`. */
export function insideUnitShape(shape: ShapeName, u: number, v: number): boolean {
  if (u < -1 || u > 1 || v < -1 || v > 1) return false;
  if (shape === 'circle') return u * u + v * v <= 1;
  return inPolygon(POLYGONS[shape], u, v);
}

/** Area and area centroid of a unit shape (exact: shoelace formula for polygons). */
export interface UnitShapeMoments {
  readonly area: number;
  readonly cx: number;
  readonly cy: number;
}

function polygonMoments(poly: Polygon): UnitShapeMoments {
  const n = poly.length / 2;
  let a2 = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[2 * i] as number;
    const yi = poly[2 * i + 1] as number;
    const xj = poly[2 * j] as number;
    const yj = poly[2 * j + 1] as number;
    const cross = xj * yi - xi * yj;
    a2 += cross;
    sx += (xj + xi) * cross;
    sy += (yj + yi) * cross;
  }
  return { area: Math.abs(a2) / 2, cx: sx / (3 * a2), cy: sy / (3 * a2) };
}

const MOMENTS = new Map<ShapeName, UnitShapeMoments>();

/** Area and centroid of the unit `shape` (circumradius 1). */
export function unitShapeMoments(shape: ShapeName): UnitShapeMoments {
  let m = MOMENTS.get(shape);
  if (m === undefined) {
    m = shape === 'circle' ? { area: Math.PI, cx: 0, cy: 0 } : polygonMoments(POLYGONS[shape]);
    MOMENTS.set(shape, m);
  }
  return m;
}

/** A shape placed in pixel coordinates: centre `(cx, cy)` and circumradius `r`, all in pixels. */
export interface PlacedShape {
  readonly shape: ShapeName;
  readonly cx: number;
  readonly cy: number;
  readonly r: number;
}

/** Whether the pixel-coordinate point `(x, y)` lies inside the placed shape. */
export function insidePlacedShape(p: PlacedShape, x: number, y: number): boolean {
  return insideUnitShape(p.shape, (x - p.cx) / p.r, (y - p.cy) / p.r);
}

/**
 * Crisp mask of a placed shape on a `width × height` grid: 1 where the pixel centre
 * `(x + 0.5, y + 0.5)` lies inside the shape, 0 elsewhere. Only the shape's bounding box is visited.
 */
export function rasterizeShape(p: PlacedShape, width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  const x0 = Math.max(0, Math.floor(p.cx - p.r - 1));
  const x1 = Math.min(width - 1, Math.ceil(p.cx + p.r + 1));
  const y0 = Math.max(0, Math.floor(p.cy - p.r - 1));
  const y1 = Math.min(height - 1, Math.ceil(p.cy + p.r + 1));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (insidePlacedShape(p, x + 0.5, y + 0.5)) mask[y * width + x] = 1;
    }
  }
  return mask;
}
