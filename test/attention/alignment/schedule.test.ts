import { describe, expect, it } from 'vitest';

import {
  crossReplaceAlphas,
  crossReplaceSchema,
  isSelfReplaceActive,
  selfReplaceSchema,
  selfReplaceWindow,
} from '../../../src/attention/alignment/index.js';
import { RepriseError } from '../../../src/errors.js';
import { L, tokenizer } from './helpers.js';

/** alpha[t][e][j] of a `[rows][E][L]` table. */
const at = (a: Float32Array, E: number, t: number, e: number, j: number): number => a[(t * E + e) * L + j] as number;

/** Rows t where every token of target e has weight 1; asserts the others are all 0. */
function activeRows(a: Float32Array, rows: number, E: number, e: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < rows; t++) {
    const row = Array.from({ length: L }, (_, j) => at(a, E, t, e, j));
    if (row.every((v) => v === 1)) out.push(t);
    else expect(row.every((v) => v === 0)).toBe(true);
  }
  return out;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => from + k);

describe('crossReplaceAlphas (get_time_words_attention_alpha)', () => {
  const prompts = ['a cat on the bench', 'a dog on the bench'];

  it('a single fraction s is the window (0, s) over steps + 1 rows: 50 steps, 0.8 → rows 0…39', () => {
    const a = crossReplaceAlphas(tokenizer, prompts, 50, 0.8);
    expect(a).toHaveLength(51 * 1 * L);
    expect(activeRows(a, 51, 1, 0)).toEqual(range(0, 40)); // int(0.8 · 51) = 40
  });

  it('a tuple (s0, s1) starts at int(s0 · (steps + 1))', () => {
    const a = crossReplaceAlphas(tokenizer, prompts, 50, [0.2, 0.6]);
    expect(activeRows(a, 51, 1, 0)).toEqual(range(10, 30)); // int(10.2) = 10, int(30.6) = 30
    expect(activeRows(crossReplaceAlphas(tokenizer, prompts, 50, 1), 51, 1, 0)).toEqual(range(0, 51));
    expect(activeRows(crossReplaceAlphas(tokenizer, prompts, 50, 0), 51, 1, 0)).toEqual([]);
  });

  it('per-word windows override the default on that word\'s target tokens only', () => {
    const multi = ['a cat on the bench', 'a dog on the bench', 'a ox on the dog'];
    const a = crossReplaceAlphas(tokenizer, multi, 50, { default: 1, words: { dog: 0.4, ox: [0.5, 1] } });
    const E = 2;
    for (let t = 0; t <= 50; t++) {
      for (let j = 0; j < L; j++) {
        // target 0: "dog" = token 2 → rows < int(0.4·51) = 20
        const dog0 = j === 2 ? (t < 20 ? 1 : 0) : 1;
        // target 1: "ox" = tokens 2, 3 → rows ≥ int(0.5·51) = 25; "dog" = token 6 → rows < 20
        const dog1 = j === 2 || j === 3 ? (t >= 25 ? 1 : 0) : j === 6 ? (t < 20 ? 1 : 0) : 1;
        expect([t, j, at(a, E, t, 0, j)]).toEqual([t, j, dog0]);
        expect([t, j, at(a, E, t, 1, j)]).toEqual([t, j, dog1]);
      }
    }
  });

  it('defaults the default window to (0, 1) as the reference does', () => {
    const a = crossReplaceAlphas(tokenizer, prompts, 10, { words: { dog: 0.5 } });
    for (let t = 0; t <= 10; t++) {
      expect(at(a, 1, t, 0, 1)).toBe(1);
      expect(at(a, 1, t, 0, 2)).toBe(t < 5 ? 1 : 0); // int(0.5 · 11) = 5
    }
  });

  it('rejects malformed windows and words missing from every target', () => {
    expect(() => crossReplaceAlphas(tokenizer, prompts, 50, 1.5)).toThrow(RepriseError);
    expect(() => crossReplaceAlphas(tokenizer, prompts, 50, [0.8, 0.2])).toThrow(/start must not exceed/);
    expect(() => crossReplaceAlphas(tokenizer, prompts, 50, { default: 0.8, words: { cat: 0.2 } })).toThrow(/in no target prompt/);
    expect(() => crossReplaceAlphas(tokenizer, prompts.slice(0, 1), 50, 0.8)).toThrow(RepriseError);
    expect(() => crossReplaceAlphas(tokenizer, prompts, 0, 0.8)).toThrow(RepriseError);
  });
});

describe('selfReplaceWindow (num_self_replace)', () => {
  it('uses int(steps · s), not steps + 1', () => {
    expect(selfReplaceWindow(50, 0.4)).toEqual([0, 20]);
    expect(selfReplaceWindow(50, [0.2, 0.6])).toEqual([10, 30]);
    expect(selfReplaceWindow(7, 0.5)).toEqual([0, 3]);
  });

  it('is active for start ≤ step < end', () => {
    const w = selfReplaceWindow(50, 0.4);
    expect(isSelfReplaceActive(w, 0)).toBe(true);
    expect(isSelfReplaceActive(w, 19)).toBe(true);
    expect(isSelfReplaceActive(w, 20)).toBe(false);
    expect(isSelfReplaceActive(selfReplaceWindow(50, [0.2, 0.6]), 9)).toBe(false);
  });

  it('schemas accept the documented shapes only', () => {
    expect(selfReplaceSchema.safeParse(0.4).success).toBe(true);
    expect(selfReplaceSchema.safeParse([0.1, 0.4]).success).toBe(true);
    expect(selfReplaceSchema.safeParse([0.1]).success).toBe(false);
    expect(crossReplaceSchema.safeParse({ default: [0, 0.8], words: { dog: 0.4 } }).success).toBe(true);
    expect(crossReplaceSchema.safeParse({ default_: 0.8 }).success).toBe(false);
    expect(crossReplaceSchema.safeParse(-0.1).success).toBe(false);
  });
});
