#!/usr/bin/env node
/**
 * The `reprise` command: dispatches to one file per command. Exit codes (see `errors.ts`):
 * 0 success, 1 a check or job item failed, 2 usage or input error, 3 internal error,
 * 130 interrupted.
 */
import { COMMANDS } from './commands.js';
import { EXIT, printError } from './errors.js';
import { mainHelp } from './options/main.js';
import { REPRISE_VERSION } from './version.js';

const HELP = mainHelp();

/** Runs the `reprise` command line (without `node` and the script); returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      process.stderr.write(`${HELP}\n`);
      return EXIT.usage;
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${HELP}\n`);
      return EXIT.ok;
    case '--version':
    case '-v':
      process.stdout.write(`${REPRISE_VERSION}\n`);
      return EXIT.ok;
  }
  const run = Object.prototype.hasOwnProperty.call(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (run === undefined) {
    process.stderr.write(`reprise: unknown command "${command}"\n  → Commands: ${Object.keys(COMMANDS).join(', ')}. Run \`reprise --help\`.\n`);
    return EXIT.usage;
  }
  return run(rest);
}

// A reader that goes away (`reprise batch --json | head`) must not crash hours of work: drop the output.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => process.exit(printError(e)),
);
