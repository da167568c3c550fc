import { describe, expect, it } from 'vitest';

import { ClipTokenizer } from '../../src/tokenizer/index.js';
import { buildTinyFiles, ptpGetWordInds } from './helpers.js';

const tokenizer = ClipTokenizer.fromFiles(buildTinyFiles());
const ptp = (text: string, word: string | number): number[] =>
  ptpGetWordInds(
    text,
    word,
    (t) => tokenizer.encode(t, { padding: 'none', truncation: false }).inputIds,
    (i) => tokenizer.decode([i]),
  );

describe('wordTokenIndices', () => {
  const text = 'a watercolor painting of a cat';

  it('returns every token position of a word split into several tokens', () => {
    // painting → pain, ti, n, g</w>
    expect(tokenizer.wordTokenIndices(text, 'painting')).toEqual([3, 4, 5, 6]);
    expect(tokenizer.wordTokenIndices(text, 2)).toEqual([3, 4, 5, 6]);
    expect(tokenizer.wordTokenIndices(text, 'cat')).toEqual([9]);
  });

  it('returns all occurrences of a repeated word, or one by position', () => {
    expect(tokenizer.wordTokenIndices(text, 'a')).toEqual([1, 8]);
    expect(tokenizer.wordTokenIndices(text, 4)).toEqual([8]);
    expect(tokenizer.wordTokenIndices('tiger tiger painting tiger', 'tiger')).toEqual([1, 2, 7]);
  });

  it('returns nothing for absent words and out-of-range positions', () => {
    expect(tokenizer.wordTokenIndices(text, 'dog')).toEqual([]);
    expect(tokenizer.wordTokenIndices(text, 'Cat')).toEqual([]);
    expect(tokenizer.wordTokenIndices(text, 6)).toEqual([]);
    expect(tokenizer.wordTokenIndices(text, -1)).toEqual([]);
  });

  it('attaches punctuation to its word, as words are split on spaces only', () => {
    const t = 'a red car, 4k (tree)';
    expect(tokenizer.wordTokenIndices(t, 'car,')).toEqual([3, 4]);
    expect(tokenizer.wordTokenIndices(t, '4k')).toEqual([5, 6]);
    expect(tokenizer.wordTokenIndices(t, '(tree)')).toEqual([7, 8, 9, 10, 11]);
  });

  it('agrees with a port of ptp_utils.get_word_inds on ordinary prompts', () => {
    const prompts = [
      text,
      'a photo of a cat sitting on the bench',
      'fluffy tiger sitting in the snow... (tree)',
      'A Photo of a DOG!! watercolor painting, 4k',
      'cat cat dog cat',
    ];
    for (const prompt of prompts) {
      const words = prompt.split(' ');
      words.forEach((word, i) => {
        expect(tokenizer.wordTokenIndices(prompt, i)).toEqual(ptp(prompt, i));
        expect(tokenizer.wordTokenIndices(prompt, word)).toEqual(ptp(prompt, word));
      });
    }
  });

  it('attributes multi-byte characters to the right word (where the ptp heuristic drifts)', () => {
    const t = 'naïve café tiger';
    // naïve → n a Ã ¯ v e</w> (6 tokens), café → ca f Ã ©</w> (4 tokens)
    expect(tokenizer.wordTokenIndices(t, 'naïve')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tokenizer.wordTokenIndices(t, 'café')).toEqual([7, 8, 9, 10]);
    expect(tokenizer.wordTokenIndices(t, 'tiger')).toEqual([11]);
    // ptp counts one character per decoded byte token and moves on too early.
    expect(ptp(t, 'café')).not.toEqual([7, 8, 9, 10]);
  });

  it('drops positions cut by truncation', () => {
    const long = Array.from({ length: 100 }, () => 'cat').join(' ');
    expect(tokenizer.wordTokenIndices(long, 74)).toEqual([75]);
    expect(tokenizer.wordTokenIndices(long, 75)).toEqual([]);
    expect(tokenizer.wordTokenIndices(long, 'cat')).toHaveLength(75);
  });
});

describe('wordsToTokens', () => {
  it('lists every space-separated word with its token positions', () => {
    expect(tokenizer.wordsToTokens('a  watercolor painting')).toEqual([
      { word: 'a', tokenIndices: [1] },
      { word: '', tokenIndices: [] },
      { word: 'watercolor', tokenIndices: [2] },
      { word: 'painting', tokenIndices: [3, 4, 5, 6] },
    ]);
    expect(tokenizer.wordsToTokens('')).toEqual([{ word: '', tokenIndices: [] }]);
  });

  it('covers exactly the positions of the encoded tokens', () => {
    const t = "it's a house — naïve café, 2024 tiger\tin the snow";
    const positions = tokenizer.wordsToTokens(t).flatMap((w) => w.tokenIndices);
    const count = tokenizer.tokenize(t).length;
    expect(positions).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });
});
