/**
 * Builds a small CLIP-style BPE vocabulary for a word list, laid out like CLIP's own: the 256
 * byte symbols, the same with `</w>`, one merge chain per word, then `<|startoftext|>` and
 * `<|endoftext|>`. Used for tiny generated models (tests, the demo model's caption vocabulary).
 */
import { byteLevelAlphabet } from './bytes.js';

/** vocab.json and merges.txt contents (merges with the `#version` header line). */
export interface WordVocabFiles {
  readonly vocab: Record<string, number>;
  readonly merges: string[];
}

/** Builds the vocabulary; words are lowercase and merge in the given priority order. */
export function buildWordVocab(words: readonly string[]): WordVocabFiles {
  const vocab: Record<string, number> = {};
  let next = 0;
  const add = (token: string): void => {
    if (!(token in vocab)) vocab[token] = next++;
  };
  // CLIP vocabularies list the byte symbols sorted by the code point of their printable form.
  const symbols = [...byteLevelAlphabet()].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));
  for (const s of symbols) add(s);
  for (const s of symbols) add(`${s}</w>`);
  const merges = ['#version: 0.2'];
  const seen = new Set<string>();
  for (const word of words) {
    let prefix = word[0] as string;
    for (let i = 1; i < word.length; i++) {
      const right = i === word.length - 1 ? `${word[i] as string}</w>` : (word[i] as string);
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
