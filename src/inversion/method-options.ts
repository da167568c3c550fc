/**
 * A method's options, read off its spec's zod schema: the facts of each option (type, range,
 * default, help text — for CLI flags, help and docs), and validation of given options with
 * errors naming the method, the option, its value and the method's own range.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { AnyInversionSpec, InversionSpec, OptionSchema, OptionsShape, ResolvedOptionsOf } from './spec.js';

/** The facts of one option. */
export interface OptionFacts {
  readonly key: string;
  readonly type: 'number' | 'integer' | 'boolean' | 'enum';
  readonly default: number | boolean | string;
  /** The `.describe()` text. */
  readonly description: string;
  /** Lower bound (numbers), `inclusive` false for an open end. */
  readonly min?: { readonly value: number; readonly inclusive: boolean };
  readonly max?: { readonly value: number; readonly inclusive: boolean };
  /** Choices (enums). */
  readonly choices?: readonly string[];
}

interface CheckDef {
  readonly check?: string;
  readonly value?: number;
  readonly inclusive?: boolean;
  readonly format?: string;
}

/** The range of a zod number schema, read off its checks (`.int()`, `.min()`, `.gt()`, `.max()`, `.lt()`, ...). */
export function numberBounds(schema: z.ZodNumber): Pick<OptionFacts, 'min' | 'max'> & { readonly integer: boolean } {
  const checks = (schema.def.checks ?? []).map((c) => (c as unknown as { _zod: { def: CheckDef } })._zod.def);
  let min: OptionFacts['min'];
  let max: OptionFacts['max'];
  let integer = false;
  for (const c of checks) {
    if (c.check === 'greater_than' && c.value !== undefined) min = { value: c.value, inclusive: c.inclusive === true };
    if (c.check === 'less_than' && c.value !== undefined) max = { value: c.value, inclusive: c.inclusive === true };
    if (c.check === 'number_format' && (c.format === 'safeint' || c.format === 'int32' || c.format === 'uint32')) integer = true;
  }
  return { integer, ...(min ? { min } : {}), ...(max ? { max } : {}) };
}

function factsOf(key: string, schema: OptionSchema): OptionFacts {
  const inner = schema.unwrap();
  const base = { key, default: schema.def.defaultValue as number | boolean | string, description: schema.description ?? '' };
  if (inner instanceof z.ZodBoolean) return { ...base, type: 'boolean' };
  if (inner instanceof z.ZodEnum) return { ...base, type: 'enum', choices: inner.options.map(String) };
  const { integer, ...bounds } = numberBounds(inner as z.ZodNumber);
  return { ...base, type: integer ? 'integer' : 'number', ...bounds };
}

/** The facts of every option of a method, in schema order. */
export function optionFacts(spec: AnyInversionSpec): OptionFacts[] {
  return Object.entries(spec.options.shape).map(([key, schema]) => factsOf(key, schema));
}

function bound(v: number): string {
  return v === 2 ** 32 - 1 ? '2³² − 1' : String(v);
}

/** The valid values of an option in words: "(0, 1]", "integer in [0, 2³² − 1]", "≥ 0", "true | false". */
export function rangeText(f: OptionFacts): string {
  if (f.type === 'boolean') return 'true | false';
  if (f.type === 'enum') return (f.choices ?? []).join(' | ');
  const kind = f.type === 'integer' ? 'integer ' : '';
  if (f.min && f.max) return `${kind}${f.type === 'integer' ? 'in ' : ''}${f.min.inclusive ? '[' : '('}${bound(f.min.value)}, ${bound(f.max.value)}${f.max.inclusive ? ']' : ')'}`;
  if (f.min) return `${kind}${f.min.inclusive ? '≥' : '>'} ${bound(f.min.value)}`;
  if (f.max) return `${kind}${f.max.inclusive ? '≤' : '<'} ${bound(f.max.value)}`;
  return f.type === 'integer' ? 'integer' : 'number';
}

/** The method's options in one sentence (the hint of its option errors). */
export function optionsHint(spec: AnyInversionSpec): string {
  const facts = optionFacts(spec);
  if (facts.length === 0) return `${spec.label} takes no options: pass { method: "${spec.name}" }.`;
  return `${spec.label} takes ${facts.map((f) => `${f.key} ${f.type === 'number' && f.min && f.max ? '∈ ' : ''}${rangeText(f)}, default ${String(f.default)} (${f.description})`).join('; ')}.`;
}

function show(v: unknown): string {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : (JSON.stringify(v) ?? String(v));
}

/**
 * Validates a method's options (without `method`) and fills in the defaults.
 * @param context - `steps`: the number of sampling steps, for checks against the plan
 * @throws ConfigError (CONFIG_INVALID) naming the method, the option, its value and the method's range; unknown options are refused
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function resolveSpecOptions<S extends OptionsShape>(spec: InversionSpec<string, S, any>, params: unknown, context: { readonly steps?: number } = {}): ResolvedOptionsOf<S> {
  // A `method` naming this method is the caller's tag, not an option.
  const own = typeof params === 'object' && params !== null && (params as { method?: unknown }).method === spec.name;
  const given = own ? Object.fromEntries(Object.entries(params).filter(([k]) => k !== 'method')) : params;
  const r = spec.options.safeParse(given);
  const fail = (key: string, what: string): never => {
    throw new ConfigError('CONFIG_INVALID', key, `inversion options (${spec.name}): ${what}`, optionsHint(spec as unknown as AnyInversionSpec));
  };
  if (!r.success) {
    const issue = r.error.issues[0];
    if (issue?.code === 'unrecognized_keys') {
      const keys = issue.keys;
      return fail(keys[0] ?? 'method', `unknown option(s) ${keys.map((k) => `"${k}"`).join(', ')}`);
    }
    const key = issue && issue.path.length > 0 ? issue.path.join('.') : 'method';
    const value = typeof given === 'object' && given !== null ? (given as Record<string, unknown>)[key] : given;
    return fail(key, `"${key}" = ${show(value)}: ${issue?.message ?? 'invalid'}`);
  }
  const resolved = r.data as ResolvedOptionsOf<S>;
  if (context.steps !== undefined) {
    const problem = spec.checkOptions?.(resolved, { steps: context.steps });
    if (problem !== undefined) fail(problem.key, problem.message);
  }
  return resolved;
}

/** A seed option: an integer in [0, 2³²), default 0. */
export function seedOption(description: string) {
  return z
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(0, { error: 'must be ≥ 0' })
    .max(2 ** 32 - 1, { error: 'must be < 2^32' })
    .default(0)
    .describe(description);
}
