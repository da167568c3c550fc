/** `reprise --help`: the command list from the command tables. */
import { EXIT_CODES_HELP } from '../errors.js';
import type { CommandTable } from './define.js';
import { columns } from './help.js';
import { COMMAND_TABLES } from './tables.js';

/** The tables `reprise --help` lists (one per command). */
export function listedTables(): CommandTable[] {
  return COMMAND_TABLES.filter((t) => t.listed !== false);
}

/** The left column of a command in `reprise --help`. */
export function listing(table: CommandTable): string {
  return table.listing ?? [table.name, ...table.positionals.map((p) => p.name)].join(' ');
}

/** What `reprise --help` says after the command list. */
export const MAIN_NOTES = `Run \`reprise <command> --help\` for a command's options and examples. Every model command
takes --model <folder> (a diffusers folder), --device cpu|cuda|cuda:N and --dtype fp32|fp16; --json
prints machine-readable results on stdout. Progress goes to stderr.`;

/** The examples of `reprise --help`. */
export const MAIN_EXAMPLES = [
  'generate --model models/sd15 --prompt "a cat on a bench" --scheduler unipc',
  'invert cat.jpg --model models/sd15 --prompt "a cat on a bench"',
  'reconstruct cat.inv.safetensors --model models/sd15',
  'edit cat.inv.safetensors --model models/sd15 --target "a dog on a bench" --maps',
  'batch job.yaml --concurrency 2',
  'doctor --device cuda',
] as const;

/** The text of `reprise --help`. */
export function mainHelp(): string {
  return [
    'Usage: reprise <command> [options]',
    ['Commands:', ...listedTables().map((t) => columns(listing(t), t.summary))].join('\n'),
    MAIN_NOTES,
    ['Options:', columns('-h, --help', 'show this help'), columns('--version', 'print the version')].join('\n'),
    ['Examples:', ...MAIN_EXAMPLES.map((e) => `  reprise ${e}`)].join('\n'),
    EXIT_CODES_HELP,
  ].join('\n\n');
}
