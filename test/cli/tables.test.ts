/**
 * The command tables are the one source of the CLI: every flag of a table is in its command's
 * `--help` (and the command prints that help), docs/cli.md is the tables' rendering, `reprise --help`
 * lists exactly the commands, and number flags are checked against their schemas' ranges.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { UsageError } from '../../src/cli/errors.js';
import type { CommandTable, Flag } from '../../src/cli/options/define.js';
import { flagChoices } from '../../src/cli/options/flag-facts.js';
import { helpText } from '../../src/cli/options/help.js';
import { listedTables, mainHelp } from '../../src/cli/options/main.js';
import { cliMarkdown } from '../../src/cli/options/markdown.js';
import { parseCommand } from '../../src/cli/options/parse.js';
import { numberFacts } from '../../src/cli/options/schema-facts.js';
import { COMMAND_TABLES } from '../../src/cli/options/tables.js';
import { repoRoot } from '../helpers.js';
import { capture } from './cli-helpers.js';

/** argv that shows a table's help through its command function. */
function helpArgv(table: CommandTable): { command: string; argv: string[] } {
  const [command = '', sub] = table.name.split(' ');
  if (sub === '--queue') return { command, argv: ['--queue', 'redis://127.0.0.1:1', '--help'] };
  return { command, argv: [...(sub !== undefined ? [sub] : []), '--help'] };
}

/** A value outside a number flag's range (undefined when it has none). */
function outOfRange(flag: Flag): number | undefined {
  if (flag.type !== 'number' || flag.schema === undefined) return undefined;
  const f = numberFacts(flag.schema);
  if (f?.min) return f.min.inclusive ? f.min.value - 1 : f.min.value;
  if (f?.max) return f.max.inclusive ? f.max.value + 1 : f.max.value;
  return undefined;
}

describe('command tables', () => {
  it('every flag of every table is in its help, and the command prints that help', async () => {
    expect(COMMAND_TABLES.length).toBeGreaterThan(10);
    for (const table of COMMAND_TABLES) {
      const help = helpText(table);
      for (const f of table.flags) {
        const names = `${f.short !== undefined ? `-${f.short}, ` : ''}--${f.name}`;
        expect(help, `${table.name} ${names}`).toMatch(new RegExp(`^ {2}${names.replace(/[-+]/g, '\\$&')}( |$)`, 'm'));
        expect(help.replace(/\s+/g, ' '), `${table.name} --${f.name}`).toContain(f.help.replace(/\s+/g, ' '));
      }
      for (const p of table.positionals) expect(help, `${table.name} ${p.name}`).toContain(p.name);
      for (const e of table.examples) expect(help).toContain(`reprise ${e}`);
      const { command, argv } = helpArgv(table);
      const run = COMMANDS[command];
      expect(run, table.name).toBeDefined();
      const r = await capture(() => (run as (a: readonly string[]) => number | Promise<number>)(argv));
      expect(r.code, table.name).toBe(0);
      expect(r.stdout, table.name).toBe(`${help}\n`);
    }
  });

  it('docs/cli.md is the rendering of the tables (run `npm run docs:cli` when it is stale)', () => {
    const text = fs.readFileSync(path.join(repoRoot, 'docs/cli.md'), 'utf8');
    expect(text, 'docs/cli.md is stale: run `npm run docs:cli`').toBe(cliMarkdown());
    for (const table of COMMAND_TABLES) {
      expect(text).toContain(`## reprise ${table.name}\n`);
      for (const f of table.flags) expect(text, `${table.name} --${f.name}`).toMatch(new RegExp(`\\| \`(-\\w, )?--${f.name.replace(/-/g, '\\-')}[ \`]`));
    }
  });

  it('`reprise --help` lists exactly the commands main dispatches to', () => {
    expect(listedTables().map((t) => t.name.split(' ')[0])).toEqual(Object.keys(COMMANDS));
    const help = mainHelp();
    for (const t of listedTables()) expect(help).toMatch(new RegExp(`^ {2}${t.name}\\b.*${t.summary.slice(0, 20).replace(/[()|.+*?[\]]/g, '\\$&')}`, 'm'));
  });

  it('every choice flag has choices and every number flag a schema (or its inversion methods)', () => {
    for (const table of COMMAND_TABLES) {
      for (const f of table.flags) {
        if (f.type === 'choice') expect(flagChoices(f)?.length ?? 0, `${table.name} --${f.name}`).toBeGreaterThan(1);
        if (f.type === 'number') expect(f.schema !== undefined || (f.methods?.length ?? 0) > 0, `${table.name} --${f.name}`).toBe(true);
      }
    }
  });

  it("a number out of its schema's range, or not a number, is a usage error naming the flag and the range; one in range parses", () => {
    let checked = 0;
    for (const table of COMMAND_TABLES) {
      for (const f of table.flags) {
        const bad = outOfRange(f);
        if (bad === undefined || f.type !== 'number' || f.schema === undefined) continue;
        checked++;
        const parse = (value: string) => () => parseCommand(table, [`--${f.name}=${value}`]);
        expect(parse(String(bad)), `${table.name} --${f.name}=${bad}`).toThrow(UsageError);
        expect(parse(String(bad)), `${table.name} --${f.name}=${bad}`).toThrow(new RegExp(`^--${f.name} must be (a whole number|a number) .*got "${bad}"`));
        expect(parse('x'), `${table.name} --${f.name}=x`).toThrow(new RegExp(`^--${f.name} must be`));
        const facts = numberFacts(f.schema);
        const good = facts?.min ? (facts.min.inclusive ? facts.min.value : facts.min.value + (facts.type === 'integer' ? 1 : 0.5)) : (facts?.max?.value ?? 0) - 1;
        expect(f.schema.safeParse(good).success, `${table.name} --${f.name} ${good}`).toBe(true);
        // The value parses; only a missing required flag (not this one) may still be reported.
        try {
          expect(parseCommand(table, [`--${f.name}=${good}`]).all[f.name]).toBe(good);
        } catch (e) {
          expect(e, `${table.name} --${f.name}=${good}`).toBeInstanceOf(UsageError);
          expect((e as Error).message).toMatch(/^missing --/);
          expect((e as Error).message).not.toContain(`--${f.name} `);
        }
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  it('a choice not among the choices is a usage error listing them', () => {
    for (const table of COMMAND_TABLES) {
      for (const f of table.flags) {
        const choices = flagChoices(f);
        if (choices === undefined) continue;
        expect(() => parseCommand(table, [`--${f.name}=not-a-choice`]), `${table.name} --${f.name}`).toThrow(`--${f.name} must be one of ${choices.join(', ')}; got "not-a-choice"`);
      }
    }
  });
});
