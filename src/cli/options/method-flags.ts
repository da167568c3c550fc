/**
 * The inversion methods' options as flags, derived from the registry: one flag per option key
 * (`eta` → `--eta`, `someKey` → `--some-key`) over every registered method, its help, range and
 * default read off each method's zod schema. A flag given with a method that does not take it is
 * a usage error naming the method and the flags it takes; a value out of range gets the
 * method's own message.
 */
import { optionFacts, rangeText, resolveSpecOptions, type OptionFacts } from '../../inversion/method-options.js';
import { getInversionMethod, inversionMethods } from '../../inversion/registry.js';
import type { AnyInversionSpec } from '../../inversion/spec.js';
import { UsageError } from '../errors.js';
import type { Flag } from './define.js';

/** One method option flag and the methods declaring it. */
export interface MethodOptionFlag {
  /** The flag name (kebab-case of the key). */
  readonly flag: string;
  /** The option key in the method's schema. */
  readonly key: string;
  /** The methods declaring the key, with its facts there. */
  readonly methods: readonly { readonly name: string; readonly facts: OptionFacts }[];
}

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Every option key of every registered method, grouped by key (registry order). */
export function methodOptionFlags(): MethodOptionFlag[] {
  const byKey = new Map<string, { name: string; facts: OptionFacts }[]>();
  for (const spec of inversionMethods()) for (const facts of optionFacts(spec)) byKey.set(facts.key, [...(byKey.get(facts.key) ?? []), { name: spec.name, facts }]);
  return [...byKey].map(([key, methods]) => {
    const kinds = new Set(methods.map((m) => (m.facts.type === 'integer' ? 'number' : m.facts.type)));
    // invariant: the registry is code; the method-flag tests catch a clash
    if (kinds.size > 1) throw new Error(`inversion methods ${methods.map((m) => m.name).join(', ')} declare option "${key}" with different types: one CLI flag cannot take both`);
    return { flag: kebab(key), key, methods };
  });
}

/** "a", "a and b", "a, b and c". */
function list(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
}

/** The same text for every method, or "m1: t1; m2: t2". */
function perMethod(o: MethodOptionFlag, text: (f: OptionFacts) => string): string {
  const texts = o.methods.map((m) => text(m.facts));
  return new Set(texts).size === 1 ? (texts[0] ?? '') : o.methods.map((m, i) => `${m.name}: ${texts[i] ?? ''}`).join('; ');
}

/** The method flags as table flags, in `group`. */
export function methodFlags(group?: string): Flag[] {
  return methodOptionFlags().map((o) => {
    const first = o.methods[0]?.facts;
    const common = {
      name: o.flag,
      help: o.methods.map((m) => `${m.name}: ${m.facts.description}`).join('; '),
      ...(group !== undefined ? { group } : {}),
      values: perMethod(o, rangeText),
      default: perMethod(o, (f) => String(f.default)),
      methods: o.methods.map((m) => m.name),
    };
    if (first?.type === 'boolean') return { ...common, type: 'choice' as const, choices: ['true', 'false'] };
    if (first?.type === 'enum') return { ...common, type: 'choice' as const, choices: first.choices ?? [] };
    return { ...common, type: 'number' as const };
  });
}

/** The flags `spec` takes, in words. */
function takes(spec: AnyInversionSpec): string {
  const flags = optionFacts(spec).map((f) => `--${kebab(f.key)}`);
  return flags.length === 0 ? `${spec.name} takes no method flags` : `${spec.name} takes ${list(flags)}`;
}

/**
 * The method options given as flags, checked against `method`'s schema (not filled with defaults).
 * @param all - the parsed flag values by name
 * @param method - the method (given, or the default)
 * @param isDefault - whether `method` is the default (for the message)
 * @param steps - the steps, when given (for checks against the plan, e.g. skip < steps)
 * @throws UsageError for a flag `method` does not take (naming the flags it takes) or a value out of the method's range (its own message)
 */
export function methodOptionsFromFlags(all: Readonly<Record<string, unknown>>, method: string, isDefault: boolean, help: string, steps?: number): Record<string, unknown> {
  const spec = getInversionMethod(method);
  const given: Record<string, unknown> = {};
  for (const o of methodOptionFlags()) {
    const raw = all[o.flag];
    if (raw === undefined) continue;
    const own = o.methods.find((m) => m.name === spec.name);
    if (own === undefined) {
      const names = o.methods.map((m) => m.name);
      throw new UsageError(`--${o.flag} applies to the ${list(names)} method${names.length > 1 ? 's' : ''}, not ${spec.name}${isDefault ? ' (the default --method)' : ''}; ${takes(spec)}`, help);
    }
    const value = own.facts.type === 'boolean' ? raw === 'true' : raw;
    const schema = spec.options.shape[o.key];
    const r = schema?.safeParse(value);
    if (r !== undefined && !r.success) throw new UsageError(`--${o.flag} ${String(raw)}: ${spec.label}'s ${o.key} ${r.error.issues[0]?.message ?? 'is invalid'}`, help);
    given[o.key] = value;
  }
  resolveSpecOptions(spec, given, steps !== undefined ? { steps } : {});
  return given;
}
