/**
 * The batch job file format (YAML or JSON) and its zod schema.
 *
 * A job file describes a set of **items**: every input image × every edit. It is validated in
 * full before any work starts, and every problem found is reported at once.
 *
 * ```yaml
 * version: 1
 * model: ./models/sd15          # optional; the CLI may override
 * output: ./out                 # output folder, relative to the job file (or absolute)
 * concurrency: 2                # items processed at once (default 1)
 * prompt: "a cat on a bench"    # optional default source prompt for inputs without one
 * defaults:                     # edit options shared by every edit
 *   method: ef-ddpm
 *   steps: 50
 *   guidance: 7.5
 *   seed: 0
 * inputs:                       # files or globs, relative to the job file
 *   - photos/*.jpg
 *   - { path: cat.png, prompt: "a cat on a bench" }   # per-input source prompt
 * edits:
 *   - { name: dog, prompt: "a dog on a bench", attention: { crossReplace: 0.8, selfReplace: 0.4 } }
 *   - { name: red, prompt: "a red cat on a bench", edit: refine }
 * ```
 *
 * ## Fields
 *
 * | field | required | meaning |
 * | --- | --- | --- |
 * | `version` | yes | format version; must be `1`. |
 * | `model` | no | diffusers model folder, relative to the job file (or absolute). A model given on the command line wins. |
 * | `output` | yes | output folder. A relative path is resolved against the job file's folder and must stay inside it (`../out` is refused); write an absolute path to put results elsewhere. It may not contain the job file, nor any input. An output folder given on the command line wins (resolved against the current directory). |
 * | `concurrency` | no | how many items run at once, 1–64 (default 1). |
 * | `prompt` | no | source prompt (the prompt describing the *original* image) for inputs that do not set their own. |
 * | `defaults` | no | edit options applied to every edit (free-form; checked by the editing pipeline's option schema once merged with each edit). |
 * | `inputs` | yes | non-empty list; each entry is a path or glob string, or `{ path, prompt }` (`path` may be a glob; `prompt` is the source prompt for the matched files). |
 * | `edits` | yes | non-empty list of `{ name, prompt, ...options }`. |
 *
 * Unknown top-level keys are errors (they are usually typos).
 *
 * ## Inputs
 *
 * Paths and globs are relative to the job file's folder (absolute paths are accepted) and use
 * `/` as separator. Glob syntax: `*` (any characters but `/`), `?` (one character), `**` (any
 * number of folders, as a whole segment) and `{a,b}` alternatives; names starting with `.` only
 * match a pattern segment starting with `.`. Matches are files only, sorted by code point.
 * A plain path must name an existing file; a glob must match at least one file. A file listed by
 * several entries is taken once, at its first position: a plain path's prompt wins over a glob's,
 * and two plain entries for the same file, or two globs giving it different prompts, are errors.
 *
 * Each input gets an output folder named after its file name without extension (`photos/cat.jpg`
 * → `cat`). When names collide (case-insensitively) they are told apart by their folders
 * (`a/cat.jpg` → `a_cat`, `b/cat.jpg` → `b_cat`), then extensions, then a numeric suffix.
 *
 * ## Edits
 *
 * - `name`: 1–64 characters, letters, digits, `_` and `-`, starting with a letter or digit, not a
 *   Windows device name (`con`, `nul`, `com1`…); unique (case-insensitively). It names the output
 *   files, so it must be a safe file name.
 * - `prompt`: the target prompt.
 * - any other key is an edit option (e.g. `attention: { crossReplace: 0.8, selfReplace: 0.4 }`,
 *   `edit: refine`, `steps: 30`). Options are merged over `defaults`: nested objects are merged key
 *   by key, anything else (numbers, strings, arrays) replaces the default. The merged options are
 *   validated by the editing pipeline's schema; a problem is reported at the edit's key when the
 *   edit sets it, else at the `defaults` key.
 *
 * ## Outputs
 *
 * Item `<input key>/<edit name>` writes its files below `<output>/<input key>/`; every output
 * path is checked to stay inside the output folder (no `..`, no absolute names, no symbolic links
 * leading out, portable names only). The output folder also holds `.reprise-manifest.json` (what
 * is finished, for resuming) and `report.html`.
 *
 * @packageDocumentation
 */
import { z } from 'zod';
import { isWindowsReservedName } from './paths.js';

