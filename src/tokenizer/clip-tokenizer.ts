/**
 * CLIP BPE tokenizer, reproducing Hugging Face `CLIPTokenizerFast` (and `CLIPTokenizer`) as used
 * by Stable Diffusion pipelines: `tokenizer(text, padding="max_length", truncation=True,
 * max_length=tokenizer.model_max_length)`.
 */

import { AddedTokenMatcher, type AddedToken } from './added-tokens.js';
import { BpeModel } from './bpe.js';
import { fromByteLevel, toByteLevel } from './bytes.js';
import { loadTokenizerFolder } from './load.js';
import { normalizeClipText, preTokenizeClip } from './normalize.js';
import {
  DEFAULT_BOS_TOKEN,
  DEFAULT_END_OF_WORD_SUFFIX,
  DEFAULT_EOS_TOKEN,
  DEFAULT_MAX_LENGTH,
  type ClipTokenizerOptions,
  type DecodeOptions,
  type EncodeOptions,
  type Encoding,
  type WordTokens,
} from './options.js';
import { resolveAddedTokens } from './resolve.js';
import { tokenizerError, toMergePairs, toVocabMap } from './validate.js';
import { splitWords, wordPositions } from './words.js';
import { ConfigError } from '../errors.js';

/** Byte-level BPE tokenizer of CLIP text encoders. */
export class ClipTokenizer {
  /** Id of the beginning-of-text token. */
  readonly bosTokenId: number;
  /** Id of the end-of-text token. */
  readonly eosTokenId: number;
  /** Id used for padding (eos for SD 1.x, `"!"` = 0 for SD 2.x). */
  readonly padTokenId: number;
  /** Id of the unknown token. */
  readonly unkTokenId: number;
  /** Sequence length of encodings (`model_max_length`, 77 for CLIP). */
  readonly maxLength: number;
  /** Number of distinct ids: the vocabulary plus added tokens outside it (HF `len(tokenizer)`). */
  readonly vocabSize: number;

  private readonly vocab: ReadonlyMap<string, number>;
  private readonly addedTokens: ReadonlyMap<string, AddedToken>;
  private readonly unkToken: string;
  private readonly idToTokenMap: ReadonlyMap<number, string>;
  private readonly specialIds: ReadonlySet<number>;
  private readonly rawMatcher: AddedTokenMatcher;
  private readonly normalizedMatcher: AddedTokenMatcher;
  private readonly bpe: BpeModel;
  private readonly suffix: string;

  private constructor(options: ClipTokenizerOptions) {
    const vocabSource = options.sources?.vocab ?? 'vocab';
    const vocab = toVocabMap(options.vocab, vocabSource);
    const merges = toMergePairs(options.merges, vocab, options.sources?.merges ?? 'merges', options.sources?.mergesLineOffset ?? 0);
    const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
    if (!Number.isInteger(maxLength) || maxLength < 2) {
      throw tokenizerError(
        `Invalid tokenizer maxLength ${maxLength}: expected an integer ≥ 2 (room for bos and eos).`,
        'CLIP text encoders use 77 (model_max_length in tokenizer_config.json).',
      );
    }
    const eosToken = options.eosToken ?? DEFAULT_EOS_TOKEN;
    const special = {
      bos: options.bosToken ?? DEFAULT_BOS_TOKEN,
      eos: eosToken,
      pad: options.padToken ?? eosToken,
      unk: options.unkToken ?? DEFAULT_EOS_TOKEN,
    };
    const added = resolveAddedTokens(vocab, Object.values(special), options.addedTokens ?? [], vocabSource);
    const idOf = (token: string): number => (added.get(token) as AddedToken).id;

    this.vocab = vocab;
    this.addedTokens = added;
    this.unkToken = special.unk;
    this.bosTokenId = idOf(special.bos);
    this.eosTokenId = idOf(special.eos);
    this.padTokenId = idOf(special.pad);
    this.unkTokenId = idOf(special.unk);
    this.maxLength = maxLength;
    this.suffix = options.endOfWordSuffix ?? DEFAULT_END_OF_WORD_SUFFIX;
    this.bpe = new BpeModel({ vocab, merges, unkToken: special.unk, endOfWordSuffix: this.suffix });

    const idToToken = new Map<number, string>();
    for (const [token, id] of vocab) if (!idToToken.has(id)) idToToken.set(id, token);
    const specialIds = new Set<number>();
    for (const token of added.values()) {
      idToToken.set(token.id, token.content);
      if (token.special) specialIds.add(token.id);
    }
    this.idToTokenMap = idToToken;
    this.specialIds = specialIds;
    this.vocabSize = idToToken.size;

    const tokens = [...added.values()];
    this.rawMatcher = new AddedTokenMatcher(tokens.filter((t) => !t.normalized).map((t) => ({ pattern: t.content, token: t })));
    this.normalizedMatcher = new AddedTokenMatcher(
      tokens.filter((t) => t.normalized).map((t) => ({ pattern: normalizeClipText(t.content), token: t })),
    );
  }

  /**
   * Builds a tokenizer from in-memory vocabulary and merges.
   * @throws RepriseError `TOKENIZER_INVALID` when the vocabulary, merges or special tokens are inconsistent.
   */
  static fromFiles(options: ClipTokenizerOptions): ClipTokenizer {
    return new ClipTokenizer(options);
  }

  /**
   * Loads a tokenizer folder (`vocab.json` + `merges.txt`, or `tokenizer.json`), reading special
   * tokens and `model_max_length` from `tokenizer_config.json` / `special_tokens_map.json`.
   * @throws RepriseError `TOKENIZER_INVALID` naming the missing or malformed file.
   */
  static fromFolder(dir: string): ClipTokenizer {
    return new ClipTokenizer(loadTokenizerFolder(dir));
  }

