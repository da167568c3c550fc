import { describe, expect, it } from 'vitest';
import {
  COLOUR_NAMES,
  COLOURS,
  POSITION_NAMES,
  POSITIONS,
  SHAPE_NAMES,
  colourDistance2,
  insideUnitShape,
  nearestColour,
  positionName,
  textureShade,
  unitShapeMoments,
} from '../../tools/scenes/index.js';

describe('scene vocabulary', () => {
  it('named colours are well separated and each is its own nearest colour', () => {
    for (const a of COLOUR_NAMES) {
      expect(nearestColour(COLOURS[a])).toBe(a);
      for (const b of COLOUR_NAMES) if (a !== b) expect(Math.sqrt(colourDistance2(COLOURS[a], COLOURS[b]))).toBeGreaterThan(90);
    }
  });

  it('a texture shade and the texture mean stay nearest their own colour', () => {
    for (const name of COLOUR_NAMES) {
      const c = COLOURS[name];
      const s = textureShade(c);
      const mid = [(c[0] + s[0]) / 2, (c[1] + s[1]) / 2, (c[2] + s[2]) / 2] as const;
      expect(nearestColour(mid)).toBe(name);
      expect(Math.sqrt(colourDistance2(c, s))).toBeGreaterThan(15);
    }
  });

  it('nearestColour honours the candidate list and rejects an empty one', () => {
    expect(nearestColour(COLOURS.purple, ['red', 'blue'])).toBe('blue');
    expect(nearestColour(COLOURS.purple, ['red', 'green'])).toBe('red');
    expect(() => nearestColour([0, 0, 0], [])).toThrow(RangeError);
  });

  it('position names cover a 3 × 3 grid and round-trip through their centres', () => {
    for (const name of POSITION_NAMES) expect(positionName(POSITIONS[name].x, POSITIONS[name].y)).toBe(name);
    expect(positionName(0.05, 0.95)).toBe('bottom left');
    expect(positionName(0.5, 0.2)).toBe('top');
  });

  it('unit shapes lie inside the unit circle, contain their centroid and have sensible areas', () => {
    for (const shape of SHAPE_NAMES) {
      const m = unitShapeMoments(shape);
      expect(m.area).toBeGreaterThan(0.8);
      expect(m.area).toBeLessThanOrEqual(Math.PI + 1e-12);
      expect(insideUnitShape(shape, m.cx, m.cy)).toBe(true);
      for (let k = 0; k < 64; k++) {
        const a = (2 * Math.PI * k) / 64;
        expect(insideUnitShape(shape, 1.001 * Math.cos(a), 1.001 * Math.sin(a))).toBe(false);
      }
    }
    expect(unitShapeMoments('square').area).toBeCloseTo(2, 12);
    expect(unitShapeMoments('hexagon').area).toBeCloseTo((3 * Math.sqrt(3)) / 2, 12);
    expect(unitShapeMoments('triangle').cy).toBeCloseTo(0, 12);
  });
});