/** Edit names: they become file names, so only portable characters. */
export const EDIT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Edit options when the caller has no schema of its own: any record. */
export const freeFormEditOptionsSchema = z.record(z.string(), z.unknown());

/** One `inputs` entry: a path or glob, or a path/glob with its source prompt. */
export const inputEntrySchema = z.union(
  [
    z.string().min(1, 'an input path may not be empty'),
    z.strictObject({
      path: z.string().min(1, 'an input path may not be empty'),
      prompt: z.string().optional(),
    }),
  ],
  { error: 'expected a path or glob string, or { path, prompt }' },
);

/** One `edits` entry before option validation: name, target prompt, then free-form options. */
export const editEntrySchema = z.looseObject({
  name: z
    .string()
    .regex(EDIT_NAME_PATTERN, 'must be 1–64 letters, digits, "_" or "-", starting with a letter or digit (it names output files)')
    .refine((name) => !isWindowsReservedName(name), 'is a reserved device name on Windows (con, nul, com1...); choose another name'),
  prompt: z.string(),
});

/** The structure of a job file, with edit options left unchecked. */
export const jobFileStructureSchema = z.strictObject({
  version: z.literal(1, 'must be 1'),
  model: z.string().min(1).optional(),
  output: z.string().min(1, 'the output folder may not be empty'),
  concurrency: z.number().int().min(1).max(64).default(1),
  prompt: z.string().optional(),
  defaults: z.record(z.string(), z.unknown()).default({}),
  inputs: z.array(inputEntrySchema).min(1, 'list at least one input'),
  edits: z.array(editEntrySchema).min(1, 'list at least one edit'),
});

/** One `inputs` entry as parsed. */
export type InputEntry = z.output<typeof inputEntrySchema>;

/** One edit as parsed: options are `defaults` merged with the edit's own keys, then validated. */
export interface JobFileEdit<O> {
  readonly name: string;
  readonly prompt: string;
  /** The edit's own option keys (everything but `name` and `prompt`), as written. */
  readonly overrides: Readonly<Record<string, unknown>>;
  /** Merged and validated options. */
  readonly options: O;
}

/** A parsed job file (paths not resolved yet; see `loadJobFile`). */
export interface JobFileData<O> {
  readonly version: 1;
  readonly model?: string | undefined;
  readonly output: string;
  readonly concurrency: number;
  readonly prompt?: string | undefined;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly inputs: readonly InputEntry[];
  readonly edits: readonly JobFileEdit<O>[];
}

/** A problem found in a job file: where (`edits[1].attention.crossReplace`) and what. */
export interface JobProblem {
  /** Dotted path into the file, `[i]` for list positions; empty for the file as a whole. */
  readonly path: string;
  readonly message: string;
}

/** Formats a zod-style path as `edits[1].attention.crossReplace`. */
export function formatProblemPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * Turns zod issues into problems. A failed union reports the issues of the one alternative the
 * value had the right type for (e.g. `inputs[3].prompt` rather than "invalid input").
 */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): JobIssue[] {
  const out: JobIssue[] = [];
  for (const issue of issues) {
    const at = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const typed = issue.errors.filter((branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0));
      const [only] = typed;
      if (typed.length === 1 && only !== undefined) {
        out.push(...issuesToProblems(only, at));
        continue;
      }
    }
    out.push({ path: at, message: issue.message });
  }
  return out;
}

const FIELD_ORDER = ['version', 'model', 'output', 'concurrency', 'prompt', 'defaults', 'inputs', 'edits'];

/** Sorts problems in file order: by top-level field, then list position (stable otherwise). */
export function sortProblems<P extends { readonly path: string }>(problems: readonly P[]): P[] {
  const rank = (p: P): [number, number] => {
    const m = /^([^.[]*)(?:\[(\d+)\])?/.exec(p.path);
    const field = FIELD_ORDER.indexOf(m?.[1] ?? '');
    return [field < 0 ? (p.path === '' ? -1 : FIELD_ORDER.length) : field, m?.[2] !== undefined ? Number(m[2]) : -1];
  };
  return problems
    .map((p, i) => ({ p, i, r: rank(p) }))
    .sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || a.i - b.i)
    .map((x) => x.p);
}

/** A plain `{}` object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Merges `overrides` over `defaults`: plain objects key by key, anything else replaces. */
export function mergeEditOptions(defaults: Readonly<Record<string, unknown>>, overrides: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    const base = out[key];
    out[key] = isPlainObject(base) && isPlainObject(value) ? mergeEditOptions(base, value) : value;
  }
  return out;
}

