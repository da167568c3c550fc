/** Construction options and result types of {@link ClipTokenizer}. */

import type { AddedTokenSpec } from './added-tokens.js';
import type { ClipTokenizer } from './clip-tokenizer.js';

/** Default beginning-of-text token of CLIP. */
export const DEFAULT_BOS_TOKEN = '<|startoftext|>';
/** Default end-of-text token of CLIP (also the default unk and pad token). */
export const DEFAULT_EOS_TOKEN = '<|endoftext|>';
/** Default sequence length of CLIP text encoders. */
export const DEFAULT_MAX_LENGTH = 77;
/** CLIP's end-of-word suffix. */
export const DEFAULT_END_OF_WORD_SUFFIX = '</w>';

/** Everything {@link ClipTokenizer.fromFiles} needs; only `vocab` and `merges` are required. */
export interface ClipTokenizerOptions {
  /** Token → id (the content of `vocab.json`). */
  readonly vocab: Readonly<Record<string, number>> | ReadonlyMap<string, number>;
  /**
   * Merge rules, highest priority first: lines `"a b"` (a first `#version` line and blank lines
   * are skipped) or pairs `["a", "b"]`.
   */
  readonly merges: readonly string[] | readonly (readonly [string, string])[];
  /** Beginning-of-text token. Default `<|startoftext|>`. */
  readonly bosToken?: string;
  /** End-of-text token. Default `<|endoftext|>`. */
  readonly eosToken?: string;
  /** Padding token. Default: the eos token (SD 1.x); SD 2.x uses `"!"`. */
  readonly padToken?: string;
  /** Token for symbols missing from the vocabulary. Default `<|endoftext|>`. */
  readonly unkToken?: string;
  /** Sequence length for truncation and padding (`model_max_length`). Default 77. */
  readonly maxLength?: number;
  /**
   * Extra added tokens (e.g. textual-inversion tokens). The bos/eos/pad/unk tokens are always
   * added as special tokens; an entry here with the same content sets their id or flags.
   */
  readonly addedTokens?: readonly AddedTokenSpec[];
  /** Suffix of word-final symbols. Default `</w>`. */
  readonly endOfWordSuffix?: string;
  /** Where `vocab` and `merges` came from, for error messages (file paths when loaded from a folder). */
  readonly sources?: {
    readonly vocab?: string;
    readonly merges?: string;
    /** Added to merge entry indices in messages: 1 when `merges` are the lines of a file. */
    readonly mergesLineOffset?: number;
  };
}

/** Options of {@link ClipTokenizer.encode}. */
export interface EncodeOptions {
  /** `'max_length'` (default) pads with the pad id up to `maxLength`; `'none'` does not pad. */
  readonly padding?: 'max_length' | 'none';
  /** Cut sequences longer than `maxLength` to `[bos, first maxLength-2 tokens, eos]`. Default true. */
  readonly truncation?: boolean;
  /** Overrides the tokenizer's `maxLength` for this call. */
  readonly maxLength?: number;
}

/** Result of {@link ClipTokenizer.encode}. */
export interface Encoding {
  /** Token ids: bos, text tokens, eos, then padding. */
  readonly inputIds: number[];
  /** 1 for bos, text tokens and eos; 0 for padding. */
  readonly attentionMask: number[];
  /** Number of non-padding ids (bos and eos included), i.e. the sum of `attentionMask`. */
  readonly length: number;
}

/** Options of {@link ClipTokenizer.decode}. */
export interface DecodeOptions {
  /** Drop special tokens (bos, eos, pad, unk and added special tokens). Default false, as in HF. */
  readonly skipSpecialTokens?: boolean;
  /**
   * Apply HF's `clean_up_tokenization` (removes the space before `.`, `,`, `!`, `?` and in
   * contractions). Default false.
   */
  readonly cleanUpTokenizationSpaces?: boolean;
}

/** One space-separated word of a prompt and the positions of its tokens. */
export interface WordTokens {
  /** The word as it appears in `text.split(' ')` (may be empty for repeated spaces). */
  readonly word: string;
  /** Positions in the encoded sequence (1-based: position 0 is bos), truncated ones omitted. */
  readonly tokenIndices: number[];
}
