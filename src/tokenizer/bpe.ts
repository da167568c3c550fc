/**
 * Byte-pair encoding of one pre-tokenized word, with the semantics of the HF `BPE` model used by
 * CLIP (`end_of_word_suffix="</w>"`, no continuing-subword prefix, no unk fusing).
 */

/** A merge rule: the pair of symbols it joins. Its rank is its position in the merge list. */
export type MergePair = readonly [string, string];

/** Inputs of {@link BpeModel}. Merges must already be validated against the vocabulary. */
export interface BpeModelOptions {
  /** Token string → id. */
  readonly vocab: ReadonlyMap<string, number>;
  /** Merge rules, highest priority first. */
  readonly merges: readonly MergePair[];
  /** Token emitted for a symbol that is not in the vocabulary. */
  readonly unkToken: string;
  /** Suffix appended to the last symbol of every word (CLIP: `</w>`). */
  readonly endOfWordSuffix: string;
  /** Maximum number of cached words (default 10 000, as in HF tokenizers). */
  readonly cacheCapacity?: number;
}

const DEFAULT_CACHE_CAPACITY = 10_000;

/** BPE model with a per-word cache. */
export class BpeModel {
  private readonly vocab: ReadonlyMap<string, number>;
  private readonly ranks: Map<string, number>;
  private readonly unkToken: string;
  private readonly suffix: string;
  private readonly cache = new Map<string, readonly string[]>();
  private readonly cacheCapacity: number;

  constructor(options: BpeModelOptions) {
    this.vocab = options.vocab;
    this.unkToken = options.unkToken;
    this.suffix = options.endOfWordSuffix;
    this.cacheCapacity = options.cacheCapacity ?? DEFAULT_CACHE_CAPACITY;
    this.ranks = new Map();
    options.merges.forEach(([a, b], rank) => {
      // A repeated pair keeps its last rank, as in both HF implementations (a dict / HashMap
      // built in file order). Repeats do not occur in real merge files.
      this.ranks.set(pairKey(a, b), rank);
    });
  }

  /**
   * Splits one byte-level word into BPE tokens. The last symbol carries the end-of-word suffix;
   * characters not in the vocabulary become the unk token and take part in no merge.
   */
  tokenizeWord(word: string): readonly string[] {
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    const result = this.merge(word);
    if (this.cache.size >= this.cacheCapacity) this.cache.clear();
    this.cache.set(word, result);
    return result;
  }

  private merge(word: string): readonly string[] {
    const chars = Array.from(word);
    if (chars.length === 0) return [];
    const symbols: string[] = chars.map((c, i) => (i === chars.length - 1 ? c + this.suffix : c));
    const known: boolean[] = symbols.map((s) => this.vocab.has(s));

    for (;;) {
      let bestRank = Infinity;
      let bestA = '';
      let bestB = '';
      for (let i = 0; i + 1 < symbols.length; i++) {
        if (!known[i] || !known[i + 1]) continue;
        const a = symbols[i] as string;
        const b = symbols[i + 1] as string;
        const rank = this.ranks.get(pairKey(a, b));
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestA = a;
          bestB = b;
        }
      }
      if (bestRank === Infinity) break;
      // Merge every occurrence of the best pair, left to right (non-overlapping).
      const merged = bestA + bestB;
      const nextSymbols: string[] = [];
      const nextKnown: boolean[] = [];
      for (let i = 0; i < symbols.length; i++) {
        const s = symbols[i] as string;
        const k = known[i] as boolean;
        if (k && s === bestA && i + 1 < symbols.length && known[i + 1] && symbols[i + 1] === bestB) {
          nextSymbols.push(merged);
          nextKnown.push(true);
          i++;
        } else {
          nextSymbols.push(s);
          nextKnown.push(k);
        }
      }
      symbols.splice(0, symbols.length, ...nextSymbols);
      known.splice(0, known.length, ...nextKnown);
      if (symbols.length === 1) break;
    }
    return symbols.map((s, i) => (known[i] ? s : this.unkToken));
  }
}

/** Key of a merge pair in the rank table (merge symbols never contain spaces). */
function pairKey(a: string, b: string): string {
  return `${a} ${b}`;
}
