/**
 * What goes on the queue: one queue job per input (its inversion is computed once and edited by
 * every edit of the job), naming the job file and the items by id and content hash. The queue job
 * id is derived from those hashes, so enqueueing the same job again adds only what is missing.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { z } from 'zod';
import { fileDigest, itemHash } from '../hash.js';
import type { BatchItem, BatchJob } from '../job-file.js';

/** One queue job's data (validated with {@link queuePayloadSchema} by the worker: it comes from Redis). */
export const queuePayloadSchema = z.strictObject({
  v: z.literal(1),
  /** Absolute path of the job file (the same on every machine: a shared mount). */
  jobFile: z.string().min(1),
  /** Absolute output folder (overrides the job's `output`). */
  output: z.string().min(1),
  /** Absolute model folder of the job (a worker's `--model` overrides it). */
  model: z.string().min(1).optional(),
  /** The input's key (`BatchInput.key`) and path relative to the job folder. */
  input: z.string().min(1),
  inputPath: z.string(),
  /** The input's items: id and content hash (`''`: the input could not be read when enqueued). */
  items: z.array(z.strictObject({ id: z.string().min(1), hash: z.string() })).min(1),
});

/** Parsed {@link queuePayloadSchema}. */
export type QueuePayload = z.output<typeof queuePayloadSchema>;

/** A queue job to add: its id and data. */
export interface PlannedQueueJob {
  readonly id: string;
  readonly payload: QueuePayload;
}

/** The fingerprint of queue items (a different reprise version redoes everything). */
export function queueFingerprint(version: string): unknown {
  return { reprise: version, queue: 1 };
}

/** Content hash of every item (`''` where the input cannot be read), as the manifest keys them. */
export async function jobItemHashes<O>(job: BatchJob<O>, fingerprint: unknown): Promise<Map<string, string>> {
  const model = job.model === undefined ? undefined : path.relative(job.dir, job.model).split(path.sep).join('/');
  const digests = new Map<string, string | undefined>();
  for (const input of job.inputs) digests.set(input.path, await fileDigest(input.path).catch(() => undefined));
  const out = new Map<string, string>();
  for (const item of job.items) {
    const digest = digests.get(item.input.path);
    out.set(item.id, digest === undefined ? '' : itemHash(item, { inputDigest: digest, model, fingerprint }));
  }
  return out;
}

/** The queue job id of an input's items: SHA-256 over the output folder and the items' ids and hashes. */
export function queueJobId(output: string, items: readonly { readonly id: string; readonly hash: string }[]): string {
  const h = createHash('sha256').update(JSON.stringify({ output, items: items.map((i) => [i.id, i.hash === '' ? 'unreadable' : i.hash]) }));
  return `r${h.digest('hex').slice(0, 40)}`;
}

/** One queue job per input of `job`, in job order. */
export function planQueueJobs<O>(job: BatchJob<O>, jobFile: string, hashes: ReadonlyMap<string, string>): PlannedQueueJob[] {
  const byInput = new Map<string, BatchItem<O>[]>();
  for (const item of job.items) {
    const list = byInput.get(item.input.key);
    if (list === undefined) byInput.set(item.input.key, [item]);
    else list.push(item);
  }
  const out: PlannedQueueJob[] = [];
  for (const input of job.inputs) {
    const items = (byInput.get(input.key) ?? []).map((item) => ({ id: item.id, hash: hashes.get(item.id) ?? '' }));
    if (items.length === 0) continue;
    const payload: QueuePayload = {
      v: 1,
      jobFile: path.resolve(jobFile),
      output: path.resolve(job.output),
      ...(job.model !== undefined ? { model: path.resolve(job.model) } : {}),
      input: input.key,
      inputPath: input.relativePath,
      items,
    };
    out.push({ id: queueJobId(payload.output, items), payload });
  }
  return out;
}
