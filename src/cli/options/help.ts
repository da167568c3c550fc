/** `reprise <command> --help`, rendered from the command's table. */
import { OPTIONS_GROUP, type CommandTable, type Flag } from './define.js';
import { flagFacts, flagNote } from './flag-facts.js';

/** Width of the flag column (two spaces of indent included). */
const COLUMN = 25;
/** Lines are wrapped at this width. */
const WIDTH = 100;

/** Words of `text` wrapped to `width`, the first line `first` characters shorter. */
function wrap(text: string, width: number, first: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    let room = width - (lines.length === 0 ? first : 0);
    for (const word of paragraph.split(' ')) {
      if (line !== '' && line.length + 1 + word.length > room) {
        lines.push(line);
        line = word;
        room = width;
      } else {
        line = line === '' ? word : `${line} ${word}`;
      }
    }
    lines.push(line);
  }
  return lines;
}

/** A paragraph wrapped at the help width. */
export function wrapParagraph(text: string): string {
  return wrap(text, WIDTH, 0).join('\n');
}

/** Two-column lines: `left` padded to the column, `text` wrapped beside it. */
export function columns(left: string, text: string): string {
  const head = `  ${left}`;
  const pad = head.length <= COLUMN - 2 ? head.padEnd(COLUMN) : `${head}  `;
  const body = wrap(text, WIDTH - COLUMN, pad.length - COLUMN);
  return [`${pad}${body[0] ?? ''}`, ...body.slice(1).map((l) => `${' '.repeat(COLUMN)}${l}`)].join('\n');
}

/** The help line(s) of one flag. */
export function flagHelp(flag: Flag): string {
  const f = flagFacts(flag);
  return columns(`${f.names}${f.placeholder !== '' ? ` ${f.placeholder}` : ''}`, `${flag.help}${flagNote(f)}`);
}

/** The usage lines (after `reprise `): the table's own, or name, positionals, required flags and `[options]`. */
export function usageLines(table: CommandTable): readonly string[] {
  if (table.usage !== undefined) return table.usage;
  const positionals = table.positionals.map((p) => (p.optional ? `[${p.name}]` : p.name));
  const required = table.flags.filter((f) => f.required).map((f) => `--${f.name} ${flagFacts(f).placeholder}`.trim());
  return [[table.name, ...positionals, ...required, '[options]'].join(' ')];
}

/** The flags of a table by help section, in order of first appearance. */
export function flagGroups(table: CommandTable): [string, Flag[]][] {
  const groups = new Map<string, Flag[]>();
  for (const f of table.flags) {
    const g = f.group ?? OPTIONS_GROUP;
    groups.set(g, [...(groups.get(g) ?? []), f]);
  }
  return [...groups];
}

/** The full `--help` text of a command. */
export function helpText(table: CommandTable): string {
  const usage = usageLines(table)
    .map((l, i) => `${i === 0 ? 'Usage: ' : '       '}reprise ${l}`)
    .join('\n');
  const parts = [usage, table.description];
  const args = table.positionals.filter((p) => p.help !== undefined);
  if (args.length > 0) parts.push(['Arguments:', ...args.map((p) => columns(p.name, p.help ?? ''))].join('\n'));
  for (const [group, flags] of flagGroups(table)) parts.push([`${group}:`, ...flags.map(flagHelp)].join('\n'));
  if (table.examples.length > 0) parts.push(['Examples:', ...table.examples.map((e) => `  reprise ${e}`)].join('\n'));
  if (table.epilog !== undefined) parts.push(table.epilog);
  return parts.join('\n\n');
}
