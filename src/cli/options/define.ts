/**
 * One declarative table per command: its positionals, flags (name, short, type, default, help,
 * group, and the API's zod schema that validates the value), examples and description. The
 * parser (parse.ts), `--help` (help.ts) and docs/cli.md (markdown.ts) are all derived from it.
 */
import type { z } from 'zod';

interface FlagCommon {
  /** The long name, kebab-case, without dashes (`out-dir` → `--out-dir`). */
  readonly name: string;
  /** One-letter alias (`o` → `-o`). */
  readonly short?: string;
  /** What the flag does (one sentence; the range, choices and default are added from the schema). */
  readonly help: string;
  /** The help section (default "Options"). */
  readonly group?: string;
  /** The value's placeholder in help (`<file>`); default from the type. */
  readonly value?: string;
  /** The default in words, where the schema has none or it depends on something (`50; 8 for LCM models`). */
  readonly default?: string;
  /** The valid values in words, where no schema says them (inversion-method flags, per method). */
  readonly values?: string;
  /** May be given several times (the value is then a list). */
  readonly multiple?: boolean;
  /** Must be given (a usage error names it otherwise). */
  readonly required?: boolean;
  /** The inversion methods that take this flag (flags derived from the method registry). */
  readonly methods?: readonly string[];
}

/** A text flag (`schema`: the API's schema of the option, for its default). */
export interface StringFlag extends FlagCommon {
  readonly type: 'string';
  readonly schema?: z.ZodType;
}

/** A flag without a value. */
export interface BooleanFlag extends FlagCommon {
  readonly type: 'boolean';
}

/** A number, checked against `schema` (the API's own schema of the option); its range is read off it. */
export interface NumberFlag extends FlagCommon {
  readonly type: 'number';
  /** Absent only for flags whose method validates them (`methods`). */
  readonly schema?: z.ZodType;
}

/** One of `choices`, or of the choices of `schema`'s enum (the API's own schema of the option, which also gives the default). */
export interface ChoiceFlag extends FlagCommon {
  readonly type: 'choice';
  readonly choices?: readonly string[];
  readonly schema?: z.ZodType;
}

/** One flag of a command table. */
export type Flag = StringFlag | BooleanFlag | NumberFlag | ChoiceFlag;

/** A positional argument. */
export interface Positional {
  /** As shown: `<image>`, `ls|prune`. */
  readonly name: string;
  readonly help?: string;
  readonly optional?: boolean;
}

/** The table of one command. */
export interface CommandTable<F extends readonly Flag[] = readonly Flag[]> {
  /** The words after `reprise` (`invert`, `bench batch`). */
  readonly name: string;
  /** One line, for `reprise --help` and docs/cli.md. */
  readonly summary: string;
  /** The left column of `reprise --help` (default: name and positionals). */
  readonly listing?: string;
  /** Whether `reprise --help` lists it (sub-forms such as `bench batch` are listed by their command's help). */
  readonly listed?: boolean;
  /** Usage lines after `reprise ` (default: name, positionals, required flags, `[options]`). */
  readonly usage?: readonly string[];
  readonly positionals: readonly Positional[];
  /** Paragraphs after the usage. */
  readonly description: string;
  readonly flags: F;
  readonly examples: readonly string[];
  /** Text after the examples (exit codes). */
  readonly epilog?: string;
}

/** The `-h, --help` flag every table ends with. */
export const HELP_FLAG = { name: 'help', short: 'h', type: 'boolean', help: 'show this help' } as const satisfies BooleanFlag;

/** The default help section. */
export const OPTIONS_GROUP = 'Options';

/**
 * A command table, with `-h, --help` appended.
 * @throws Error when two flags share a name or a short alias (a programming error)
 */
export function defineCommand<const F extends readonly Flag[]>(table: CommandTable<F>): CommandTable<readonly [...F, typeof HELP_FLAG]> {
  const flags = [...table.flags, HELP_FLAG] as const;
  const seen = new Set<string>();
  for (const f of flags) {
    for (const key of [`--${f.name}`, ...(f.short !== undefined ? [`-${f.short}`] : [])]) {
      // invariant: a table is code; a duplicate flag is a bug caught by the table tests
      if (seen.has(key)) throw new Error(`reprise ${table.name}: the flag ${key} is defined twice`);
      seen.add(key);
    }
  }
  return { ...table, flags };
}

type ValueOf<F> = F extends { readonly type: 'boolean' } ? boolean : F extends { readonly type: 'number' } ? number : string;

/** The parsed value of one flag (a list when it is `multiple`). */
export type FlagValue<F> = F extends { readonly multiple: true } ? ValueOf<F>[] : ValueOf<F>;

/** The parsed values of a table's flags, by name (flags with computed names are in `all`). */
export type FlagValues<F extends readonly Flag[]> = { readonly [K in F[number] as string extends K['name'] ? never : K['name']]?: FlagValue<K> };

/** The flags of `table` in `group`. */
export function flagsInGroup(table: CommandTable, group: string): Flag[] {
  return table.flags.filter((f) => (f.group ?? OPTIONS_GROUP) === group);
}
