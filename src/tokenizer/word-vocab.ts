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

/** Options of {@link buildWordVocab}. */
export interface WordVocabOptions {
  /**
   * Guarantee that every word encodes as one token, whatever merges the words before it add
   * (default false: one merge chain per word, character by character, as the reference fixtures'
   * tokenizer was built — there a short word's merge can split a later, longer word).
   */
  readonly wholeWords?: boolean;
}

/** Builds the vocabulary; words are lowercase and merge in the given priority order. */
export function buildWordVocab(words: readonly string[], options: WordVocabOptions = {}): WordVocabFiles {
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
  if (options.wholeWords === true) {
    const ranks = new Map<string, number>();
    for (const word of words) {
      // Apply the merges so far, as the tokenizer will, then chain the remaining pieces left to
      // right with new (lower-priority) merges: the word ends as one token whatever merges
      // earlier words added, and earlier words keep theirs (they finish before a new merge applies).
      const pieces = bpe(word, ranks);
      let prefix = pieces[0] as string;
      for (let i = 1; i < pieces.length; i++) {
        const line = `${prefix} ${pieces[i] as string}`;
        ranks.set(line, ranks.size);
        merges.push(line);
        add(prefix + (pieces[i] as string));
        prefix += pieces[i] as string;
      }
    }
  } else {
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
  }
  add('<|startoftext|>');
  add('<|endoftext|>');
  return { vocab, merges };
}

/** CLIP BPE of one lowercase word (last symbol marked `</w>`) under the merge ranks given. */
function bpe(word: string, ranks: ReadonlyMap<string, number>): string[] {
  const chars = [...word];
  let pieces = chars.map((c, i) => (i === chars.length - 1 ? `${c}</w>` : c));
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < pieces.length; i++) {
      const r = ranks.get(`${pieces[i] as string} ${pieces[i + 1] as string}`);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) return pieces;
    const a = pieces[best] as string;
    const b = pieces[best + 1] as string;
    const next: string[] = [];
    for (let i = 0; i < pieces.length; i++) {
      if (i + 1 < pieces.length && pieces[i] === a && pieces[i + 1] === b) {
        next.push(a + b);
        i++;
      } else next.push(pieces[i] as string);
    }
    pieces = next;
  }
}
