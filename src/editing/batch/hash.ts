/**
 * Fingerprints for resuming: an item is redone when its input file, prompts, options, model or
 * the caller's fingerprint change.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { canonicalJson } from '../../util/canonical-json.js';
import type { BatchItem } from './job-file.js';

/** SHA-256 (hex) of a file's bytes, streamed. */
export async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The project's one canonical JSON (re-exported here for batch callers). */
export { canonicalJson } from '../../util/canonical-json.js';

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
