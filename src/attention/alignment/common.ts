/**
 * Shared pieces of the prompt-to-prompt alignment helpers (Hertz et al. 2022, "Prompt-to-Prompt
 * Image Editing with Cross Attention Control"): the tokenizer surface they need, the default
 * sequence length, input checks and the error they throw.
 */

import type { z } from 'zod';

import { RepriseError } from '../../errors.js';
import type { ClipTokenizer } from '../../tokenizer/index.js';

/** CLIP's sequence length: the number of cross-attention keys (`max_len` / `MAX_NUM_WORDS`). */
export const DEFAULT_MAX_LEN = 77;

/**
 * What the alignment helpers need from a tokenizer: `encode` (ids with bos/eos) and
 * `wordTokenIndices` (prompt-to-prompt `get_word_inds`: 1-based token positions of a space-split
 * word, given as a string or a word index).
 */
export type AlignmentTokenizer = Pick<ClipTokenizer, 'encode' | 'wordTokenIndices'>;

/** A `CONFIG_INVALID` error for a bad edit specification. */
export function editError(message: string, hint: string): RepriseError {
  return new RepriseError('CONFIG_INVALID', message, { hint });
}

/** Checks that `maxLen` is a usable sequence length (an integer ≥ 2: room for bos and eos). */
export function checkMaxLen(maxLen: number): void {
  if (!Number.isInteger(maxLen) || maxLen < 2) {
    throw editError(`Invalid attention sequence length maxLen = ${maxLen}: expected an integer ≥ 2.`, 'Use the text encoder length, 77 for CLIP.');
  }
}

/** Checks that `steps` is a positive integer number of denoising steps. */
export function checkSteps(steps: number): void {
  if (!Number.isInteger(steps) || steps < 1) {
    throw editError(`Invalid number of denoising steps ${steps}: expected an integer ≥ 1.`, 'Pass the number of sampler steps of the edit (e.g. 50).');
  }
}

/** Checks that token positions fit into `maxLen` keys. */
export function checkPositions(positions: readonly number[], maxLen: number, what: string): void {
  for (const p of positions) {
    if (p >= maxLen) {
      throw editError(
        `${what} has token position ${p}, outside the ${maxLen} attention keys.`,
        'Use maxLen equal to the tokenizer length (77 for CLIP), or shorten the prompt.',
      );
    }
  }
}

/** Parses `value` with `schema`, throwing `CONFIG_INVALID` that lists the first problems. */
export function parseOption<T extends z.ZodType>(schema: T, value: unknown, what: string, hint: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 6).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw editError(`Invalid ${what} ${JSON.stringify(value)}:\n  ${issues.join('\n  ')}`, hint);
}
