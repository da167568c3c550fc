/** Shared helpers of the tokenizer tests: fixture location and a self-built tiny CLIP vocabulary. */

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { byteLevelAlphabet } from '../../src/tokenizer/index.js';

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

/**
 * Builds a tiny CLIP-style vocabulary the way the fixture's was built: the 256 byte symbols, the
 * 256 byte symbols with `</w>`, one merge chain per word (prefix + next character, the last with
 * `</w>`), then `<|startoftext|>` and `<|endoftext|>`.
 */
export function buildTinyFiles(words: readonly string[] = TINY_WORDS): { vocab: Record<string, number>; merges: string[] } {
  const alphabet = byteLevelAlphabet();
  const vocab: Record<string, number> = {};
  let next = 0;
  const add = (token: string): void => {
    if (!(token in vocab)) vocab[token] = next++;
  };
  // GPT-2/CLIP vocabularies list the byte symbols sorted by byte value of their printable form.
  const symbols = [...alphabet].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));
  for (const s of symbols) add(s);
  for (const s of symbols) add(`${s}</w>`);
  const merges = ['#version: 0.2'];
  const seen = new Set<string>();
  for (const word of words) {
    let prefix = word[0] as string;
    for (let i = 1; i < word.length; i++) {
      const last = i === word.length - 1;
      const right = last ? `${word[i] as string}</w>` : (word[i] as string);
      const line = `${prefix} ${right}`;
      if (!seen.has(line)) {
        seen.add(line);
        merges.push(line);
        add(prefix + right);
      }
      prefix += word[i] as string;
    }
  }
  add('<|startoftext|>');
  add('<|endoftext|>');
  return { vocab, merges };
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
