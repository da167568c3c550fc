import { describe, expect, it } from 'vitest';

import { equalizer } from '../../../src/attention/alignment/index.js';
import { RepriseError } from '../../../src/errors.js';
import { L, tokenizer } from './helpers.js';

/** Positions whose weight differs from 1, with the weight. */
const changed = (eq: Float32Array): [number, number][] => Array.from(eq).flatMap((v, j) => (v !== 1 ? [[j, v] as [number, number]] : []));

describe('equalizer (get_equalizer)', () => {
  it('scales exactly the chosen word\'s token', () => {
    const eq = equalizer(tokenizer, 'a photo of a fluffy cat', { fluffy: 5 });
    expect(eq).toHaveLength(L);
    expect(changed(eq)).toEqual([[5, 5]]);
  });

  it('scales every token of a multi-token word and every occurrence of a repeated word', () => {
    expect(changed(equalizer(tokenizer, 'a cow on snow', { cow: 2 }))).toEqual([[2, 2], [3, 2], [4, 2]]);
    expect(changed(equalizer(tokenizer, 'a photo of a cat', { a: 0.5 }))).toEqual([[1, 0.5], [4, 0.5]]);
  });

  it('accepts word indices and per-word weights; later entries win', () => {
    const eq = equalizer(tokenizer, 'a photo of a cat', [
      { word: 3, weight: 0.25 },
      { word: 'cat', weight: -1 },
      { word: 'photo', weight: 2 },
      { word: 'photo', weight: 3 },
    ]);
    expect(changed(eq)).toEqual([[2, 3], [4, 0.25], [5, -1]]);
  });

  it('treats record keys as words, never as indices', () => {
    expect(() => equalizer(tokenizer, 'a photo of a cat', { '1': 2 })).toThrow(RepriseError);
  });

  it('rejects missing words and bad weights with CONFIG_INVALID', () => {
    for (const bad of [() => equalizer(tokenizer, 'a cat', { dog: 2 }), () => equalizer(tokenizer, 'a cat', [{ word: 7, weight: 2 }]), () => equalizer(tokenizer, 'a cat', { cat: Number.NaN })]) {
      expect(bad).toThrow(RepriseError);
      try {
        bad();
      } catch (e) {
        expect((e as RepriseError).code).toBe('CONFIG_INVALID');
        expect((e as RepriseError).hint).toBeTruthy();
      }
    }
  });
});
