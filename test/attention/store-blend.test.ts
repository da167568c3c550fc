import { describe, expect, it } from 'vitest';
import { applyLocalBlend, localBlendMasks } from '../../src/attention/local-blend.js';
import { AttentionStore } from '../../src/attention/store.js';
import { Random } from '../../src/util/random.js';

const T = 5; // tokens (small for the test)

/** Probabilities [rows·heads, n, T] with value f(row, head, query, token). */
function probs(rows: number, heads: number, n: number, f: (r: number, h: number, q: number, k: number) => number) {
  const data = new Float32Array(rows * heads * n * T);
  for (let r = 0; r < rows; r++) for (let h = 0; h < heads; h++) for (let q = 0; q < n; q++) for (let k = 0; k < T; k++) data[((r * heads + h) * n + q) * T + k] = f(r, h, q, k);
  return { data, dims: [rows * heads, n, T] };
}

describe('attention store', () => {
  it('averages the cond half over heads and layers at the chosen resolution, per step and summed', () => {
    const store = new AttentionStore({ branches: 2, resolution: 2, tokens: T });
    expect([store.height, store.width]).toEqual([2, 2]);
    const a = probs(4, 2, 4, (r, h, q, k) => r * 100 + h * 10 + q + k / 10);
    const b = probs(4, 4, 4, (r, h, q, k) => r * 100 + h + q + k / 10);
    const ignored = probs(4, 2, 16, () => 1e6); // wrong resolution
    const m = store.addStep(0, new Map([['l1', a], ['l2', b], ['l3', ignored]]));
    // branch 0 = row 2 (first cond row), branch 1 = row 3; 6 heads in all
    for (let br = 0; br < 2; br++) {
      const r = 2 + br;
      for (let q = 0; q < 4; q++) {
        for (let k = 0; k < T; k++) {
          let s = 0;
          for (let h = 0; h < 2; h++) s += r * 100 + h * 10 + q + k / 10;
          for (let h = 0; h < 4; h++) s += r * 100 + h + q + k / 10;
          expect(m[br]?.[q * T + k]).toBeCloseTo(s / 6, 4);
        }
      }
    }
    store.addStep(1, new Map([['l1', a], ['l2', b]]));
    expect(store.sum()[1]?.[7]).toBeCloseTo(2 * (m[1]?.[7] as number), 4);
    expect(store.average()[1]?.[7]).toBeCloseTo(m[1]?.[7] as number, 4);
    expect(Array.from(store.tokenMap(m[0] as Float32Array, 2))).toEqual([0, 1, 2, 3].map((q) => m[0]?.[q * T + 2]));
    expect(() => store.addStep(2, new Map([['l3', ignored]]))).toThrow(/no layer has 4 query tokens/);
  });
});

describe('local blend', () => {
  const res = 4;
  /** Maps for 2 branches: token 1 hot at cell (1,1) in the source, token 2 hot at (2,2) in the target. */
  function maps(): Float32Array[] {
    const m = [new Float32Array(res * res * T).fill(0.01), new Float32Array(res * res * T).fill(0.01)];
    (m[0] as Float32Array)[(1 * res + 1) * T + 1] = 1;
    (m[1] as Float32Array)[(2 * res + 2) * T + 2] = 1;
    return m;
  }

  it('mask = pooled word map above threshold, upsampled, unioned with the source word region', () => {
    const masks = localBlendMasks(maps(), res, T, 8, 8, { tokenIndices: [[1], [2]], threshold: 0.3 });
    const target = masks[1] as Float32Array;
    // the target's hot cell (2,2) pooled → cells 1..3 × 1..3 of the 4×4 grid → latent rows/cols 2..7
    // the source's hot cell (1,1) pooled → cells 0..2 → latent 0..5; union covers 0..7 except row/col 0-1 ∧ 6-7 corners
    const at = (y: number, x: number) => target[y * 8 + x];
    expect(at(4, 4)).toBe(1);
    expect(at(0, 0)).toBe(1); // from the source word's region
    expect(at(7, 0)).toBe(0);
    expect(at(0, 7)).toBe(0);
    expect(at(7, 7)).toBe(1);
    // below threshold everywhere else
    const lone = localBlendMasks(maps(), res, T, 8, 8, { tokenIndices: [[], [2]], threshold: 0.3 })[1] as Float32Array;
    expect(lone[0]).toBe(0);
    expect(lone[4 * 8 + 4]).toBe(1);
  });

  it('blending keeps the source exactly outside the mask and the target inside', () => {
    const rng = new Random(1);
    const src = rng.normals(4 * 64);
    const tgt = rng.normals(4 * 64);
    const masks = localBlendMasks(maps(), res, T, 8, 8, { tokenIndices: [[], [2]] });
    const [s, t] = applyLocalBlend([src, tgt], masks, 4);
    expect(s).toBe(src);
    const m = masks[1] as Float32Array;
    for (let c = 0; c < 4; c++) {
      for (let i = 0; i < 64; i++) expect(t?.[c * 64 + i]).toBe(m[i] ? tgt[c * 64 + i] : src[c * 64 + i]);
    }
  });

  it('a user mask replaces, unions or intersects the attention mask', () => {
    const user = new Float32Array(64);
    user[0] = 1;
    const base = localBlendMasks(maps(), res, T, 8, 8, { tokenIndices: [[], [2]] })[1] as Float32Array;
    const rep = localBlendMasks(maps(), res, T, 8, 8, { tokenIndices: [[], [2]] }, { mask: user, mode: 'replace' })[1] as Float32Array;
    const uni = localBlendMasks(maps(), res, T, 8, 8, { tokenIndices: [[], [2]] }, { mask: user, mode: 'union' })[1] as Float32Array;
    const int = localBlendMasks(maps(), res, T, 8, 8, { tokenIndices: [[], [2]] }, { mask: user, mode: 'intersect' })[1] as Float32Array;
    expect(Array.from(rep)).toEqual(Array.from(user));
    expect(uni[0]).toBe(1);
    expect(uni[36]).toBe(base[36]);
    expect(int.reduce((a, b) => a + b, 0)).toBe(base[0] ? 1 : 0);
  });

  it('subtract words remove their region', () => {
    const m = maps();
    const masks = localBlendMasks(m, res, T, 8, 8, { tokenIndices: [[], [2]], subtractIndices: [[], [2]] });
    const t = masks[1] as Float32Array;
    // the un-pooled subtract region is the hot cell (latent 4..5 × 4..5); the pooled blend region around it stays
    for (const [y, x] of [[4, 4], [4, 5], [5, 4], [5, 5]] as const) expect(t[y * 8 + x]).toBe(0);
    expect(t[2 * 8 + 2]).toBe(1);
    expect(t[7 * 8 + 7]).toBe(1);
  });
});
