/** Validation of vocabularies and merge lists, with errors that name where the data came from. */

import { RepriseError } from '../errors.js';
import type { MergePair } from './bpe.js';

/** Builds a `TOKENIZER_INVALID` error (to be thrown by the caller). */
export function tokenizerError(message: string, hint: string, cause?: unknown): RepriseError {
  return new RepriseError('TOKENIZER_INVALID', message, cause === undefined ? { hint } : { hint, cause });
}

/**
 * Checks that `value` is an object of token → non-negative integer id and returns it as a map.
 * @param source what the vocabulary is (a file path or an option name), used in error messages.
 */
export function toVocabMap(value: unknown, source: string): Map<string, number> {
  let entries: [unknown, unknown][];
  if (value instanceof Map) entries = [...(value as Map<unknown, unknown>)];
  else if (isPlainObject(value)) entries = Object.entries(value);
  else {
    throw tokenizerError(
      `Invalid vocabulary ${source}: expected a JSON object mapping token strings to integer ids, got ${describe(value)}.`,
      'Use the vocab.json of a CLIP tokenizer (e.g. the tokenizer/ folder of a Stable Diffusion model).',
    );
  }
  const vocab = new Map<string, number>();
  for (const [token, id] of entries) {
    if (typeof token !== 'string' || typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw tokenizerError(
        `Invalid vocabulary ${source}: token ${JSON.stringify(token)} has id ${JSON.stringify(id)}; expected a non-negative integer.`,
        'The vocabulary file is damaged; re-download it.',
      );
    }
    vocab.set(token, id);
  }
  if (vocab.size === 0) {
    throw tokenizerError(`Invalid vocabulary ${source}: it is empty.`, 'The vocabulary file is damaged; re-download it.');
  }
  return vocab;
}

/**
 * Parses merge rules given as lines `"a b"` (a leading `#version` line and blank lines are
 * skipped) or as pairs `["a", "b"]`, and checks that both symbols and their concatenation are in
 * the vocabulary (as HF tokenizers requires).
 * @param source what the merges are (a file path or an option name), used in error messages.
 * @param lineOffset number added to entry indices in messages (1 for a file's line numbers).
 */
export function toMergePairs(
  merges: readonly unknown[],
  vocab: ReadonlyMap<string, number>,
  source: string,
  lineOffset = 0,
): MergePair[] {
  const pairs: MergePair[] = [];
  const where = (i: number): string => (lineOffset > 0 ? `line ${i + lineOffset}` : `entry ${i}`);
  const hint = 'The merges must come from the same tokenizer as the vocabulary; re-download both.';
  merges.forEach((entry, i) => {
    let pair: MergePair;
    if (typeof entry === 'string') {
      const line = entry.replace(/\r$/, '');
      if (line.trim() === '' || (i === 0 && line.startsWith('#version'))) return;
      const parts = line.trim().split(/[ \t]+/);
      if (parts.length !== 2) {
        throw tokenizerError(
          `Invalid merges ${source}, ${where(i)}: ${JSON.stringify(line)} is not two symbols separated by a space.`,
          hint,
        );
      }
      pair = [parts[0] as string, parts[1] as string];
    } else if (Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string' && typeof entry[1] === 'string') {
      pair = [entry[0], entry[1]];
    } else {
      throw tokenizerError(
        `Invalid merges ${source}, ${where(i)}: expected "a b" or ["a", "b"], got ${describe(entry)}.`,
        hint,
      );
    }
    for (const symbol of [pair[0], pair[1], pair[0] + pair[1]]) {
      if (!vocab.has(symbol)) {
        throw tokenizerError(
          `Invalid merges ${source}, ${where(i)}: merge ${JSON.stringify(`${pair[0]} ${pair[1]}`)} uses ${JSON.stringify(symbol)}, which is not in the vocabulary.`,
          hint,
        );
      }
    }
    pairs.push(pair);
  });
  return pairs;
}

/** True for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Short description of a value's type for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `a ${typeof value}`;
}
