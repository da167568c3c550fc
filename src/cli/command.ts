/** Running a command: every error is printed once (`reprise: …` + hint) and mapped to an exit code. */
import { describeError, printError } from './errors.js';

/** Prints one JSON value as a line on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/**
 * Runs a command body and turns anything it throws into an exit code (see `errors.ts`). With
 * `--json` in `argv`, a failure also prints `{ "ok": false, "error": {…} }` on stdout, so scripts
 * always get one JSON object.
 */
export async function runCommand(command: string, argv: readonly string[], body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    const code = printError(error);
    if (argv.includes('--json')) {
      const { message, hint, code: errorCode } = describeError(error);
      printJson({ ok: false, command, exitCode: code, error: { code: errorCode ?? null, message, ...(hint !== undefined ? { hint } : {}) } });
    }
    return code;
  }
}
