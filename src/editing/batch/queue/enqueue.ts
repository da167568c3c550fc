/**
 * Enqueueing a batch: adds the planned queue jobs that are not on the queue yet, retries those
 * that ended in the failed set, and leaves the others (waiting, running, done) alone, so running
 * the same command again does only what is missing.
 */
import type { Queue } from 'bullmq';
import type { PlannedQueueJob, QueuePayload } from './payload.js';

/** How often a queue job runs before it goes to the failed set, and the pause between tries. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
}

/** Default {@link RetryPolicy}: three tries, two seconds apart. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, backoffMs: 2000 };

/** What {@link enqueueBatch} did. */
export interface EnqueueResult {
  /** Ids of the queue jobs added now. */
  readonly added: readonly string[];
  /** Ids of failed queue jobs sent back to the waiting list. */
  readonly retried: readonly string[];
  /** Ids already on the queue (waiting, running or completed): left as they are. */
  readonly existing: readonly string[];
}

/** Adds what is missing of `planned` to `queue` (see the module comment). */
export async function enqueueBatch(queue: Queue<QueuePayload>, planned: readonly PlannedQueueJob[], retry: RetryPolicy = DEFAULT_RETRY): Promise<EnqueueResult> {
  const added: string[] = [];
  const retried: string[] = [];
  const existing: string[] = [];
  const toAdd: PlannedQueueJob[] = [];
  for (const p of planned) {
    const state = await queue.getJobState(p.id);
    if (state === 'unknown') {
      toAdd.push(p);
    } else if (state === 'failed') {
      const job = await queue.getJob(p.id);
      await job?.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      retried.push(p.id);
    } else {
      existing.push(p.id);
    }
  }
  if (toAdd.length > 0) {
    await queue.addBulk(
      toAdd.map((p) => ({
        name: 'item',
        data: p.payload,
        opts: { jobId: p.id, attempts: retry.attempts, backoff: { type: 'fixed', delay: retry.backoffMs }, removeOnComplete: false, removeOnFail: false },
      })),
    );
    added.push(...toAdd.map((p) => p.id));
  }
  return { added, retried, existing };
}
