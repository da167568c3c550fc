/**
 * Attention re-weighting vector of the prompt-to-prompt *reweight* edit (Hertz et al. 2022,
 * Prompt-to-Prompt, §3.2 "Attention Re-weighting"), reproducing the notebook's `get_equalizer`.
 *
 * Notation: for the chosen words' tokens j*, `M*_{·,j*} ← c · M_{·,j*}` with the weight c; every other
 * token keeps weight 1 (no renormalisation).
 */

import { z } from 'zod';

import { checkMaxLen, checkPositions, DEFAULT_MAX_LEN, editError, parseOption, type AlignmentTokenizer } from './common.js';

/** One re-weighted word: a word string (every occurrence) or a word index of `text.split(' ')`. */
export interface WordWeight {
  readonly word: string | number;
  readonly weight: number;
}

/**
 * Word weights: `{ word: weight }` (keys are words compared exactly, never indices) or a list of
 * `{ word, weight }` entries (numbers are word indices). Later entries win where tokens overlap.
 */
export type WordWeights = Readonly<Record<string, number>> | readonly WordWeight[];

const weightSchema = z.number();

/** Zod schema of {@link WordWeights}. */
export const wordWeightsSchema = z.union([
  z.array(z.object({ word: z.union([z.string(), z.number().int().nonnegative()]), weight: weightSchema }).strict()),
  z.record(z.string(), weightSchema),
]);

/**
 * Equalizer of `text` (the prompt whose token positions it scales: the target prompt of an edit):
 * a `[maxLen]` vector of ones with `weight` at every token of each chosen word
 * (`equalizer[:, get_word_inds(text, word)] = value`).
 *
 * The reference applies one value list to all selected words; giving a weight per word generalises
 * it (same result when all weights are equal).
 *
 * @throws RepriseError `CONFIG_INVALID` for a non-finite weight or a word that matches no token of
 *   `text` (the reference silently ignores it, which hides typos).
 */
export function equalizer(tokenizer: AlignmentTokenizer, text: string, weights: WordWeights, maxLen: number = DEFAULT_MAX_LEN): Float32Array {
  checkMaxLen(maxLen);
  const parsed = parseOption(wordWeightsSchema, weights, 'reweight weights', 'Give { word: weight } or [{ word, weight }] with finite weights (word indices count from 0).');
  const entries: WordWeight[] = Array.isArray(parsed) ? parsed : Object.entries(parsed).map(([word, weight]) => ({ word, weight }));
  const eq = new Float32Array(maxLen).fill(1);
  for (const { word, weight } of entries) {
    const inds = tokenizer.wordTokenIndices(text, word);
    if (inds.length === 0) {
      throw editError(
        `Reweight word ${JSON.stringify(word)} is not in the prompt "${text}".`,
        typeof word === 'number'
          ? `Word indices count from 0 over the prompt split on spaces (this prompt has ${text.split(' ').length} words).`
          : 'Words are matched exactly (case and punctuation included) against the prompt split on spaces.',
      );
    }
    checkPositions(inds, maxLen, `Reweight word ${JSON.stringify(word)}`);
    for (const j of inds) eq[j] = weight;
  }
  return eq;
}
