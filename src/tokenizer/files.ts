/** Reading tokenizer files with errors that name the file and what it should contain. */

import { existsSync, readFileSync, statSync } from 'node:fs';

import { parseJsonWithNonFinite } from '../solvers/json.js';
import type { AddedTokenSpec } from './added-tokens.js';
import { describe, isPlainObject, tokenizerError } from './validate.js';

/** True when `file` exists and is a regular file. */
export function isFile(file: string): boolean {
  return existsSync(file) && statSync(file).isFile();
}

/** Reads a UTF-8 text file. */
export function readText(file: string, expected: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw tokenizerError(`Cannot read tokenizer file ${file}: ${(cause as Error).message}`, `Expected ${expected}.`, cause);
  }
}

/** Reads and parses a JSON file (Python's bare `NaN`/`Infinity`/`-Infinity` read as numbers, like every config read). */
export function readJson(file: string, expected: string): unknown {
  const text = readText(file, expected);
  try {
    return parseJsonWithNonFinite(text);
  } catch (cause) {
    throw tokenizerError(`Invalid JSON in tokenizer file ${file}: ${(cause as Error).message}`, `Expected ${expected}; the file is damaged, re-download it.`, cause);
  }
}

/** Reads a JSON file that must hold an object. */
export function readJsonObject(file: string, expected: string): Record<string, unknown> {
  const value = readJson(file, expected);
  if (!isPlainObject(value)) {
    throw tokenizerError(`Invalid tokenizer file ${file}: expected a JSON object, got ${describe(value)}.`, `Expected ${expected}.`);
  }
  return value;
}

/**
 * Reads a token field of `tokenizer_config.json` / `special_tokens_map.json`: a string, an object
 * with a `content` string (`AddedToken` serialization), or null/absent.
 */
export function readTokenField(value: unknown, file: string, field: string): AddedTokenSpec | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return { content: value };
  if (isPlainObject(value) && typeof value.content === 'string') {
    return typeof value.normalized === 'boolean' ? { content: value.content, normalized: value.normalized } : { content: value.content };
  }
  throw tokenizerError(
    `Invalid tokenizer file ${file}: "${field}" is ${describe(value)}; expected a token string or an object with a "content" string.`,
    'Fix the field or remove it to use the CLIP default.',
  );
}

/**
 * Reads a list of added tokens (`tokenizer.json` `added_tokens`, or the values of
 * `added_tokens_decoder` with their ids as keys).
 */
export function readAddedTokenList(entries: readonly [string | undefined, unknown][], file: string, field: string): AddedTokenSpec[] {
  return entries.map(([key, entry]) => {
    const id = key !== undefined ? Number(key) : isPlainObject(entry) ? entry.id : undefined;
    if (!isPlainObject(entry) || typeof entry.content !== 'string' || typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw tokenizerError(
        `Invalid tokenizer file ${file}: an entry of "${field}" is ${JSON.stringify(entry)}; expected {"id": integer, "content": string, ...}.`,
        'The file is damaged; re-download it.',
      );
    }
    const spec: { content: string; id: number; special?: boolean; normalized?: boolean } = { content: entry.content, id };
    if (typeof entry.special === 'boolean') spec.special = entry.special;
    if (typeof entry.normalized === 'boolean') spec.normalized = entry.normalized;
    return spec;
  });
}
