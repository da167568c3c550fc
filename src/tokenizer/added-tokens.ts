/**
 * Added tokens (special tokens, textual-inversion tokens...): strings that are cut out of the
 * text whole before BPE and map straight to their id, as in the HF `AddedVocabulary`.
 */

/** An added token as declared by the caller or a tokenizer file. */
export interface AddedTokenSpec {
  /** The token text. */
  readonly content: string;
  /** Its id; looked up in the vocabulary when omitted. */
  readonly id?: number;
  /** Special tokens are dropped by `decode(..., { skipSpecialTokens: true })`. Default false. */
  readonly special?: boolean;
  /**
   * Whether the token is matched in the normalized (lowercased...) text rather than the raw
   * text. Default true (HF's default for `AddedToken`).
   */
  readonly normalized?: boolean;
}

/** An added token with its id resolved (see {@link AddedTokenSpec} for the fields). */
export interface AddedToken {
  /** The token text. */
  readonly content: string;
  /** Its id. */
  readonly id: number;
  /** Whether `skipSpecialTokens` drops it. */
  readonly special: boolean;
  /** Whether it is matched in the normalized text. */
  readonly normalized: boolean;
}

/** A piece of text after added-token splitting: either plain text or one added token. */
export type AddedSplit = { readonly text: string; readonly token?: undefined } | { readonly text: string; readonly token: AddedToken };

/** Finds added tokens in text, leftmost match first and the longest among those starting there. */
export class AddedTokenMatcher {
  private readonly byFirstChar = new Map<string, { pattern: string; token: AddedToken }[]>();

  /**
   * @param entries the strings to look for (possibly normalized forms of the tokens' content)
   *   and the token each stands for.
   */
  constructor(entries: readonly { pattern: string; token: AddedToken }[]) {
    for (const entry of entries) {
      if (entry.pattern.length === 0) continue;
      const first = entry.pattern[0] as string;
      let list = this.byFirstChar.get(first);
      if (list === undefined) {
        list = [];
        this.byFirstChar.set(first, list);
      }
      list.push(entry);
    }
    for (const list of this.byFirstChar.values()) list.sort((x, y) => y.pattern.length - x.pattern.length);
  }

  /** True when there is nothing to match. */
  get isEmpty(): boolean {
    return this.byFirstChar.size === 0;
  }

  /** Splits `text` around every added token it contains; empty plain pieces are omitted. */
  split(text: string): AddedSplit[] {
    if (this.isEmpty) return text.length > 0 ? [{ text }] : [];
    const out: AddedSplit[] = [];
    let plainStart = 0;
    let i = 0;
    while (i < text.length) {
      const found = this.matchAt(text, i);
      if (found === undefined) {
        i++;
        continue;
      }
      if (i > plainStart) out.push({ text: text.slice(plainStart, i) });
      out.push({ text: found.pattern, token: found.token });
      i += found.pattern.length;
      plainStart = i;
    }
    if (plainStart < text.length) out.push({ text: text.slice(plainStart) });
    return out;
  }

  private matchAt(text: string, at: number): { pattern: string; token: AddedToken } | undefined {
    const candidates = this.byFirstChar.get(text[at] as string);
    if (candidates === undefined) return undefined;
    for (const candidate of candidates) {
      if (text.startsWith(candidate.pattern, at)) return candidate;
    }
    return undefined;
  }
}
