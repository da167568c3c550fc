/**
 * Running one batch item: the {@link ItemContext} (confined, atomic writes; values shared between
 * an input's items) and the manifest entry it ends with. Shared by the local runner
 * (`runner.ts`) and the queue worker (`queue/worker.ts`), so both write the same files the same way.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeFileAtomic } from './atomic.js';
import type { BatchItem, BatchJob } from './job-file.js';
import { MANIFEST_NAME, type ItemError, type ItemReport, type ManifestEntry } from './manifest.js';
import { outputComponents, safeOutputPath, UnsafeOutputPathError, type OutputRoot } from './paths.js';
import { REPORT_NAME } from './report.js';
import type { ItemContext, ProcessItem } from './runner.js';
import { RepriseError } from '../../errors.js';

const RESERVED_TOP_LEVEL = new Set([MANIFEST_NAME.toLowerCase(), REPORT_NAME.toLowerCase()]);

/** Converts anything thrown into a recordable error. */
export function toItemError(error: unknown): ItemError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { message: error.message || error.name, code: typeof code === 'string' ? code : undefined };
  }
  let text: string;
  try {
    text = typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
  } catch {
    text = String(error);
  }
  return { message: typeof error === 'string' ? text : `non-Error value thrown: ${text}`, code: undefined };
}

/** The real paths of a job's inputs (an item may never overwrite one). */
export function jobInputPaths<O>(job: BatchJob<O>): Set<string> {
  return new Set(job.inputs.map((i) => realpathOrSelf(i.path)));
}

/** Values shared between the items of each input (see `ItemContext.shared`). */
export type SharedValues = Map<string, Map<string, Promise<unknown>>>;

/** What {@link runItem} needs besides the item. */
export interface RunItemOptions<O> {
  readonly outputDir: string;
  /** The output folder pinned with symbolic links resolved (`pinOutputRoot`); every write is checked against it. */
  readonly root?: OutputRoot | undefined;
  /** From {@link jobInputPaths}. */
  readonly inputPaths: ReadonlySet<string>;
  readonly signal: AbortSignal;
  readonly shared: SharedValues;
  readonly processItem: ProcessItem<O>;
  /** The item's hash; `''` when its input could not be read (`inputError` says why). */
  readonly hash: string;
  readonly inputError?: Error | undefined;
}

/** How {@link runItem} ended: `entry` is undefined when the item threw after `signal` aborted (pending). */
export interface RunItemResult {
  readonly entry: ManifestEntry | undefined;
  readonly outputs: readonly string[];
  readonly durationMs: number;
}

/** Runs one item through `processItem` with its context; never throws (failures become `failed` entries). */
export async function runItem<O>(item: BatchItem<O>, options: RunItemOptions<O>): Promise<RunItemResult> {
  const { outputDir, inputPaths, hash } = options;
  const startedAt = new Date();
  const t0 = performance.now();
  const written = new Set<string>();
  const ctx: ItemContext = {
    outputDir,
    signal: options.signal,
    write: async (relativeName, data) => {
      const rel = outputComponents([relativeName]).join('/');
      if (!rel.includes('/') && RESERVED_TOP_LEVEL.has(rel.toLowerCase())) {
        throw new UnsafeOutputPathError(relativeName, `"${rel}" is reserved for the batch ${rel === REPORT_NAME ? 'report' : 'manifest'}`);
      }
      const abs = safeOutputPath(options.root ?? outputDir, rel);
      if (inputPaths.has(realpathOrSelf(abs))) throw new UnsafeOutputPathError(relativeName, 'it is one of the job inputs');
      await fs.promises.mkdir(path.dirname(abs), { recursive: true });
      await writeFileAtomic(abs, data, options.root);
      written.add(rel);
      return abs;
    },
    shared: <T>(key: string, compute: () => Promise<T>): Promise<T> => {
      let values = options.shared.get(item.input.key);
      if (values === undefined) options.shared.set(item.input.key, (values = new Map()));
      let value = values.get(key) as Promise<T> | undefined;
      if (value === undefined) {
        value = Promise.resolve().then(compute);
        value.catch(() => undefined); // observed by each caller; avoid an unhandled rejection
        values.set(key, value);
      }
      return value;
    },
  };
  const common = { hash, input: item.input.relativePath, edit: item.edit.name };
  try {
    if (hash === '') throw options.inputError ?? new Error(`cannot read ${item.input.path}`);
    const result = (await options.processItem(item, ctx)) ?? {};
    const report = checkReport(result.report, outputDir);
    const outputs = [...written].sort();
    const durationMs = performance.now() - t0;
    return { entry: { status: 'done', ...common, outputs, ...(report ? { report } : {}), ...timing(startedAt, durationMs) }, outputs, durationMs };
  } catch (error) {
    const durationMs = performance.now() - t0;
    const outputs = [...written].sort();
    if (options.signal.aborted) return { entry: undefined, outputs, durationMs };
    return { entry: { status: 'failed', ...common, outputs, error: toItemError(error), ...timing(startedAt, durationMs) }, outputs, durationMs };
  }
}

function timing(startedAt: Date, durationMs: number): { startedAt: string; finishedAt: string; durationMs: number } {
  return { startedAt: startedAt.toISOString(), finishedAt: new Date(startedAt.getTime() + durationMs).toISOString(), durationMs: Math.round(durationMs) };
}

function realpathOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** Normalizes report paths and checks each one is a file inside the output folder. */
function checkReport(report: ItemReport | undefined, outputDir: string): ItemReport | undefined {
  if (report === undefined) return undefined;
  const check = (p: string | undefined, what: string): string | undefined => {
    if (p === undefined) return undefined;
    const rel = outputComponents([p]).join('/');
    const abs = safeOutputPath(outputDir, rel);
    if (!fs.existsSync(abs)) throw new RepriseError('RUNTIME_INPUT', `report ${what} image ${rel} does not exist in the output folder`, { hint: 'Write it with ctx.write first, then name it in the report.' });
    return rel;
  };
  const attention = report.attention?.map((a) => ({ label: String(a.label), path: check(a.path, `"${a.label}"`)! }));
  const notes = report.notes === undefined ? undefined : Object.fromEntries(Object.entries(report.notes).filter(([, v]) => typeof v === 'string' || typeof v === 'number'));
  const out: ItemReport = {
    ...(report.source !== undefined ? { source: check(report.source, 'source') } : {}),
    ...(report.reconstruction !== undefined ? { reconstruction: check(report.reconstruction, 'reconstruction') } : {}),
    ...(report.edit !== undefined ? { edit: check(report.edit, 'edit') } : {}),
    ...(attention !== undefined ? { attention } : {}),
    ...(notes !== undefined ? { notes } : {}),
  };
  return out;
}