/** Whether `overrides` sets the value at `path` (or replaces a value above it). */
function overrideCovers(overrides: unknown, path: readonly PropertyKey[]): boolean {
  let cur: unknown = overrides;
  for (const key of path) {
    if (!isPlainObject(cur)) return true;
    if (typeof key !== 'string' || !Object.prototype.hasOwnProperty.call(cur, key)) return false;
    cur = cur[key];
  }
  return true;
}

/** The edit's own option keys: everything but `name` and `prompt`. */
export function editOverrides(entry: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { name: _name, prompt: _prompt, ...rest } = entry;
  return rest;
}

/** A problem with its path as keys (`['edits', 1, 'name']`). */
export interface JobIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Result of checking every edit's merged options. */
export interface EditCheck<O> {
  /** Parsed edits, in order; absent when any edit failed. */
  readonly edits: JobFileEdit<O>[] | undefined;
  readonly issues: JobIssue[];
}

/**
 * Validates each edit's options (`defaults` merged with the edit's keys) with `editOptions`, and
 * checks edit names are unique (case-insensitively). Tolerates malformed entries (they are
 * skipped: the structure schema reports them) so it can run even when the structure is invalid.
 */
export function checkEdits<S extends z.ZodType>(defaults: unknown, edits: unknown, editOptions: S): EditCheck<z.output<S>> {
  const issues: JobIssue[] = [];
  const seen = new Set<string>();
  const add = (path: readonly PropertyKey[], message: string): void => {
    const key = `${formatProblemPath(path)}\0${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push({ path, message });
    }
  };
  const defaultsRecord = isPlainObject(defaults) ? defaults : {};
  const list = Array.isArray(edits) ? (edits as unknown[]) : [];
  const parsed: JobFileEdit<z.output<S>>[] = [];
  const names = new Map<string, number>();
  let complete = Array.isArray(edits);
  for (const [i, entry] of list.entries()) {
    if (!isPlainObject(entry)) {
      complete = false;
      continue;
    }
    const name = entry['name'];
    if (typeof name === 'string') {
      const folded = name.toLowerCase();
      const first = names.get(folded);
      if (first !== undefined) add(['edits', i, 'name'], `duplicate edit name "${name}" (also edits[${first}]); names must be unique, ignoring case`);
      else names.set(folded, i);
    }
    const overrides = editOverrides(entry);
    const result = editOptions.safeParse(mergeEditOptions(defaultsRecord, overrides));
    if (!result.success) {
      complete = false;
      for (const issue of result.error.issues) {
        const owner = overrideCovers(overrides, issue.path) || !overrideCovers(defaultsRecord, issue.path) ? ['edits', i] : ['defaults'];
        add([...owner, ...issue.path], issue.message);
      }
      continue;
    }
    if (typeof name === 'string' && typeof entry['prompt'] === 'string') {
      parsed.push({ name, prompt: entry['prompt'], overrides, options: result.data });
    } else {
      complete = false;
    }
  }
  return { edits: complete && issues.length === 0 ? parsed : undefined, issues };
}

/** The schema type {@link makeJobSchema} returns. */
export type JobSchema<O> = z.ZodType<JobFileData<O>, unknown>;

/**
 * Builds the job-file schema with the editing pipeline's own option schema plugged in. Edits'
 * options are validated after merging over `defaults`; duplicate edit names are issues too.
 * File-system checks (inputs exist, globs match, output folder) are made by `loadJobFile`.
 *
 * @param editOptions - schema of the merged options of one edit (anything but `name`/`prompt`).
 */
export function makeJobSchema<S extends z.ZodType>(editOptions: S): JobSchema<z.output<S>> {
  return jobFileStructureSchema.transform((job, ctx): JobFileData<z.output<S>> => {
    const checked = checkEdits(job.defaults, job.edits, editOptions);
    for (const issue of checked.issues) {
      ctx.issues.push({ code: 'custom', message: issue.message, path: [...issue.path], input: job });
    }
    if (checked.edits === undefined) return z.NEVER;
    return { ...job, edits: checked.edits };
  }) as unknown as JobSchema<z.output<S>>;
}

/** The job-file schema with free-form edit options (any record). */
export const jobFileSchema: JobSchema<Record<string, unknown>> = makeJobSchema(freeFormEditOptionsSchema);
