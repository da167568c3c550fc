/**
 * What a flag's zod schema says about its values — the range of a number, the choices of an enum,
 * the default — read off the API's own schemas (editing/options.ts, the job schema), so that the
 * CLI's validation, `--help` and docs/cli.md never restate them.
 */
import { z } from 'zod';
import { numberBounds, type OptionFacts } from '../../inversion/method-options.js';

/** Wrapper schemas whose `def.innerType` is the schema that matters here. */
const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'nonoptional', 'catch']);

interface AnyDef {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly in?: z.ZodType;
  readonly defaultValue?: unknown;
}

const defOf = (schema: z.ZodType): AnyDef => schema.def as unknown as AnyDef;

/** The first schema inside `schema` (through optional/default/union/pipe) for which `pick` says yes. */
function find(schema: z.ZodType, pick: (s: z.ZodType) => boolean): z.ZodType | undefined {
  if (pick(schema)) return schema;
  const def = defOf(schema);
  if (WRAPPERS.has(def.type) && def.innerType) return find(def.innerType, pick);
  if (def.type === 'pipe' && def.in) return find(def.in, pick);
  if (def.type === 'union' && def.options) {
    for (const o of def.options) {
      const hit = find(o, pick);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** The range of the number a schema accepts (inside optional/default/union), or undefined when it takes no number. */
export function numberFacts(schema: z.ZodType): OptionFacts | undefined {
  const n = find(schema, (s) => s instanceof z.ZodNumber) as z.ZodNumber | undefined;
  if (n === undefined) return undefined;
  const { integer, min, max } = numberBounds(n);
  // An integer above an open bound v is at least v + 1: `int().positive()` reads "≥ 1".
  const lo = min && integer && !min.inclusive && Number.isInteger(min.value) ? { value: min.value + 1, inclusive: true } : min;
  const hi = max && integer && !max.inclusive && Number.isInteger(max.value) ? { value: max.value - 1, inclusive: true } : max;
  return { key: '', type: integer ? 'integer' : 'number', default: 0, description: '', ...(lo ? { min: lo } : {}), ...(hi ? { max: hi } : {}) };
}

/** The choices of the enum a schema holds (inside optional/default), or undefined. */
export function enumChoices(schema: z.ZodType): string[] | undefined {
  const e = find(schema, (s) => s instanceof z.ZodEnum) as z.ZodEnum | undefined;
  return e?.options.map(String);
}

/** The `.default()` of a schema (outermost), or undefined. */
export function schemaDefault(schema: z.ZodType): unknown {
  let s: z.ZodType | undefined = schema;
  while (s !== undefined) {
    const def = defOf(s);
    if (def.type === 'default') return def.defaultValue;
    s = WRAPPERS.has(def.type) ? def.innerType : undefined;
  }
  return undefined;
}

/** A number range in an error message: "a whole number from 1 to 1000", "a number from 0 to 1", "a number in (0, 1]". */
export function rangeWords(f: OptionFacts): string {
  const what = f.type === 'integer' ? 'a whole number' : 'a number';
  const { min, max } = f;
  if (min?.inclusive && max?.inclusive) return `${what} from ${min.value} to ${max.value}`;
  if (min && max) return `${what} in ${min.inclusive ? '[' : '('}${min.value}, ${max.value}${max.inclusive ? ']' : ')'}`;
  if (min) return `${what} ${min.inclusive ? '≥' : '>'} ${min.value}`;
  if (max) return `${what} ${max.inclusive ? '≤' : '<'} ${max.value}`;
  return what;
}
