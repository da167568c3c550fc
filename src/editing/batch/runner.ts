/**
 * The batch runner: runs a job's items (inputs × edits) through a caller-supplied `processItem`
 * with a concurrency limit. One item failing never stops the others; finished items are recorded
 * in the manifest as they finish, so an interrupted run resumes where it stopped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeFileAtomic } from './atomic.js';
import { fileDigest, itemHash } from './hash.js';
import type { BatchItem, BatchJob } from './job-file.js';
import { BatchManifest, MANIFEST_NAME, type ItemError, type ItemReport, type ManifestEntry } from './manifest.js';
import { outputComponents, pinOutputRoot, safeOutputPath, UnsafeOutputPathError } from './paths.js';
import { REPORT_NAME, writeBatchReport } from './report.js';

/** What `processItem` returns: optional report entries (outputs are recorded by `ctx.write`). */
export interface ItemResult {
  readonly report?: ItemReport | undefined;
}

/** Services given to `processItem` for one item. */
export interface ItemContext {
  /** Absolute output folder. */
  readonly outputDir: string;
  /** Aborted when the run is interrupted; long work should stop and throw. */
  readonly signal: AbortSignal;
  /**
   * Writes a file atomically at `relativeName` (`/`-separated, inside the output folder) and
   * records it as an output of this item.
   *
   * @returns the absolute path written.
   * @throws UnsafeOutputPathError for names escaping the output folder, reserved names
   * (`report.html`, the manifest) and names of input files.
   */
  write(relativeName: string, data: Uint8Array | string): Promise<string>;
  /**
   * Computes a value once per input and shares it between that input's items (e.g. the
   * inversion, reused by every edit). Dropped once all of the input's items have finished.
   * A rejection is shared too.
   */
  shared<T>(key: string, compute: () => Promise<T>): Promise<T>;
}

/** The editing work for one item. */
export type ProcessItem<O> = (item: BatchItem<O>, ctx: ItemContext) => Promise<ItemResult | void>;

/** How one item ended in this run. */
export type ItemOutcome<O> =
  | { readonly status: 'done'; readonly item: BatchItem<O>; readonly outputs: readonly string[]; readonly durationMs: number }
  | { readonly status: 'skipped'; readonly item: BatchItem<O>; readonly outputs: readonly string[] }
  | {
      readonly status: 'failed';
      readonly item: BatchItem<O>;
      readonly outputs: readonly string[];
      readonly error: ItemError;
      readonly durationMs: number;
    }
  | { readonly status: 'pending'; readonly item: BatchItem<O> };

/** Progress notifications. */
export type BatchProgress<O> =
  | { readonly type: 'planned'; readonly total: number; readonly toRun: number; readonly skipped: number }
  | { readonly type: 'item-started'; readonly item: BatchItem<O>; readonly running: number }
  | { readonly type: 'item-finished'; readonly outcome: ItemOutcome<O>; readonly completed: number; readonly total: number };

/** Options of {@link runBatch}. */
export interface RunBatchOptions<O> {
  readonly processItem: ProcessItem<O>;
  /** Called synchronously on progress; exceptions it throws are ignored. */
  readonly onProgress?: ((event: BatchProgress<O>) => void) | undefined;
  /** Stops the run: no new item starts, running items see `ctx.signal` aborted. */
  readonly signal?: AbortSignal | undefined;
  /** Overrides `job.concurrency`. */
  readonly concurrency?: number | undefined;
  /** Anything whose change must redo every item (pipeline version, device, dtype...). */
  readonly fingerprint?: unknown;
  /** `true` (default): skip items already done and unchanged. `false`: redo everything. */
  readonly resume?: boolean | undefined;
  /** Write `report.html` at the end (default true). */
  readonly report?: boolean | undefined;
}

/** Result of a run. */
export interface BatchSummary<O> {
  readonly done: number;
  readonly skipped: number;
  readonly failed: number;
  /** Items not run because the run was aborted (they run on the next run). */
  readonly pending: number;
  readonly aborted: boolean;
  /** One outcome per job item, in job order. */
  readonly items: readonly ItemOutcome<O>[];
  readonly manifestPath: string;
  readonly reportPath: string | undefined;
  readonly durationMs: number;
}

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

