/** Resolution of added and special tokens against the vocabulary. */

import type { AddedToken, AddedTokenSpec } from './added-tokens.js';
import { tokenizerError } from './validate.js';

/**
 * Resolves the ids and flags of added tokens; the special tokens (bos, eos, pad, unk) are always
 * included and marked special. A content given twice keeps the last id and the union of flags.
 * @param vocabSource name of the vocabulary for error messages.
 * @returns added tokens by content.
 */
export function resolveAddedTokens(
  vocab: ReadonlyMap<string, number>,
  specialContents: readonly string[],
  specs: readonly AddedTokenSpec[],
  vocabSource: string,
): Map<string, AddedToken> {
  const added = new Map<string, AddedToken>();
  const put = (content: string, id: number | undefined, special: boolean, normalized: boolean): void => {
    const previous = added.get(content);
    const resolved = id ?? previous?.id ?? vocab.get(content);
    if (resolved === undefined) {
      throw tokenizerError(
        `${special ? 'Special' : 'Added'} token ${JSON.stringify(content)} is not in the vocabulary ${vocabSource} and has no id.`,
        special
          ? 'Check bos_token/eos_token/pad_token/unk_token in tokenizer_config.json or special_tokens_map.json against the vocabulary.'
          : 'Give the added token an id or add it to the vocabulary.',
      );
    }
    if (!Number.isInteger(resolved) || resolved < 0) {
      throw tokenizerError(`Added token ${JSON.stringify(content)} has invalid id ${resolved}.`, 'Ids are non-negative integers.');
    }
    added.set(content, {
      content,
      id: resolved,
      special: special || (previous?.special ?? false),
      normalized: normalized || (previous?.normalized ?? false),
    });
  };
  for (const spec of specs) {
    if (typeof spec.content !== 'string' || spec.content.length === 0) {
      throw tokenizerError(`Invalid added token ${JSON.stringify(spec)}: its content must be a non-empty string.`, 'Fix the added token list.');
    }
    put(spec.content, spec.id, spec.special ?? false, spec.normalized ?? true);
  }
  for (const content of specialContents) {
    const existing = added.get(content);
    put(content, existing?.id, true, existing?.normalized ?? true);
  }
  return added;
}
