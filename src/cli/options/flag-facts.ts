/** What help and docs say about one flag: names, placeholder, valid values and default — from the table and the flag's schema. */
import { rangeText, type OptionFacts } from '../../inversion/method-options.js';
import type { Flag } from './define.js';
import { enumChoices, numberFacts, schemaDefault } from './schema-facts.js';

/** Choices short enough to stand as the placeholder (`fit|crop|pad`). */
const INLINE_CHOICES = 20;

/** The facts of one flag. */
export interface FlagFacts {
  /** `-o, --out`. */
  readonly names: string;
  /** `<file>`, `fit|crop|pad`, or '' (boolean flags). */
  readonly placeholder: string;
  /** The choices of a choice flag. */
  readonly choices?: readonly string[];
  /** The range of a number flag, from its schema. */
  readonly range?: OptionFacts;
  /** The valid values in words ("integer in [1, 1000]", "ddim | ef-ddpm | …"), when the placeholder does not show them. */
  readonly values?: string;
  readonly default?: string;
  readonly repeatable: boolean;
}

/** The choices of a choice flag: its own list, or its schema's enum. */
export function flagChoices(flag: Flag): readonly string[] | undefined {
  if (flag.type !== 'choice') return undefined;
  return flag.choices ?? (flag.schema ? enumChoices(flag.schema) : undefined);
}

function showDefault(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** The facts of `flag`. */
export function flagFacts(flag: Flag): FlagFacts {
  const names = `${flag.short !== undefined ? `-${flag.short}, ` : ''}--${flag.name}`;
  const choices = flagChoices(flag);
  const range = flag.type === 'number' && flag.schema ? numberFacts(flag.schema) : undefined;
  const inline = choices !== undefined && choices.join('|').length <= INLINE_CHOICES;
  const placeholder =
    flag.type === 'boolean' ? '' : (flag.value ?? (inline && choices ? choices.join('|') : flag.type === 'number' ? '<n>' : `<${flag.type === 'choice' ? flag.name : 'text'}>`));
  const values = flag.values ?? (range ? rangeText(range) : choices && !(inline && flag.value === undefined) ? choices.join(' | ') : undefined);
  const schema = flag.type === 'boolean' ? undefined : flag.schema;
  const fallback = schema ? showDefault(schemaDefault(schema)) : undefined;
  const def = flag.default ?? fallback;
  return {
    names,
    placeholder,
    ...(choices ? { choices } : {}),
    ...(range ? { range } : {}),
    ...(values !== undefined ? { values } : {}),
    ...(def !== undefined ? { default: def } : {}),
    repeatable: flag.multiple === true,
  };
}

/** The parenthesised note after a flag's help: "(integer in [1, 1000]; default 50; repeatable)", or ''. */
export function flagNote(facts: FlagFacts): string {
  const values = facts.values !== undefined && /^[[(]/.test(facts.values) ? `in ${facts.values}` : facts.values;
  const parts = [values, facts.default !== undefined ? `default ${facts.default}` : undefined, facts.repeatable ? 'repeatable' : undefined].filter((p): p is string => p !== undefined);
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}
