import { describe, expect, it } from 'vitest';
import { Random } from '../../src/util/random.js';

describe('seeded random generator', () => {
  it('the same seed gives identical sequences; other seeds and streams differ', () => {
    const a = new Random(42).normals(1000);
    const b = new Random(42).normals(1000);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(new Random(43).normals(10))).not.toEqual(Array.from(a.slice(0, 10)));
    expect(Array.from(Random.forName(42, 'x').normals(10))).not.toEqual(Array.from(Random.forName(42, 'y').normals(10)));
  });

  it('normals have mean 0 and variance 1; uniforms cover [0, 1)', () => {
    const n = new Random(1).normals(200_000);
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    const variance = n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    const u = new Random(2).uniforms(100_000, 0, 1);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const hist = new Array(10).fill(0);
    for (const v of u) hist[Math.floor(v * 10)]++;
    for (const h of hist) expect(Math.abs(h - 10_000)).toBeLessThan(500);
  });

  it('rejects non-integer seeds', () => {
    expect(() => new Random(1.5)).toThrow(/integer/);
  });
});
