/**
 * Loading a batch job: parse YAML/JSON, validate the structure and every edit's options, expand
 * inputs, check the output folder, and build the item list (inputs × edits). Every problem is
 * collected and thrown as one {@link JobFileError} before any work starts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { RepriseError } from '../../errors.js';
import { globBudget, globFiles, hasGlobMagic } from './glob.js';
import {
  checkEdits,
  formatProblemPath,
  freeFormEditOptionsSchema,
  isPlainObject,
  issuesToProblems,
  jobFileStructureSchema,
  sortProblems,
  type JobFileEdit,
  type JobProblem,
} from './job-schema.js';
import { countLimitProblems, documentLimitProblems, GlobLimitError, JOB_LIMITS, limitMessage } from './limits.js';
import { inputKeys, isInsideOrEqual, itemOutputNames, danglingLinkOn, realpathDeepest, type ItemOutputNames } from './paths.js';

/** A job file failed validation; `problems` lists every problem found. */
export class JobFileError extends RepriseError {
  /** The job file (or a description of where the job came from). */
  readonly file: string;
  readonly problems: readonly JobProblem[];
  constructor(file: string, problems: readonly JobProblem[]) {
    const lines = problems.map((p) => `  - ${p.path === '' ? '' : `${p.path}: `}${p.message}`);
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super('CONFIG_INVALID', `Job file ${file} has ${count}:\n${lines.join('\n')}`, {
      hint: 'Fix the listed entries and run again; nothing was processed. The job file format is described in docs/batch.md.',
    });
    this.name = 'JobFileError';
    this.file = file;
    this.problems = problems;
  }
}

/** One input image of a job. */
export interface BatchInput {
  /** Position in the job's input list. */
  readonly index: number;
  /** Absolute path. */
  readonly path: string;
  /** Path relative to the job folder, `/`-separated (for display and the report). */
  readonly relativePath: string;
  /** Prompt describing the original image: the entry's `prompt`, else the job's `prompt`. */
  readonly sourcePrompt: string | undefined;
  /** Unique, portable name of this input's output folder (e.g. `cat`, `a_cat`). */
  readonly key: string;
}

/** One edit of a job, with its merged and validated options. */
export type BatchEdit<O> = JobFileEdit<O> & {
  /** Position in the job's edit list. */
  readonly index: number;
};

/** One unit of work: an input × an edit. */
export interface BatchItem<O> {
  /** Stable id, `<input key>/<edit name>`; the manifest is keyed by it. */
  readonly id: string;
  readonly input: BatchInput;
  readonly edit: BatchEdit<O>;
  /** Suggested output names (relative, without extension). */
  readonly names: ItemOutputNames;
}

/** A validated job, ready to run. */
export interface BatchJob<O = Record<string, unknown>> {
  /** The job file, absolute; undefined for a job built in memory. */
  readonly file: string | undefined;
  /** Folder relative paths in the job are resolved against. */
  readonly dir: string;
  /** Absolute model folder, if the job or an override names one. */
  readonly model: string | undefined;
  /** Absolute output folder. */
  readonly output: string;
  /**
   * The output folder's real path as checked at load (symbolic links resolved, for a missing
   * folder through its deepest existing ancestor); the run refuses to start if it changed.
   */
  readonly outputReal?: string | undefined;
  readonly concurrency: number;
  readonly inputs: readonly BatchInput[];
  readonly edits: readonly BatchEdit<O>[];
  /** inputs × edits, input-major (all edits of the first input first). */
  readonly items: readonly BatchItem<O>[];
}

/** Values from the command line that take precedence over the job file (resolved against the current directory). */
export interface JobOverrides {
  readonly output?: string;
  readonly model?: string;
  readonly concurrency?: number;
}

/** Where an in-memory job's relative paths start from. */
export interface ResolveJobOptions<S extends z.ZodType> {
  /** Folder relative paths are resolved against. */
  readonly dir: string;
  /** Name used in error messages, and the job file path excluded from outputs. */
  readonly file?: string;
  readonly editOptions: S;
  readonly overrides?: JobOverrides;
}

const toPosix = (p: string): string => p.split(path.sep).join('/');

function realpathOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * Reads, validates and resolves a job file (`.yaml`, `.yml` or `.json`).
 *
 * @param file - the job file.
 * @param editOptions - the pipeline's schema for one edit's merged options (default: any record).
 * @param overrides - command-line values that win over the file's.
 * @throws JobFileError (code `CONFIG_INVALID`) listing every problem found.
 */
