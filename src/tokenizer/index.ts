/** CLIP BPE tokenizer (Hugging Face `CLIPTokenizerFast`-compatible). */

export { ClipTokenizer } from './clip-tokenizer.js';
export type { AddedTokenSpec } from './added-tokens.js';
export {
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
export { loadTokenizerFolder } from './load.js';
export { byteLevelAlphabet, fromByteLevel, toByteLevel } from './bytes.js';
export { normalizeClipText, preTokenizeClip } from './normalize.js';
export { buildWordVocab, type WordVocabFiles } from './word-vocab.js';
