/**
 * Folders as the model hub ships them: components Reprise does not run (the safety checker and
 * its feature extractor, image encoders for adapters) are ignored, with one line saying so.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseJsonWithNonFinite } from '../solvers/json.js';

/** Components of a diffusers pipeline folder that Reprise never loads, and why. */
export const IGNORED_COMPONENTS: Readonly<Record<string, string>> = {
  safety_checker: 'no safety checker runs',
  feature_extractor: 'it only feeds the safety checker',
  image_encoder: 'IP-adapter image prompts are not supported',
};

/** The ignored components present in `folder` (as sub-folders or model_index.json entries), in a fixed order. */
export function ignoredComponents(folder: string): string[] {
  let index: Record<string, unknown> = {};
  try {
    index = parseJsonWithNonFinite(fs.readFileSync(path.join(folder, 'model_index.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    // An unreadable index is reported by the loader; here it just names nothing.
  }
  return Object.keys(IGNORED_COMPONENTS).filter((c) => {
    const entry = index[c];
    const named = Array.isArray(entry) && entry.some((v) => v !== null);
    return named || fs.existsSync(path.join(folder, c));
  });
}

/** The one line the CLI prints about ignored components, or undefined when there are none. */
export function ignoredComponentsNote(folder: string): string | undefined {
  const found = ignoredComponents(folder);
  if (found.length === 0) return undefined;
  return `note: ${found.map((c) => `${c}/ (${IGNORED_COMPONENTS[c]})`).join(', ')} ignored`;
}
