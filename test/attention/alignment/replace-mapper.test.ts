import { describe, expect, it } from 'vitest';

import { RepriseError } from '../../../src/errors.js';
import { replacementMapper } from '../../../src/attention/alignment/index.js';
import { L, nonZeros, tokenizer } from './helpers.js';

/** Non-zeros `[i, i, 1]` for i in [from, to). */
const diag = (from: number, to: number): [number, number, number][] => Array.from({ length: to - from }, (_, k) => [from + k, from + k, 1]);

describe('replacementMapper (seq_aligner.get_replacement_mapper_)', () => {
  it('maps a one-token word swap 1:1 and is the identity elsewhere', () => {
    const m = replacementMapper(tokenizer, 'a photo of a cat sitting on the bench', 'a photo of a dog sitting on the bench');
    expect(m).toHaveLength(L * L);
    expect(nonZeros(m)).toEqual(diag(0, L));
  });

  it('spreads a source token over a 2-token target word with weight 1/2, then maps j → j (quirk)', () => {
    // "cat" = [2] → "ox" = [2, 3]; afterwards i = 3, j = 4 and the reference writes mapper[j, j].
    expect(tokenizer.wordTokenIndices('a ox on the bench', 1)).toEqual([2, 3]);
    const m = replacementMapper(tokenizer, 'a cat on the bench', 'a ox on the bench');
    expect(nonZeros(m)).toEqual([
      [0, 0, 1],
      [1, 1, 1],
      [2, 2, 0.5],
      [2, 3, 0.5],
      // row 3 (source "on") is left empty by the reference
      ...diag(4, L),
    ]);
  });

  it('shifts tokens between changed words and applies the quirk only after the last one', () => {
    // changes: word 1 cat [2] → ox [2, 3]; word 4 bench [5] → snow [6].
    const m = replacementMapper(tokenizer, 'a cat on the bench', 'a ox on the snow');
    expect(nonZeros(m)).toEqual([
      [0, 0, 1],
      [1, 1, 1],
      [2, 2, 0.5],
      [2, 3, 0.5],
      [3, 4, 1],
      [4, 5, 1],
      [5, 6, 1],
      // i = 6, j = 7: rows 6 (source eos) empty, then j → j
      ...diag(7, L),
    ]);
  });

  it('maps every source token of a 2-token word to a 1-token target with weight 1 and drops the last diagonal entry', () => {
    // "ox" = [2, 3] → "cat" = [2]: ratio 1/1; afterwards i = 4, j = 3 so j stops at 75.
    const m = replacementMapper(tokenizer, 'a ox on the bench', 'a cat on the bench');
    expect(nonZeros(m)).toEqual([[0, 0, 1], [1, 1, 1], [2, 2, 1], [3, 2, 1], [3, 3, 1], ...diag(4, L - 1)]);
    expect(m[(L - 1) * L + (L - 1)]).toBe(0);
  });

  it('maps equal-length multi-token words pairwise, not as an outer product', () => {
    expect(tokenizer.wordTokenIndices('a at on', 1)).toEqual([2, 3]);
    const m = replacementMapper(tokenizer, 'a ox on', 'a at on');
    expect(nonZeros(m)).toEqual(diag(0, L));
  });

  it('uses 1/3 weights for a 3-token target word', () => {
    const m = replacementMapper(tokenizer, 'a cat', 'a cow');
    expect(m[2 * L + 2]).toBe(Math.fround(1 / 3));
    expect(m[2 * L + 3]).toBe(Math.fround(1 / 3));
    expect(m[2 * L + 4]).toBe(Math.fround(1 / 3));
    expect(m[3 * L + 3]).toBe(0);
    expect(m[5 * L + 5]).toBe(1);
  });

  it('honours maxLen', () => {
    const m = replacementMapper(tokenizer, 'a cat', 'a dog', 8);
    expect(nonZeros(m, 8)).toEqual(diag(0, 8));
  });

  it('rejects prompts with different word counts and suggests the refine edit', () => {
    let error: unknown;
    try {
      replacementMapper(tokenizer, 'a cat', 'a fluffy cat');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RepriseError);
    expect((error as RepriseError).code).toBe('CONFIG_INVALID');
    expect((error as RepriseError).message).toMatch(/same number of words/);
    expect((error as RepriseError).hint).toMatch(/refine/);
  });

  it('rejects a changed word without tokens', () => {
    expect(() => replacementMapper(tokenizer, 'a  cat', 'a dog cat')).toThrow(/has no tokens/);
  });
});
