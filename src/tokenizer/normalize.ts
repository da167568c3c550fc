/**
 * Text normalization and pre-tokenization of CLIPTokenizerFast (HF tokenizers):
 * normalizer `Sequence[NFC, Replace(/\s+/, " "), Lowercase]`, pre-tokenizer
 * `Split(pattern, behavior="removed", invert=true)` followed by byte-level mapping.
 */

/** Unicode White_Space runs (what `\s` means in the Rust/Oniguruma regex of HF tokenizers). */
const WHITESPACE_RUN = /\p{White_Space}+/gu;

/**
 * CLIP's word pattern. Same alternatives as the slow tokenizer's
 * `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`,
 * minus the special tokens (they are split off earlier, as added tokens) and without the
 * case-insensitive flag: the fast tokenizer's regex has none, and the text is already
 * lowercased (an `i` flag would only differ through case folding, e.g. `'ſ` would match `'s`).
 */
const CLIP_PIECE = /'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\p{White_Space}\p{L}\p{N}]+/gu;

/**
 * Lowercases per code point, like Rust's `char::to_lowercase` used by the `Lowercase`
 * normalizer: no context-dependent final sigma (`Σ` always becomes `σ`). Every other mapping of
 * `String.prototype.toLowerCase` is context-free.
 */
function lowercasePerChar(text: string): string {
  return text.replace(/Σ/g, 'σ').toLowerCase();
}

/** Applies CLIP's normalizer: NFC, every whitespace run to one space, lowercase. */
export function normalizeClipText(text: string): string {
  return lowercasePerChar(text.normalize('NFC').replace(WHITESPACE_RUN, ' '));
}

/**
 * Splits normalized text into CLIP pieces (letter runs, single digits, contractions, runs of
 * other non-space characters); whitespace is dropped.
 */
export function preTokenizeClip(normalized: string): string[] {
  return normalized.match(CLIP_PIECE) ?? [];
}
