import { describe, expect, it } from 'vitest';

import { mapperToMatrix, needlemanWunsch, refinementMapper, refinementMapperMatrix } from '../../../src/attention/alignment/index.js';
import { L, matmul, probabilityRows, rng, tokenizer } from './helpers.js';

describe('needlemanWunsch (seq_aligner.global_align + get_aligned_sequences)', () => {
  it('aligns identical sequences on the diagonal', () => {
    const r = needlemanWunsch([1, 2, 3], [1, 2, 3]);
    expect(r.score).toBe(3);
    expect(r.targetToSource).toEqual([0, 1, 2]);
    expect(r.pairs).toEqual([{ source: 0, target: 0 }, { source: 1, target: 1 }, { source: 2, target: 2 }]);
  });

  it('aligns around an inserted token', () => {
    const r = needlemanWunsch([9, 1, 2, 8], [9, 1, 3, 2, 8]);
    expect(r.score).toBe(4);
    expect(r.targetToSource).toEqual([0, 1, -1, 2, 3]);
  });

  it('prefers two gaps (left first) over a mismatch: [1] vs [2]', () => {
    // M[1,1]: left 0, up 0, diag −1 → left; then (1,0) is up.
    const r = needlemanWunsch([1], [2]);
    expect(r.score).toBe(0);
    expect(r.pairs).toEqual([{ source: 0, target: -1 }, { source: -1, target: 0 }]);
    expect(r.targetToSource).toEqual([-1]);
  });

  it('breaks a swap tie toward the left move: [5, 7] vs [7, 5]', () => {
    // M = [[0,0,0],[0,0(L),1(D)],[0,1(D),1(L)]]: at (2,2) left = up = 1 → left, so b[1] = 5 is
    // left unmatched and 7 aligns (a[1], b[0]); the alternative optimum would align the 5s.
    const r = needlemanWunsch([5, 7], [7, 5]);
    expect(r.score).toBe(1);
    expect(r.pairs).toEqual([{ source: 0, target: -1 }, { source: 1, target: 0 }, { source: -1, target: 1 }]);
    expect(r.targetToSource).toEqual([1, -1]);
  });

  it('breaks an up/diagonal tie toward up: [1, 1] vs [1] aligns the first source token', () => {
    // M[2,1]: left 0, up 1, diag 1 → up.
    const r = needlemanWunsch([1, 1], [1]);
    expect(r.pairs).toEqual([{ source: 0, target: 0 }, { source: 1, target: -1 }]);
    expect(r.targetToSource).toEqual([0]);
  });

  it('breaks a left/diagonal tie toward left: [1] vs [1, 1] aligns the first target token', () => {
    // M[1,2]: left 1, up 0, diag 1 → left.
    const r = needlemanWunsch([1], [1, 1]);
    expect(r.pairs).toEqual([{ source: 0, target: 0 }, { source: -1, target: 1 }]);
    expect(r.targetToSource).toEqual([0, -1]);
  });

  it('handles empty sequences', () => {
    expect(needlemanWunsch([], [4, 5]).targetToSource).toEqual([-1, -1]);
    expect(needlemanWunsch([4, 5], []).pairs).toEqual([{ source: 0, target: -1 }, { source: 1, target: -1 }]);
  });
});

describe('refinementMapper (seq_aligner.get_mapper)', () => {
  it('"a cat" → "a fluffy cat": new token alpha 0, others aligned, padding k → k', () => {
    const { mapper, alphas } = refinementMapper(tokenizer, 'a cat', 'a fluffy cat');
    expect(mapper).toHaveLength(L);
    expect(Array.from(mapper.subarray(0, 5))).toEqual([0, 1, -1, 2, 3]);
    for (let k = 5; k < L; k++) expect(mapper[k]).toBe(k);
    expect(Array.from(alphas.subarray(0, 6))).toEqual([1, 1, 0, 1, 1, 1]);
    expect(alphas.reduce((s, a) => s + a, 0)).toBe(L - 1);
  });

  it('"a fluffy cat" → "a cat": the target padding reads the source at the same position', () => {
    const { mapper, alphas } = refinementMapper(tokenizer, 'a fluffy cat', 'a cat');
    expect(Array.from(mapper.subarray(0, 6))).toEqual([0, 1, 3, 4, 4, 5]);
    expect(Array.from(alphas).every((a) => a === 1)).toBe(true);
  });

  it('aligns a multi-token insertion', () => {
    // "kitten" is 6 tokens in the tiny vocabulary.
    const { mapper, alphas } = refinementMapper(tokenizer, 'a cat on the bench', 'a kitten cat on the bench');
    expect(Array.from(mapper.subarray(0, 13))).toEqual([0, 1, -1, -1, -1, -1, -1, -1, 2, 3, 4, 5, 6]);
    expect(Array.from(alphas.subarray(0, 10))).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect(mapper[13]).toBe(13);
  });

  it('refinementMapperMatrix · P equals the index-gathered P (new tokens give 0)', () => {
    const rows = 6;
    const p = probabilityRows(rows, L, rng(7));
    const { mapper } = refinementMapper(tokenizer, 'a cat on the bench', 'a fluffy red cat on the snow');
    const m = refinementMapperMatrix(tokenizer, 'a cat on the bench', 'a fluffy red cat on the snow');
    expect(m).toEqual(mapperToMatrix(mapper));
    const product = matmul(p, m, rows);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < L; j++) {
        const src = mapper[j] as number;
        const gathered = src === -1 ? 0 : (p[r * L + src] as number);
        expect(product[r * L + j]).toBe(gathered);
      }
    }
  });

  it('truncates prompts longer than maxLen instead of failing', () => {
    const long = Array.from({ length: 90 }, () => 'cat').join(' ');
    const { mapper, alphas } = refinementMapper(tokenizer, long, `red ${long}`);
    expect(mapper).toHaveLength(L);
    expect(alphas[1]).toBe(0);
    expect(mapper[L - 1]).toBe(L - 1);
  });
});
