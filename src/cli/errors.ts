/**
 * Exit codes of the `reprise` command and the ONE place errors are mapped to them and printed.
 *
 * | code | meaning |
 * | --- | --- |
 * | 0 | success |
 * | 1 | a check or a job item failed (the rest ran) |
 * | 2 | usage or input error: bad flags, missing or unreadable files, invalid job file, model folder or record |
 * | 3 | internal or runtime failure (onnxruntime, graph building, a bug) |
 * | 130 | interrupted (Ctrl-C) — `reprise batch` resumes where it stopped when run again |
 */
import { RepriseError, type RepriseErrorCode } from '../errors.js';

/** Exit codes of every command. */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2, internal: 3, interrupted: 130 });

/** The exit-code table, as printed by `reprise --help`. */
export const EXIT_CODES_HELP = `Exit codes:
  0    success
  1    a check or a batch item failed (the other items still ran)
  2    usage or input error (bad flags, missing/unreadable/invalid image, record, model folder or
       job file, a record made with another model, an unavailable device)
  3    internal or runtime failure (onnxruntime, graph building, a bug)
  130  interrupted (Ctrl-C); rerun the same \`reprise batch\` command to resume`;

/** A command-line usage problem (bad or missing flag); printed with the command's usage line. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command's help text; its first paragraph is printed after the message. */
    readonly help?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * RepriseError codes that come from what the user gave (flags, files, folders) → exit 2.
 * Everything else (RUNTIME_FAILURE, GRAPH_INVALID, SCHEDULER_INVALID from our own solvers...) → 3.
 * RUNTIME_DEVICE is a requested device that is not usable here: the user's choice, so 2.
 */
const USER_INPUT_CODES: ReadonlySet<RepriseErrorCode> = new Set<RepriseErrorCode>([
  'CONFIG_INVALID',
  'CONFIG_UNSUPPORTED',
  'SAFETENSORS_INVALID',
  'SAFETENSORS_IO',
  'MODEL_FOLDER',
  'RUNTIME_INPUT',
  'RUNTIME_DEVICE',
  'TOKENIZER_INVALID',
  'WEIGHTS_MISSING',
  'WEIGHTS_SHAPE',
  'WEIGHTS_FORMAT',
]);

/** Node file-system error codes that mean "a path the user gave is wrong", not a bug. */
const USER_ERRNO = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EROFS', 'ENOSPC', 'EDQUOT', 'EEXIST', 'ENAMETOOLONG']);

/** The exit code for anything thrown by a command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof RepriseError) return USER_INPUT_CODES.has(error.code) ? EXIT.usage : EXIT.internal;
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof errno === 'string' && (USER_ERRNO.has(errno) || errno.startsWith('ERR_PARSE_ARGS_'))) return EXIT.usage;
  return EXIT.internal;
}

/** Message and hint of an error, split (RepriseError messages carry the hint after "\n  → "). */
export function describeError(error: unknown): { message: string; hint: string | undefined; code: string | undefined } {
  if (error instanceof RepriseError) {
    const suffix = error.hint !== undefined ? `\n  → ${error.hint}` : '';
    const message = suffix !== '' && error.message.endsWith(suffix) ? error.message.slice(0, -suffix.length) : error.message;
    return { message, hint: error.hint, code: error.code };
  }
  if (error instanceof UsageError) return { message: error.message, hint: 'Run with --help for the options.', code: 'USAGE' };
  if (error instanceof Error) {
    const errno = (error as NodeJS.ErrnoException).code;
    const parse = typeof errno === 'string' && errno.startsWith('ERR_PARSE_ARGS_');
    return { message: error.message || error.name, hint: parse ? 'Run with --help for the options.' : undefined, code: typeof errno === 'string' ? errno : undefined };
  }
  return { message: String(error), hint: undefined, code: undefined };
}

/** Where error text goes (process.stderr by default). */
export interface ErrorSink {
  write(text: string): unknown;
}

/**
 * Prints an error as `reprise: <message>` and its hint (`  → hint`) on stderr. No stack trace,
 * except for internal errors when REPRISE_DEBUG is set.
 *
 * @returns the exit code for the error.
 */
export function printError(error: unknown, sink: ErrorSink = process.stderr): number {
  const code = exitCodeFor(error);
  const { message, hint } = describeError(error);
  let text = `reprise: ${message}\n`;
  if (error instanceof UsageError && error.help !== undefined) {
    const usage = error.help.split('\n\n')[0] ?? '';
    text += `\n${usage}\n\nRun with --help for every option and examples.\n`;
  } else if (hint !== undefined) {
    text += `  → ${hint}\n`;
  } else if (code === EXIT.internal) {
    text += '  → This is an internal error. Set REPRISE_DEBUG=1 for a stack trace, and please report it.\n';
    if (process.env.REPRISE_DEBUG && error instanceof Error && error.stack) text += `${error.stack}\n`;
  }
  sink.write(text);
  return code;
}