export function loadJobFile<S extends z.ZodType = typeof freeFormEditOptionsSchema>(
  file: string,
  editOptions?: S,
  overrides?: JobOverrides,
): BatchJob<z.output<S>> {
  const absolute = path.resolve(file);
  const raw = readJobDocument(absolute);
  return resolveJob(raw, {
    dir: path.dirname(absolute),
    file: absolute,
    editOptions: (editOptions ?? freeFormEditOptionsSchema) as S,
    ...(overrides ? { overrides } : {}),
  });
}

/** Reads and parses a job file by extension; syntax errors are thrown as one {@link JobFileError}. */
export function readJobDocument(file: string): unknown {
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.yaml' && ext !== '.yml' && ext !== '.json') {
    throw new JobFileError(file, [{ path: '', message: `unknown extension "${ext}"; name the job file .yaml, .yml or .json` }]);
  }
  let text: string;
  try {
    const size = fs.statSync(file).size;
    if (size > JOB_LIMITS.fileBytes) {
      throw new JobFileError(file, [{ path: '', message: limitMessage('fileBytes', `the file has ${size.toLocaleString('en-US')} bytes`) }]);
    }
    const bytes = fs.readFileSync(file);
    if (bytes.length > JOB_LIMITS.fileBytes) {
      throw new JobFileError(file, [{ path: '', message: limitMessage('fileBytes', `the file has ${bytes.length.toLocaleString('en-US')} bytes`) }]);
    }
    text = bytes.toString('utf8');
  } catch (e) {
    if (e instanceof JobFileError) throw e;
    throw new JobFileError(file, [{ path: '', message: `cannot read the file (${(e as Error).message})` }]);
  }
  const value = parseJobText(file, text, ext === '.json' ? 'json' : 'yaml');
  const problems = documentLimitProblems(value);
  if (problems.length > 0) throw new JobFileError(file, problems);
  return value;
}

/** A stack overflow or yaml's alias guard, as a problem of the job file. */
function parserLimitProblem(e: unknown): JobProblem | undefined {
  if (e instanceof RangeError) return { path: '', message: limitMessage('depth', `the document is nested too deeply to parse (${e.message})`) };
  if (e instanceof ReferenceError && /alias/i.test(e.message)) {
    return { path: '', message: limitMessage('aliases', 'the document resolves too many YAML aliases (an alias bomb?)') };
  }
  return undefined;
}

function parseJobText(file: string, text: string, kind: 'json' | 'yaml'): unknown {
  if (kind === 'json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      const limit = parserLimitProblem(e);
      throw new JobFileError(file, [limit ?? { path: '', message: `invalid JSON: ${(e as Error).message}` }]);
    }
  }
  try {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    // yaml reports a stack overflow of its own parser as a document error
    // invariant: rethrown as the engine's own stack overflow, which the catch below turns into a JobFileError
    if (doc.errors.some((e) => /call stack/i.test(e.message))) throw new RangeError('Maximum call stack size exceeded');
    if (doc.errors.length > 0) {
      throw new JobFileError(
        file,
        doc.errors.slice(0, 20).map((e) => {
          const at = e.linePos?.[0];
          const what = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
          return { path: '', message: `invalid YAML${at ? ` at line ${at.line}, column ${at.col}` : ''}: ${what}` };
        }),
      );
    }
    return doc.toJS({ maxAliasCount: JOB_LIMITS.aliases }) as unknown;
  } catch (e) {
    if (e instanceof JobFileError) throw e;
    const limit = parserLimitProblem(e);
    if (limit !== undefined) throw new JobFileError(file, [limit]);
    throw new JobFileError(file, [{ path: '', message: `invalid YAML: ${(e as Error).message}` }]);
  }
}

/**
 * Validates and resolves an already-parsed job document (the in-memory counterpart of
 * {@link loadJobFile}).
 *
 * @throws JobFileError listing every problem found.
 */
