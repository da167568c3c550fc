/**
 * Fingerprints for resuming: an item is redone when its input file, prompts, options, model or
 * the caller's fingerprint change.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { BatchItem } from './job-file.js';

/** SHA-256 (hex) of a file's bytes, streamed. */
export async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * JSON with object keys sorted, so equal values always serialize identically. `undefined` and
 * functions are dropped (as JSON does), bigints become strings, typed arrays become arrays.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value, new Set())) ?? 'null';
}

function canonical(value: unknown, stack: Set<object>): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value !== 'object' || value === null) return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  if (stack.has(value)) throw new TypeError('cannot fingerprint a cyclic value');
  stack.add(value);
  try {
    if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number | bigint>, (v) => canonical(v, stack));
    if (Array.isArray(value)) return value.map((v) => canonical(v, stack) ?? null);
    if (value instanceof Map) return canonical(Object.fromEntries(value), stack);
    if (value instanceof Set) return [...value].map((v) => canonical(v, stack));
    if (value instanceof Date) return value.toISOString();
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = canonical((value as Record<string, unknown>)[key], stack);
      if (v !== undefined) out[key] = v;
    }
    return out;
  } finally {
    stack.delete(value);
  }
}

/** What goes into an item's hash besides the item itself. */
export interface ItemHashContext {
  /** SHA-256 of the input file's bytes. */
  readonly inputDigest: string;
  /** Absolute model folder, if any. */
  readonly model: string | undefined;
  /** Caller-supplied value (pipeline version, device...) whose change forces a redo. */
  readonly fingerprint: unknown;
}

/** SHA-256 (hex) over the item's input bytes, prompts, edit name, merged options, model and fingerprint. */
export function itemHash<O>(item: BatchItem<O>, context: ItemHashContext): string {
  const payload = canonicalJson({
    v: 1,
    input: context.inputDigest,
    sourcePrompt: item.input.sourcePrompt,
    edit: item.edit.name,
    prompt: item.edit.prompt,
    options: item.edit.options,
    model: context.model,
    fingerprint: context.fingerprint,
  });
  return createHash('sha256').update(payload).digest('hex');
}
