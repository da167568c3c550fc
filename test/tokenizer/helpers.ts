/** Shared helpers of the tokenizer tests: fixture location and a self-built tiny CLIP vocabulary. */

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildWordVocab } from '../../src/tokenizer/word-vocab.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The reference fixtures folder (`REPRISE_FIXTURES` or `../shared/fixtures/reference`). */
export const fixturesDir = process.env.REPRISE_FIXTURES ?? path.resolve(repoRoot, '../shared/fixtures/reference');

/** The golden tokenizer folder, or undefined when the fixtures are not available. */
export const tinyFixtureDir: string | undefined = (() => {
  const dir = path.join(fixturesDir, 'tokenizer-tiny');
  return existsSync(path.join(dir, 'vocab.json')) && existsSync(path.join(dir, 'merges.txt')) ? dir : undefined;
})();

/** One case of `reference.json`. */
export interface ReferenceCase {
  text: string;
  tokens: string[];
  input_ids: number[];
}

/** Words whose merges the self-built vocabulary contains, in merge-priority order. */
export const TINY_WORDS = [
  'photo', 'of', 'cat', 'dog', 'sitting', 'on', 'the', 'bench', 'red', 'blue', 'car', 'tiger',
  'painting', 'watercolor', 'fluffy', 'house', 'snow', 'tree',
];

/** The tiny vocabulary the fixture's tokenizer was built like (see src/tokenizer/word-vocab.ts). */
export function buildTinyFiles(words: readonly string[] = TINY_WORDS): { vocab: Record<string, number>; merges: string[] } {
  return buildWordVocab(words);
}

/** Python-style port of prompt-to-prompt's `ptp_utils.get_word_inds`, for comparison. */
export function ptpGetWordInds(
  text: string,
  wordPlace: string | number,
  encode: (t: string) => number[],
  decodeOne: (id: number) => string,
): number[] {
  const splitText = text.split(' ');
  const places = typeof wordPlace === 'string' ? splitText.flatMap((w, i) => (w === wordPlace ? [i] : [])) : [wordPlace];
  const out: number[] = [];
  if (places.length > 0) {
    const wordsEncode = encode(text).map((id) => decodeOne(id).replace(/^#+|#+$/g, '')).slice(1, -1);
    let curLen = 0;
    let ptr = 0;
    for (let i = 0; i < wordsEncode.length; i++) {
      curLen += [...(wordsEncode[i] as string)].length;
      if (places.includes(ptr)) out.push(i + 1);
      if (curLen >= [...(splitText[ptr] as string)].length) {
        ptr += 1;
        curLen = 0;
      }
    }
  }
  return out;
}
