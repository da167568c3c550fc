/**
 * The parser of a command table: node:util parseArgs (strict), then every value converted and
 * checked — numbers against the flag's zod schema (the API's own), choices against the list.
 * Problems are {@link UsageError}s carrying the command's help.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import type { CommandTable, Flag, FlagValues } from './define.js';
import { flagChoices, flagFacts } from './flag-facts.js';
import { helpText } from './help.js';
import { numberFacts, rangeWords } from './schema-facts.js';

/** What {@link parseCommand} returns. */
export interface ParsedCommand<F extends readonly Flag[]> {
  /** `--help` was given: nothing else was checked. */
  readonly help: boolean;
  /** The values of the flags given, converted and checked. */
  readonly values: FlagValues<F>;
  /** The same values by flag name, for flags with computed names (the inversion-method flags). */
  readonly all: Readonly<Record<string, unknown>>;
  readonly positionals: readonly string[];
  /** The command's help text (for usage errors). */
  readonly usage: string;
}

type Raw = string | boolean | (string | boolean)[] | undefined;

function convert(flag: Flag, raw: string | boolean, help: string): unknown {
  if (flag.type === 'boolean' || typeof raw === 'boolean') return raw;
  if (flag.type === 'choice') {
    const choices = flagChoices(flag) ?? [];
    if (!choices.includes(raw)) throw new UsageError(`--${flag.name} must be one of ${choices.join(', ')}; got "${raw}"`, help);
    return raw;
  }
  if (flag.type === 'string') return raw;
  const range = flag.schema ? numberFacts(flag.schema) : undefined;
  const bad = (): never => {
    throw new UsageError(`--${flag.name} must be ${range ? rangeWords(range) : 'a number'}, got "${raw}"`, help);
  };
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) return bad();
  if (flag.schema) {
    const r = flag.schema.safeParse(n);
    if (!r.success) {
      if (range) return bad();
      throw new UsageError(`--${flag.name} ${raw}: ${r.error.issues[0]?.message ?? 'invalid'}`, help);
    }
  }
  return n;
}

/**
 * Parses `argv` (without the command name) with a command table.
 * @throws UsageError for unknown flags, missing values, values out of range or not among the choices, and missing required flags
 */
export function parseCommand<F extends readonly Flag[]>(table: CommandTable<F>, argv: readonly string[]): ParsedCommand<F> {
  const usage = helpText(table);
  const options = Object.fromEntries(
    table.flags.map((f) => [f.name, { type: f.type === 'boolean' ? ('boolean' as const) : ('string' as const), ...(f.short !== undefined ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) }]),
  );
  let parsed: { values: Record<string, Raw>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, '.'), usage);
  }
  const { positionals } = parsed;
  if (parsed.values.help === true) return { help: true, values: {} as FlagValues<F>, all: {}, positionals, usage };
  const all: Record<string, unknown> = {};
  for (const f of table.flags) {
    const raw = parsed.values[f.name];
    if (raw !== undefined) all[f.name] = Array.isArray(raw) ? raw.map((r) => convert(f, r, usage)) : convert(f, raw, usage);
  }
  const missing = table.flags.find((f) => f.required && all[f.name] === undefined);
  if (missing !== undefined) throw new UsageError(`missing --${missing.name} ${flagFacts(missing).placeholder}`.trimEnd() + ` (${missing.help})`, usage);
  return { help: false, values: all as FlagValues<F>, all, positionals, usage };
}
