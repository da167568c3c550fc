/**
 * The queue worker: takes queue jobs (one input with its edits) from BullMQ and runs their items
 * with {@link runItem}, the local runner's code, into the job's output folder. The result (one
 * manifest entry per item, which worker, which attempt) is the queue job's return value; the
 * entries so far are its progress, so `reprise batch report` can show a job that failed.
 *
 * At least once: a worker that dies mid-job loses its lock and the job is redelivered after
 * `lockDurationMs`; items rewrite identical bytes atomically. A job whose items fail is retried
 * (the queue job's `attempts`) and then stays in the failed set with its errors.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { BatchItem, BatchJob } from '../job-file.js';
import type { ManifestEntry } from '../manifest.js';
import type { ProcessItem } from '../runner.js';
import { jobInputPaths, runItem, type SharedValues } from '../item.js';
import { pinOutputRoot } from '../paths.js';
import { jobItemHashes, queuePayloadSchema, type QueuePayload } from './payload.js';

/** A queue job's return value (and, as `entries` so far, its progress). */
export interface QueueJobResult {
  readonly worker: string;
  /** 1 for the first try. */
  readonly attempt: number;
  readonly entries: Readonly<Record<string, ManifestEntry>>;
}

/** What a worker reports while it runs. */
export type QueueWorkerEvent =
  | { readonly type: 'item-started'; readonly jobId: string; readonly id: string; readonly attempt: number }
  | { readonly type: 'item-finished'; readonly jobId: string; readonly id: string; readonly entry: ManifestEntry }
  | { readonly type: 'job-failed'; readonly jobId: string; readonly message: string; readonly attempt: number };

/** Options of {@link startQueueWorker}. */
export interface QueueWorkerOptions<O> {
  readonly connection: ConnectionOptions;
  readonly name: string;
  /** Queue jobs (inputs) run at once by this process. */
  readonly concurrency: number;
  /** Loads (and checks) the job file a payload names, with its output and model. */
  readonly loadJob: (payload: QueuePayload) => BatchJob<O>;
  /** The item processor for a job (e.g. with the pipeline of its model, loaded once per process). */
  readonly processItemFor: (job: BatchJob<O>, payload: QueuePayload) => Promise<ProcessItem<O>>;
  /** The fingerprint the batch was enqueued with. */
  readonly fingerprint: unknown;
  /** How long a job stays locked without a heartbeat before another worker takes it (default 30 s). */
  readonly lockDurationMs?: number | undefined;
  /** Shown in the report (default `host:pid`). */
  readonly workerId?: string | undefined;
  readonly onEvent?: ((event: QueueWorkerEvent) => void) | undefined;
}

/** A running worker. */
export interface QueueWorker {
  readonly id: string;
  /** Stops taking jobs, lets the running ones finish, disconnects. */
  close(): Promise<void>;
}

/** Starts a worker on queue `name`. */
export function startQueueWorker<O>(options: QueueWorkerOptions<O>): QueueWorker {
  const id = options.workerId ?? `${os.hostname()}:${process.pid}`;
  const lockDuration = options.lockDurationMs ?? 30_000;
  const notify = (event: QueueWorkerEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // a broken display must not fail an item
    }
  };
  const processor = async (bull: Job): Promise<QueueJobResult> => {
    const attempt = bull.attemptsMade + 1;
    const parsed = queuePayloadSchema.safeParse(bull.data);
    if (!parsed.success) throw new UnrecoverableError(`queue job ${bull.id} has data this version cannot read: ${parsed.error.message}`);
    const payload = parsed.data;
    const job = options.loadJob(payload);
    const wanted = new Map(payload.items.map((i) => [i.id, i.hash]));
    const items: BatchItem<O>[] = job.items.filter((i) => wanted.has(i.id));
    if (items.length !== wanted.size) throw new UnrecoverableError(`the job file ${payload.jobFile} no longer has every item of queue job ${bull.id} (was it edited after enqueueing? enqueue it again)`);
    const hashes = await jobItemHashes(job, options.fingerprint);
    const processItem = await options.processItemFor(job, payload);
    const inputPaths = jobInputPaths(job);
    await fs.promises.mkdir(job.output, { recursive: true });
    const root = pinOutputRoot(job.output, job.outputReal); // every write checked against the resolved output folder
    const shared: SharedValues = new Map();
    const entries: Record<string, ManifestEntry> = {};
    const signal = new AbortController().signal; // a worker finishes its items; close() waits
    for (const item of items) {
      const hash = hashes.get(item.id) ?? '';
      const expected = wanted.get(item.id) ?? '';
      notify({ type: 'item-started', jobId: String(bull.id), id: item.id, attempt });
      let entry: ManifestEntry;
      if (hash !== expected && hash !== '' && expected !== '') {
        entry = mismatch(item, hash);
      } else {
        const r = await runItem(item, { outputDir: job.output, root, inputPaths, signal, shared, processItem, hash, inputError: hash === '' ? new Error(`cannot read ${item.input.path}`) : undefined });
        entry = r.entry ?? mismatch(item, hash);
      }
      entries[item.id] = entry.status === 'done' ? { ...entry, report: { ...entry.report, notes: { ...entry.report?.notes, worker: id, attempt } } } : entry;
      await bull.updateProgress({ worker: id, attempt, entries });
      notify({ type: 'item-finished', jobId: String(bull.id), id: item.id, entry });
    }
    const failed = Object.entries(entries).filter((e): e is [string, Extract<ManifestEntry, { status: 'failed' }>] => e[1].status === 'failed');
    if (failed.length > 0) {
      const message = failed.map(([itemId, e]) => `${itemId}: ${e.error.message}`).join('\n');
      notify({ type: 'job-failed', jobId: String(bull.id), message, attempt });
      // invariant: BullMQ marks a job failed (and retries it) only when the processor throws; the items' own errors are in `entries`
      throw new Error(message);
    }
    return { worker: id, attempt, entries };
  };
  const worker = new Worker(options.name, processor, {
    connection: options.connection,
    concurrency: Math.max(1, Math.floor(options.concurrency)),
    lockDuration,
    stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
    maxStalledCount: 3,
  });
  worker.on('error', () => undefined); // connection errors are retried; failures are recorded per job
  return { id, close: () => worker.close() };
}

function mismatch<O>(item: BatchItem<O>, hash: string): ManifestEntry {
  const now = new Date().toISOString();
  return {
    status: 'failed',
    hash,
    input: item.input.relativePath,
    edit: item.edit.name,
    outputs: [],
    error: { message: `${item.id} changed since it was enqueued (input, prompts, options or reprise version); enqueue the job again`, code: 'CONFIG_INVALID' },
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
  };
}
