/**
 * THE canonical JSON of the project (graph-cache keys, batch item fingerprints, option
 * comparisons): equal values always serialize identically.
 *
 * - object keys sorted by code point, at every depth; `undefined`, functions and symbols dropped
 *   from objects (as JSON does) and written `null` in arrays;
 * - numbers that JSON cannot hold keep their identity as strings — `"Infinity"`, `"-Infinity"`,
 *   `"NaN"` — so ±Infinity and NaN differ from each other and from `null`; `-0` is written `0`
 *   (as JSON does);
 * - bigints as `"<digits>n"`, typed arrays as arrays, Maps as objects, Sets as arrays, Dates as
 *   ISO strings;
 * - a cyclic value is refused.
 */
import { RepriseError } from '../errors.js';

/** Canonical JSON of `value` (see the module comment). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value, new Set())) ?? 'null';
}

function canonical(value: unknown, stack: Set<object>): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value !== 'object' || value === null) return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  if (stack.has(value)) {
    throw new RepriseError('CONFIG_INVALID', 'Cannot fingerprint a value that contains itself (a cyclic object)', { hint: 'Pass plain data (JSON-like objects, arrays, numbers, strings) as options and fingerprints.' });
  }
  stack.add(value);
  try {
    if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number | bigint>, (v) => canonical(v, stack));
    if (Array.isArray(value)) return value.map((v) => canonical(v, stack) ?? null);
    if (value instanceof Map) return canonical(Object.fromEntries(value), stack);
    if (value instanceof Set) return [...value].map((v) => canonical(v, stack) ?? null);
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
