/** Shared helpers for parsing diffusers / transformers config.json files with zod. */
import * as fs from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { parseJsonWithNonFinite } from '../solvers/json.js';

/** Parses `raw` with `schema`, turning the first problems into one ConfigError naming the keys. */
export function parseConfig<T extends z.ZodType>(schema: T, raw: unknown, component: string, file = 'config.json'): z.infer<T> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 8).map((i) => {
    const key = i.path.join('.') || '(root)';
    return `${key}: ${i.message}`;
  });
  const first = r.error.issues[0];
  const key = first ? first.path.join('.') : '(root)';
  const missing = first?.code === 'invalid_type' && (first as { input?: unknown }).input === undefined;
  throw new ConfigError(
    'CONFIG_INVALID',
    key,
    `${component} ${file}: ${missing ? 'missing or invalid' : 'invalid'} value(s):\n  ${issues.join('\n  ')}`,
    `Fix ${file} (compare with the diffusers/transformers config of the same model class).`,
  );
}

/** Reads and JSON-parses a config file with clear errors; Python's bare `NaN`/`Infinity`/`-Infinity` (diffusers writes `lambda_min_clipped: -Infinity`) are read as numbers. */
export function readJsonFile(file: string, component: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError('CONFIG_INVALID', file, `${component}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, 'Point to a diffusers component folder that contains config.json.');
  }
  try {
    return parseJsonWithNonFinite(text);
  } catch (e) {
    throw new ConfigError('CONFIG_INVALID', file, `${component}: ${file} is not valid JSON (${(e as Error).message})`, 'Repair or re-download the config file.');
  }
}

/** Throws CONFIG_UNSUPPORTED naming the key and value. */
export function unsupported(component: string, key: string, value: unknown, supported: string): never {
  throw new ConfigError(
    'CONFIG_UNSUPPORTED',
    key,
    `${component}: ${key} = ${JSON.stringify(value)} is not supported`,
    `Supported: ${supported}.`,
  );
}

/** Expands an int-or-list config value to one entry per block, checking the length. */
export function perBlock<T>(component: string, key: string, value: T | readonly T[], blocks: number): T[] {
  if (!Array.isArray(value)) return Array.from({ length: blocks }, () => value as T);
  if (value.length !== blocks) {
    throw new ConfigError('CONFIG_INVALID', key, `${component}: ${key} has ${value.length} entries for ${blocks} blocks`, `Give ${key} one entry per down block, or a single value.`);
  }
  return [...(value as readonly T[])];
}
