/**
 * The state of a queued batch, read back from BullMQ: every queue job with its state, attempts and
 * per-item entries, and the local runner's manifest and report.html built from them.
 */
import * as fs from 'node:fs';
import type { Job, Queue } from 'bullmq';
import type { BatchJob } from '../job-file.js';
import { BatchManifest, type ManifestEntry } from '../manifest.js';
import { pinOutputRoot } from '../paths.js';
import { writeBatchReport, type ReportOutcome } from '../report.js';
import { queuePayloadSchema, type QueuePayload } from './payload.js';
import type { QueueJobResult } from './worker.js';

/** Where a queue job is. */
export type QueueJobState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';

/** One queue job as read back. */
export interface QueueJobStatus {
  readonly id: string;
  readonly state: QueueJobState;
  readonly payload: QueuePayload;
  /** Tries started so far. */
  readonly attempts: number;
  /** The last failure, when there was one. */
  readonly failedReason: string | undefined;
  /** Entries of the items (complete when `completed`; those so far otherwise). */
  readonly entries: Readonly<Record<string, ManifestEntry>>;
}

const STATES: readonly QueueJobState[] = ['waiting', 'active', 'delayed', 'completed', 'failed'];

function entriesOf(value: unknown): Record<string, ManifestEntry> {
  if (typeof value !== 'object' || value === null) return {};
  const e = (value as Partial<QueueJobResult>).entries;
  return typeof e === 'object' && e !== null ? (e as Record<string, ManifestEntry>) : {};
}

/** Every queue job of queue `queue` (of any batch), `ids` limiting it when given. */
export async function queueJobs(queue: Queue, ids?: readonly string[]): Promise<QueueJobStatus[]> {
  const jobs: { job: Job; state: QueueJobState }[] = [];
  if (ids !== undefined) {
    for (const id of ids) {
      const job = await queue.getJob(id);
      if (job === undefined) continue;
      const state = await job.getState();
      jobs.push({ job, state: (STATES as readonly string[]).includes(state) ? (state as QueueJobState) : 'waiting' });
    }
  } else {
    for (const state of STATES) for (const job of await queue.getJobs([state === 'waiting' ? 'wait' : state])) jobs.push({ job, state });
  }
  const out: QueueJobStatus[] = [];
  for (const { job, state } of jobs) {
    const parsed = queuePayloadSchema.safeParse(job.data);
    if (!parsed.success || job.id === undefined) continue; // not ours
    out.push({
      id: job.id,
      state,
      payload: parsed.data,
      attempts: job.attemptsStarted ?? job.attemptsMade,
      failedReason: job.failedReason || undefined,
      entries: state === 'completed' ? entriesOf(job.returnvalue) : entriesOf(job.progress),
    });
  }
  return out;
}

/** Counts of queue jobs and of their items. */
export interface QueueCounts {
  readonly jobs: Readonly<Record<QueueJobState, number>>;
  readonly items: { readonly done: number; readonly failed: number; readonly pending: number; readonly total: number };
}

/** Counts of `jobs`. An item of a failed queue job without an entry counts as failed. */
export function queueCounts(jobs: readonly QueueJobStatus[]): QueueCounts {
  const byState: Record<QueueJobState, number> = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
  let done = 0;
  let failed = 0;
  let total = 0;
  for (const j of jobs) {
    byState[j.state]++;
    for (const item of j.payload.items) {
      total++;
      const e = j.entries[item.id];
      if (j.state === 'completed' && e?.status === 'done') done++;
      else if (j.state === 'failed') failed++;
    }
  }
  return { jobs: byState, items: { done, failed, pending: total - done - failed, total } };
}

/** The batches (job file + output folder) of a list of queue jobs. */
export function batchesOf(jobs: readonly QueueJobStatus[]): Map<string, QueueJobStatus[]> {
  const out = new Map<string, QueueJobStatus[]>();
  for (const j of jobs) {
    const key = JSON.stringify([j.payload.jobFile, j.payload.output]);
    const list = out.get(key);
    if (list === undefined) out.set(key, [j]);
    else list.push(j);
  }
  return out;
}

/**
 * Writes the manifest and report.html of one batch from its queue jobs: completed items as done,
 * the items of failed queue jobs with their errors (and attempts), the rest as not run yet.
 */
export async function writeQueueReport<O>(job: BatchJob<O>, jobs: readonly QueueJobStatus[]): Promise<{ reportPath: string; manifestPath: string }> {
  await fs.promises.mkdir(job.output, { recursive: true });
  const root = pinOutputRoot(job.output, job.outputReal);
  const manifest = BatchManifest.load(root);
  const outcomes: ReportOutcome[] = [];
  const seen = new Set<string>();
  for (const j of jobs) {
    for (const { id } of j.payload.items) {
      if (seen.has(id)) continue;
      const e = j.entries[id];
      if (j.state === 'completed' && e?.status === 'done') {
        await manifest.set(id, e);
        outcomes.push({ status: 'done', item: { id } });
        seen.add(id);
      } else if (j.state === 'failed') {
        const error = e?.status === 'failed' ? e.error : { message: `${j.failedReason ?? 'failed'}`, code: undefined };
        const attempts = `after ${j.attempts} attempt${j.attempts === 1 ? '' : 's'}`;
        const entry: ManifestEntry =
          e?.status === 'failed'
            ? { ...e, error: { ...error, message: `${error.message} (${attempts})` } }
            : { status: 'failed', hash: '', input: j.payload.inputPath, edit: id.slice(id.lastIndexOf('/') + 1), outputs: e?.outputs ?? [], error: { ...error, message: `${error.message} (${attempts})` }, startedAt: '', finishedAt: '', durationMs: 0 };
        if (e?.status !== 'done') {
          await manifest.set(id, entry);
          outcomes.push({ status: 'failed', item: { id }, error: entry.status === 'failed' ? entry.error : error });
          seen.add(id);
        } else {
          await manifest.set(id, e);
          outcomes.push({ status: 'done', item: { id } });
          seen.add(id);
        }
      }
    }
  }
  await manifest.flush();
  const reportPath = await writeBatchReport(job, manifest, outcomes, root);
  return { reportPath, manifestPath: manifest.path };
}