const RESERVED_TOP_LEVEL = new Set([MANIFEST_NAME.toLowerCase(), REPORT_NAME.toLowerCase()]);

/**
 * Runs every item of `job` that is not already done (see the manifest's resume rule).
 *
 * Failures are isolated: whatever `processItem` throws is recorded for that item and the run goes
 * on. When `signal` aborts, no new item starts; items that then throw are left pending (not
 * recorded as failed) and run again next time. The manifest is written after each finished item
 * and the report at the end (also after an abort).
 *
 * @throws only when the manifest cannot be read or written (the run stops after the running items).
 */
export async function runBatch<O>(job: BatchJob<O>, options: RunBatchOptions<O>): Promise<BatchSummary<O>> {
  const started = performance.now();
  const outputDir = job.output;
  await fs.promises.mkdir(outputDir, { recursive: true });
  const root = pinOutputRoot(outputDir, job.outputReal);
  const manifest = BatchManifest.load(root);
  const notify = (event: BatchProgress<O>): void => {
    try {
      options.onProgress?.(event);
    } catch {
      // A broken progress display must not stop hours of work.
    }
  };

  const controller = new AbortController();
  const onAbort = (): void => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const inputPaths = new Set(job.inputs.map((i) => realpathOrSelf(i.path)));
    const model = job.model === undefined ? undefined : path.relative(job.dir, job.model).split(path.sep).join('/');
    const digests = await digestInputs(job);
    const outcomes = new Map<string, ItemOutcome<O>>();
    const hashes = new Map<string, string>();
    const toRun: BatchItem<O>[] = [];
    for (const item of job.items) {
      const digest = digests.get(item.input.path);
      const hash = digest !== undefined && typeof digest === 'string' ? itemHash(item, { inputDigest: digest, model, fingerprint: options.fingerprint }) : '';
      hashes.set(item.id, hash);
      const entry = manifest.get(item.id);
      if (options.resume !== false && hash !== '' && manifest.isUpToDate(item.id, hash) && entry !== undefined) {
        outcomes.set(item.id, { status: 'skipped', item, outputs: entry.outputs });
      } else {
        toRun.push(item);
      }
    }
    const total = job.items.length;
    let completed = outcomes.size;
    notify({ type: 'planned', total, toRun: toRun.length, skipped: completed });
    for (const outcome of outcomes.values()) notify({ type: 'item-finished', outcome, completed, total });

    const remaining = new Map<string, number>();
    for (const item of toRun) remaining.set(item.input.key, (remaining.get(item.input.key) ?? 0) + 1);
    const sharedValues = new Map<string, Map<string, Promise<unknown>>>();
    let fatal: { error: unknown } | undefined;
    let running = 0;

    const runOne = async (item: BatchItem<O>): Promise<void> => {
      const startedAt = new Date();
      const t0 = performance.now();
      const written = new Set<string>();
      const hash = hashes.get(item.id) ?? '';
      const ctx: ItemContext = {
        outputDir,
        signal: controller.signal,
        write: async (relativeName, data) => {
          const rel = outputComponents([relativeName]).join('/');
          if (!rel.includes('/') && RESERVED_TOP_LEVEL.has(rel.toLowerCase())) {
            throw new UnsafeOutputPathError(relativeName, `"${rel}" is reserved for the batch ${rel === REPORT_NAME ? 'report' : 'manifest'}`);
          }
          const abs = safeOutputPath(root, rel);
          if (inputPaths.has(realpathOrSelf(abs))) throw new UnsafeOutputPathError(relativeName, 'it is one of the job inputs');
          await fs.promises.mkdir(path.dirname(abs), { recursive: true });
          await writeFileAtomic(abs, data, root);
          written.add(rel);
          return abs;
        },
        shared: <T>(key: string, compute: () => Promise<T>): Promise<T> => {
          let values = sharedValues.get(item.input.key);
          if (values === undefined) sharedValues.set(item.input.key, (values = new Map()));
          let value = values.get(key) as Promise<T> | undefined;
          if (value === undefined) {
            value = Promise.resolve().then(compute);
            value.catch(() => undefined); // observed by each caller; avoid an unhandled rejection
            values.set(key, value);
          }
          return value;
        },
      };
      running++;
      notify({ type: 'item-started', item, running });
      let outcome: ItemOutcome<O>;
      let entry: ManifestEntry | undefined;
      try {
        if (hash === '') throw digests.get(item.input.path) ?? new Error(`cannot read ${item.input.path}`);
        const result = (await options.processItem(item, ctx)) ?? {};
        const report = checkReport(result.report, outputDir);
        const outputs = [...written].sort();
        const durationMs = performance.now() - t0;
        outcome = { status: 'done', item, outputs, durationMs };
        entry = { status: 'done', hash, input: item.input.relativePath, edit: item.edit.name, outputs, ...(report ? { report } : {}), ...timing(startedAt, durationMs) };
      } catch (error) {
        const durationMs = performance.now() - t0;
        if (controller.signal.aborted) {
          outcome = { status: 'pending', item };
        } else {
          const outputs = [...written].sort();
          const itemError = toItemError(error);
          outcome = { status: 'failed', item, outputs, error: itemError, durationMs };
          entry = { status: 'failed', hash, input: item.input.relativePath, edit: item.edit.name, outputs, error: itemError, ...timing(startedAt, durationMs) };
        }
      } finally {
        running--;
        const left = (remaining.get(item.input.key) ?? 1) - 1;
        remaining.set(item.input.key, left);
        if (left === 0) sharedValues.delete(item.input.key);
      }
      if (entry !== undefined) {
        try {
          await manifest.set(item.id, entry);
        } catch (error) {
          fatal ??= { error };
          controller.abort(error);
          outcome = { status: 'pending', item };
        }
      }
      outcomes.set(item.id, outcome);
      if (outcome.status !== 'pending') completed++;
      notify({ type: 'item-finished', outcome, completed, total });
    };

    const limit = Math.max(1, Math.floor(options.concurrency ?? job.concurrency));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!controller.signal.aborted) {
        const item = toRun[next++];
        if (item === undefined) return;
        await runOne(item);
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, toRun.length) }, worker));
    await manifest.flush();
    if (fatal !== undefined) throw fatal.error;

    const items = job.items.map((item) => outcomes.get(item.id) ?? { status: 'pending' as const, item });
    const reportPath = options.report === false ? undefined : await writeBatchReport(job, manifest, items, root);
    const count = (status: ItemOutcome<O>['status']): number => items.filter((o) => o.status === status).length;
    return {
      done: count('done'),
      skipped: count('skipped'),
      failed: count('failed'),
      pending: count('pending'),
      aborted: controller.signal.aborted,
      items,
      manifestPath: manifest.path,
      reportPath,
      durationMs: performance.now() - started,
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
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

/** Input digests (hex), or the error met reading the input; four files at a time. */
async function digestInputs<O>(job: BatchJob<O>): Promise<Map<string, string | Error>> {
  const out = new Map<string, string | Error>();
  const paths = job.inputs.map((i) => i.path);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let p = paths[next++]; p !== undefined; p = paths[next++]) {
      try {
        out.set(p, await fileDigest(p));
      } catch (e) {
        out.set(p, e instanceof Error ? e : new Error(String(e)));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, paths.length) }, worker));
  return out;
}

/** Normalizes report paths and checks each one is a file inside the output folder. */
function checkReport(report: ItemReport | undefined, outputDir: string): ItemReport | undefined {
  if (report === undefined) return undefined;
  const check = (p: string | undefined, what: string): string | undefined => {
    if (p === undefined) return undefined;
    const rel = outputComponents([p]).join('/');
    const abs = safeOutputPath(outputDir, rel);
    if (!fs.existsSync(abs)) throw new Error(`report ${what} image ${rel} does not exist in the output folder; write it with ctx.write first`);
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