  /** BPE tokens of `text`, without bos/eos (HF `tokenizer.tokenize`). */
  tokenize(text: string): string[] {
    return this.tokenizeWithIds(text).tokens;
  }

  /**
   * Encodes `text` as `[bos, tokens..., eos]`, truncated to `[bos, first maxLength-2 tokens, eos]`
   * and padded with the pad id up to `maxLength` (both by default).
   */
  encode(text: string, options: EncodeOptions = {}): Encoding {
    const maxLength = options.maxLength ?? this.maxLength;
    if (!Number.isInteger(maxLength) || maxLength < 2) throw new ConfigError('CONFIG_INVALID', 'maxLength', `maxLength must be an integer ≥ 2, got ${maxLength}`, 'Pass the text encoder\'s context length (77 for CLIP).');
    let content = this.tokenizeWithIds(text).ids;
    if ((options.truncation ?? true) && content.length > maxLength - 2) content = content.slice(0, maxLength - 2);
    const inputIds = [this.bosTokenId, ...content, this.eosTokenId];
    const length = inputIds.length;
    const attentionMask = new Array<number>(length).fill(1);
    if ((options.padding ?? 'max_length') === 'max_length') {
      while (inputIds.length < maxLength) {
        inputIds.push(this.padTokenId);
        attentionMask.push(0);
      }
    }
    return { inputIds, attentionMask, length };
  }

  /**
   * Encodes several texts (padded and truncated to `maxLength`) into one row-major int64 tensor
   * of shape `[texts.length, maxLength]`, ready for the text encoder's `input_ids`.
   */
  encodeBatch(texts: readonly string[]): BigInt64Array {
    const out = new BigInt64Array(texts.length * this.maxLength);
    texts.forEach((text, row) => {
      const { inputIds } = this.encode(text);
      inputIds.forEach((id, col) => {
        out[row * this.maxLength + col] = BigInt(id);
      });
    });
    return out;
  }

  /**
   * Turns ids back into text like HF `decode`: byte-level decoding, `</w>` becomes a space, the
   * result is trimmed. Unknown ids are ignored.
   */
  decode(ids: Iterable<number | bigint>, options: DecodeOptions = {}): string {
    const tokens: string[] = [];
    for (const raw of ids) {
      const id = Number(raw);
      const token = this.idToTokenMap.get(id);
      if (token === undefined) continue;
      if (options.skipSpecialTokens === true && this.specialIds.has(id)) continue;
      tokens.push(token);
    }
    const text = fromByteLevel(tokens).split(this.suffix).join(' ').trim();
    return options.cleanUpTokenizationSpaces === true ? cleanUpTokenization(text) : text;
  }

  /** Id of a token string (added tokens first, then the vocabulary), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.addedTokens.get(token)?.id ?? this.vocab.get(token);
  }

  /** Token string of an id, or undefined when no token has it. */
  idToToken(id: number): string | undefined {
    return this.idToTokenMap.get(id);
  }

  /**
   * Positions (1-based; 0 is bos) of the tokens of one word of `text`, with the semantics of
   * prompt-to-prompt's `ptp_utils.get_word_inds`: `text` is split on `' '`; `word` is either a
   * word string (every occurrence, compared exactly) or a word position. Positions cut by
   * truncation are omitted.
   */
  wordTokenIndices(text: string, word: string | number): number[] {
    const words = this.wordsToTokens(text);
    if (typeof word === 'number') return words[word]?.tokenIndices.slice() ?? [];
    return words.filter((w) => w.word === word).flatMap((w) => w.tokenIndices);
  }

  /** Every word of `text.split(' ')` with the positions (1-based) of its tokens. */
  wordsToTokens(text: string): WordTokens[] {
    const words = splitWords(text);
    const positions = wordPositions(
      words.map((w) => this.tokenizeWithIds(w).ids.length),
      this.maxLength - 2,
    );
    return words.map((w, i) => ({ word: w, tokenIndices: positions[i] ?? [] }));
  }

  /** Added-token splitting, normalization, pre-tokenization and BPE. */
  private tokenizeWithIds(text: string): { tokens: string[]; ids: number[] } {
    const tokens: string[] = [];
    const ids: number[] = [];
    for (const rawPiece of this.rawMatcher.split(text)) {
      if (rawPiece.token !== undefined) {
        tokens.push(rawPiece.token.content);
        ids.push(rawPiece.token.id);
        continue;
      }
      for (const piece of this.normalizedMatcher.split(normalizeClipText(rawPiece.text))) {
        if (piece.token !== undefined) {
          tokens.push(piece.token.content);
          ids.push(piece.token.id);
          continue;
        }
        for (const word of preTokenizeClip(piece.text)) {
          for (const token of this.bpe.tokenizeWord(toByteLevel(word))) {
            tokens.push(token);
            ids.push(token === this.unkToken ? this.unkTokenId : (this.vocab.get(token) as number));
          }
        }
      }
    }
    return { tokens, ids };
  }
}

/** HF `clean_up_tokenization`: removes spaces before punctuation and inside contractions. */
function cleanUpTokenization(text: string): string {
  const replacements: [string, string][] = [
    [' .', '.'],
    [' ?', '?'],
    [' !', '!'],
    [' ,', ','],
    [" ' ", "'"],
    [" n't", "n't"],
    [" 'm", "'m"],
    [" 's", "'s"],
    [" 've", "'ve"],
    [" 're", "'re"],
  ];
  return replacements.reduce((s, [from, to]) => s.split(from).join(to), text);
}
