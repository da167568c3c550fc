/**
 * The batch runner: runs a job's items (inputs × edits) through a caller-supplied `processItem`
 * with a concurrency limit. One item failing never stops the others; finished items are recorded
 * in the manifest as they finish, so an interrupted run resumes where it stopped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileDigest, itemHash } from './hash.js';
import type { BatchItem, BatchJob } from './job-file.js';
import { jobInputPaths, runItem, type SharedValues } from './item.js';
import { BatchManifest, type ItemError, type ItemReport } from './manifest.js';
import { pinOutputRoot } from './paths.js';
import { writeBatchReport } from './report.js';

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

export { toItemError } from './item.js';

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
    const inputPaths = jobInputPaths(job);
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
    const sharedValues: SharedValues = new Map();
    let fatal: { error: unknown } | undefined;
    let running = 0;

    const runOne = async (item: BatchItem<O>): Promise<void> => {
      running++;
      notify({ type: 'item-started', item, running });
      const inputError = digests.get(item.input.path);
      const result = await runItem(item, {
        outputDir,
        root,
        inputPaths,
        signal: controller.signal,
        shared: sharedValues,
        processItem: options.processItem,
        hash: hashes.get(item.id) ?? '',
        inputError: inputError instanceof Error ? inputError : undefined,
      });
      running--;
      const left = (remaining.get(item.input.key) ?? 1) - 1;
      remaining.set(item.input.key, left);
      if (left === 0) sharedValues.delete(item.input.key);
      const entry = result.entry;
      let outcome: ItemOutcome<O> =
        entry === undefined
          ? { status: 'pending', item }
          : entry.status === 'done'
            ? { status: 'done', item, outputs: result.outputs, durationMs: result.durationMs }
            : { status: 'failed', item, outputs: result.outputs, error: entry.error, durationMs: result.durationMs };
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