export function resolveJob<S extends z.ZodType>(raw: unknown, options: ResolveJobOptions<S>): BatchJob<z.output<S>> {
  const dir = path.resolve(options.dir);
  const where = options.file ?? '(job)';
  const problems: JobProblem[] = [];
  const seen = new Set<string>();
  const add = (p: string, message: string): void => {
    const key = `${p}\0${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push({ path: p, message });
    }
  };

  const limits = [...documentLimitProblems(raw), ...(isPlainObject(raw) ? countLimitProblems(raw) : [])];
  if (limits.length > 0) throw new JobFileError(where, limits);

  const structure = jobFileStructureSchema.safeParse(raw);
  if (!structure.success) {
    for (const issue of issuesToProblems(structure.error.issues)) add(formatProblemPath(issue.path), issue.message);
  }
  const doc = isPlainObject(raw) ? raw : {};
  const edits = checkEdits(doc['defaults'], doc['edits'], options.editOptions);
  for (const issue of edits.issues) add(formatProblemPath(issue.path), issue.message);

  const concurrency = options.overrides?.concurrency;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 64)) {
    add('concurrency', `the concurrency given on the command line (${concurrency}) must be a whole number from 1 to 64`);
  }
  const resolved = resolveOutput(doc['output'], dir, options, add);
  const output = resolved?.output;
  const inputs = resolveInputs(doc['inputs'], dir, add);
  if (resolved !== undefined && output !== undefined) {
    const realOutput = resolved.real;
    for (const input of inputs) {
      if (isInsideOrEqual(output, input.path) || isInsideOrEqual(realOutput, realpathOrSelf(input.path))) {
        add(`inputs[${input.entry}]`, `${input.relativePath} lies inside the output folder ${output}; outputs must never become inputs (choose another output folder)`);
      }
    }
  }

  const itemCount = inputs.length * (edits.edits?.length ?? 0);
  if (inputs.length > JOB_LIMITS.inputs) add('inputs', limitMessage('inputs', `the inputs match ${inputs.length.toLocaleString('en-US')} files`));
  else if (itemCount > JOB_LIMITS.items) add('', limitMessage('items', `${inputs.length} inputs × ${edits.edits?.length ?? 0} edits make ${itemCount.toLocaleString('en-US')} items`));

  if (problems.length > 0 || !structure.success || edits.edits === undefined || output === undefined) {
    if (problems.length === 0) add('', 'the job could not be read'); // defensive: never throw an empty list
    throw new JobFileError(where, sortProblems(problems));
  }
  const job = structure.data;
  const keys = inputKeys(inputs.map((i) => i.relativePath));
  const batchInputs: BatchInput[] = inputs.map((input, index) => ({
    index,
    path: input.path,
    relativePath: input.relativePath,
    sourcePrompt: input.prompt ?? job.prompt,
    key: keys[index] ?? `input-${index}`,
  }));
  const batchEdits: BatchEdit<z.output<S>>[] = edits.edits.map((edit, index) => ({ ...edit, index }));
  const items: BatchItem<z.output<S>>[] = [];
  for (const input of batchInputs) {
    for (const edit of batchEdits) {
      items.push({ id: `${input.key}/${edit.name}`, input, edit, names: itemOutputNames(input.key, edit.name) });
    }
  }
  const modelOverride = options.overrides?.model;
  const model = modelOverride !== undefined ? path.resolve(modelOverride) : job.model !== undefined ? path.resolve(dir, job.model) : undefined;
  return {
    file: options.file,
    dir,
    model,
    output,
    outputReal: resolved?.real,
    concurrency: options.overrides?.concurrency ?? job.concurrency,
    inputs: batchInputs,
    edits: batchEdits,
    items,
  };
}

function resolveOutput<S extends z.ZodType>(
  value: unknown,
  dir: string,
  options: ResolveJobOptions<S>,
  add: (path: string, message: string) => void,
): { output: string; real: string } | undefined {
  const override = options.overrides?.output;
  let output: string;
  let relative = false;
  if (override !== undefined) {
    if (override === '' || override.includes('\0')) {
      add('output', 'the output folder given on the command line is empty or contains a NUL byte');
      return undefined;
    }
    output = path.resolve(override);
  } else {
    if (typeof value !== 'string' || value === '') return undefined; // the schema reports it
    if (value.includes('\0')) {
      add('output', 'contains a NUL byte');
      return undefined;
    }
    if (path.isAbsolute(value)) output = path.resolve(value);
    else {
      output = path.resolve(dir, value);
      relative = true;
      if (!isInsideOrEqual(dir, output)) {
        add('output', `"${value}" leaves the job folder; write an absolute path if the results should go outside it`);
        return undefined;
      }
    }
  }
  // Symbolic links resolved: a relative output must really stay in the job folder, and no output
  // may really contain the job file (an `out` linked back onto the job folder included).
  const long = output.split(path.sep).find((c) => Buffer.byteLength(c, 'utf8') > 255);
  if (long !== undefined) {
    add('output', `the folder name "${long.slice(0, 20)}…" is longer than 255 bytes, the limit of file systems`);
    return undefined;
  }
  const dangling = danglingLinkOn(output);
  if (dangling !== undefined) {
    add('output', `${dangling} is a dangling symbolic link; remove it or point it at an existing folder`);
    return undefined;
  }
  const real = realpathDeepest(output);
  const realDir = realpathOrSelf(dir);
  if (relative && !isInsideOrEqual(realDir, real)) {
    add('output', `"${String(value)}" resolves through a symbolic link to ${real}, outside the job folder ${realDir}; write that absolute path if the results should really go there`);
    return undefined;
  }
  const guarded = options.file ?? path.join(dir, '.');
  if (isInsideOrEqual(output, guarded) || isInsideOrEqual(real, realpathDeepest(guarded))) {
    add('output', `${output}${real !== output ? ` (resolving to ${real})` : ''} contains the job ${options.file ? 'file' : 'folder'}; use a dedicated folder such as ./out`);
    return undefined;
  }
  try {
    const st = fs.statSync(output);
    if (!st.isDirectory()) {
      add('output', `${output} exists and is not a folder`);
      return undefined;
    }
  } catch {
    // Missing: created when the batch runs.
  }
  return { output, real };
}

interface ResolvedInput {
  readonly entry: number;
  readonly path: string;
  readonly relativePath: string;
  readonly prompt: string | undefined;
  readonly explicit: boolean;
}

function resolveInputs(value: unknown, dir: string, add: (path: string, message: string) => void): ResolvedInput[] {
  if (!Array.isArray(value)) return [];
  const byPath = new Map<string, ResolvedInput>();
  const order: string[] = [];
  // One budget for the whole list: the job's patterns together get JOB_LIMITS.globMs.
  const budget = globBudget();
  for (const [entry, item] of (value as unknown[]).entries()) {
    if (order.length > JOB_LIMITS.inputs) break; // reported by resolveJob
    const spec = typeof item === 'string' ? item : isPlainObject(item) && typeof item['path'] === 'string' ? item['path'] : undefined;
    if (spec === undefined || spec === '') continue; // the schema reports it
    const prompt = isPlainObject(item) && typeof item['prompt'] === 'string' ? item['prompt'] : undefined;
    const where = isPlainObject(item) ? `inputs[${entry}].path` : `inputs[${entry}]`;
    if (spec.includes('\0')) {
      add(where, 'contains a NUL byte');
      continue;
    }
    let explicit: boolean;
    try {
      explicit = !hasGlobMagic(spec, budget);
    } catch (e) {
      if (!(e instanceof GlobLimitError)) throw e;
      add(where, e.message);
      continue;
    }
    let files: string[];
    if (explicit) {
      const abs = path.resolve(dir, spec);
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(abs);
      } catch {
        st = undefined;
      }
      if (st === undefined) {
        add(where, `file not found: ${spec} (looked for ${abs})`);
        continue;
      }
      if (!st.isFile()) {
        add(where, `${spec} is not a file${st.isDirectory() ? ' (it is a folder; use a glob such as "' + spec.replace(/\/+$/, '') + '/*.jpg")' : ''}`);
        continue;
      }
      files = [abs];
    } else {
      try {
        files = globFiles(spec, dir, budget);
      } catch (e) {
        if (!(e instanceof GlobLimitError)) throw e;
        add(where, e.message);
        if (e.limit === 'globMs') break; // the time is the whole list's: stop here
        continue;
      }
      if (files.length === 0) {
        add(where, `no file matches "${spec}"`);
        continue;
      }
    }
    for (const file of files) {
      const relativePath = toPosix(path.relative(dir, file)) || path.basename(file);
      const candidate: ResolvedInput = { entry, path: file, relativePath, prompt, explicit };
      const previous = byPath.get(file);
      if (previous === undefined) {
        byPath.set(file, candidate);
        order.push(file);
      } else if (previous.explicit && explicit) {
        add(where, `${relativePath} is already listed by inputs[${previous.entry}]`);
      } else if (explicit) {
        byPath.set(file, { ...candidate, entry: previous.entry });
      } else if (!previous.explicit && previous.prompt !== prompt) {
        add(where, `${relativePath} is also matched by inputs[${previous.entry}] with a different prompt; list it explicitly with its prompt`);
      }
    }
  }
  return order.map((file) => byPath.get(file)!);
}
