/**
 * The bounds a job file must stay within, declared once: every limit is checked before the job
 * is used and reported as a problem of the job file (exit 2) that names the limit and how to
 * split the job, never as a crash, a hang or an internal error.
 */
import { RepriseError } from '../../errors.js';
import type { JobProblem } from './job-schema.js';

/** The limits of one job file. */
export const JOB_LIMITS = Object.freeze({
  /** Size of the job file in bytes. */
  fileBytes: 1024 * 1024,
  /** Nesting depth of the document (objects and arrays). */
  depth: 32,
  /** YAML aliases resolved (yaml's `maxAliasCount`). */
  aliases: 100,
  /** Length of any string (key or value), in UTF-16 code units. */
  stringLength: 10_000,
  /** Entries of `inputs`. */
  inputEntries: 10_000,
  /** Entries of `edits`. */
  edits: 1_000,
  /** Input files after glob expansion. */
  inputs: 10_000,
  /** Items (inputs × edits). */
  items: 100_000,
  /** Length of one input pattern. */
  patternLength: 1_024,
  /** Alternatives one `{a,b}` pattern expands to. */
  braceExpansions: 1_024,
  /** Milliseconds one pattern may take to expand and match. */
  globMs: 5_000,
});

/** The name of a limit in {@link JOB_LIMITS}. */
export type JobLimit = keyof typeof JOB_LIMITS;

/** How to get under a limit, per limit. */
const ADVICE: Readonly<Record<JobLimit, string>> = {
  fileBytes: 'split the job into several job files (each with its own output folder)',
  depth: 'job files need only a few levels; flatten the document',
  aliases: 'write the repeated values out, or split the job into several job files',
  stringLength: 'shorten the value (prompts are a few words to a sentence)',
  inputEntries: 'list folders with a glob ("photos/*.jpg") or split the job into several job files (each with its own output folder)',
  edits: 'split the job into several job files (each with its own output folder)',
  inputs: 'narrow the patterns or split the job into several job files (each with its own output folder), e.g. one per input folder',
  items: 'split the job into several job files (each with its own output folder), e.g. one per input folder',
  patternLength: 'use a shorter pattern, or several entries',
  braceExpansions: 'use fewer {a,b} alternatives, or several entries',
  globMs: 'narrow the pattern (avoid "**" over large trees) or list the files in several entries',
};

/** The message of a problem with limit `limit`: what was found, the limit, how to split. */
export function limitMessage(limit: JobLimit, found: string): string {
  return `${found}, over the limit of ${JOB_LIMITS[limit].toLocaleString('en-US')} (${limit}); ${ADVICE[limit]}`;
}

/** An input pattern over a glob limit (expansions, time, matches). */
export class GlobLimitError extends RepriseError {
  readonly limit: JobLimit;
  constructor(limit: JobLimit, found: string) {
    super('CONFIG_INVALID', limitMessage(limit, found));
    this.name = 'GlobLimitError';
    this.limit = limit;
  }
}

/**
 * Checks a parsed document's depth and string lengths without recursion (so neither a deep nor a
 * cyclic in-memory value can overflow the stack). Stops at the first few problems.
 *
 * @returns the problems found (empty when within the limits).
 */
export function documentLimitProblems(value: unknown): JobProblem[] {
  const problems: JobProblem[] = [];
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 0 }];
  let depthReported = false;
  // Each value of a parsed file takes at least one byte; more means shared (aliased or cyclic) values.
  let budget = JOB_LIMITS.fileBytes;
  while (stack.length > 0 && problems.length < 10) {
    const { value: v, path, depth } = stack.pop()!;
    if (--budget < 0) {
      problems.push({ path, message: limitMessage('fileBytes', 'more values than a job file of that size can hold (shared or repeated values)') });
      break;
    }
    if (typeof v === 'string') {
      if (v.length > JOB_LIMITS.stringLength) problems.push({ path, message: limitMessage('stringLength', `a string of ${v.length.toLocaleString('en-US')} characters`) });
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= JOB_LIMITS.depth) {
      if (!depthReported) problems.push({ path, message: limitMessage('depth', `nesting deeper than ${JOB_LIMITS.depth} levels`) });
      depthReported = true;
      continue;
    }
    const entries: Array<[string, unknown]> = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v as Record<string, unknown>);
    for (const [key, child] of entries) {
      const childPath = Array.isArray(v) ? `${path}[${key}]` : path === '' ? key : `${path}.${key.length > 40 ? `${key.slice(0, 40)}…` : key}`;
      if (key.length > JOB_LIMITS.stringLength) {
        problems.push({ path, message: limitMessage('stringLength', `a key of ${key.length.toLocaleString('en-US')} characters`) });
        continue;
      }
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return problems;
}

/** Problems with the number of entries of `inputs` and `edits`. */
export function countLimitProblems(doc: Readonly<Record<string, unknown>>): JobProblem[] {
  const problems: JobProblem[] = [];
  const inputs = doc['inputs'];
  if (Array.isArray(inputs) && inputs.length > JOB_LIMITS.inputEntries) {
    problems.push({ path: 'inputs', message: limitMessage('inputEntries', `${inputs.length.toLocaleString('en-US')} entries`) });
  }
  const edits = doc['edits'];
  if (Array.isArray(edits) && edits.length > JOB_LIMITS.edits) {
    problems.push({ path: 'edits', message: limitMessage('edits', `${edits.length.toLocaleString('en-US')} edits`) });
  }
  return problems;
}
