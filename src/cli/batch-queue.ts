/**
 * `reprise batch <job> --queue URL`: enqueues a job's items on BullMQ (one queue job per input with
 * its edits) and follows them until done; `reprise batch status|report --queue URL` reads a queued
 * batch back and writes its manifest and report.html. The work itself is done by `reprise worker`.
 */
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { checkQueueName, DEFAULT_QUEUE_NAME, parseQueueUrl, queueConnection } from '../editing/batch/queue/connection.js';
import { DEFAULT_RETRY, enqueueBatch } from '../editing/batch/queue/enqueue.js';
import { jobItemHashes, planQueueJobs, queueFingerprint, type QueuePayload } from '../editing/batch/queue/payload.js';
import { batchesOf, queueCounts, queueJobs, writeQueueReport, type QueueJobStatus } from '../editing/batch/queue/status.js';
import { loadBatchJob } from '../editing/batch-pipeline.js';
import { onePositional } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT, UsageError } from './errors.js';
import { BATCH_QUEUE_TABLE, POLL_MS } from './options/batch-queue.js';
import { helpText } from './options/help.js';
import { parseCommand } from './options/parse.js';
import { ProgressBar } from './progress.js';
import { REPRISE_VERSION } from './version.js';

/** The help text of `reprise batch --queue` (from its table). */
export const BATCH_QUEUE_HELP = helpText(BATCH_QUEUE_TABLE);

/** Whether `reprise batch` argv is a queue command (handled here rather than by the local runner). */
export function isQueueBatch(argv: readonly string[]): boolean {
  return argv[0] === 'status' || argv[0] === 'report' || argv.some((a) => a === '--queue' || a.startsWith('--queue='));
}

function loadPayloadJob(p: QueuePayload): ReturnType<typeof loadBatchJob> {
  return loadBatchJob(p.jobFile, { output: p.output, ...(p.model !== undefined ? { model: p.model } : {}) });
}

/** Runs `batch ... --queue` / `batch status|report`; returns the exit code. */
export function batchQueueCommand(argv: readonly string[]): Promise<number> {
  return runCommand('batch', argv, async () => {
    const parsed = parseCommand(BATCH_QUEUE_TABLE, argv);
    const { values, positionals } = parsed;
    if (parsed.help) {
      process.stdout.write(`${BATCH_QUEUE_HELP}\n`);
      return EXIT.ok;
    }
    if (values.queue === undefined) throw new UsageError('missing --queue redis://HOST:PORT[/DB]', BATCH_QUEUE_HELP);
    const connection = queueConnection(parseQueueUrl(values.queue));
    const name = checkQueueName(values.name ?? DEFAULT_QUEUE_NAME);
    const json = values.json === true;
    const pollMs = values['poll-ms'] ?? POLL_MS;
    const sub = positionals[0];
    if (sub === 'status' || sub === 'report') {
      if (positionals.length > 1) throw new UsageError(`batch ${sub} takes no file`, BATCH_QUEUE_HELP);
      const queue = new Queue(name, { connection });
      try {
        return await statusOrReport(queue, json);
      } finally {
        await queue.close();
      }
    }
    const file = onePositional(positionals, '<job.yaml|job.json>', BATCH_QUEUE_HELP);
    const attempts = values.attempts ?? DEFAULT_RETRY.attempts;
    const backoffMs = values['backoff-ms'] ?? DEFAULT_RETRY.backoffMs;
    const job = loadBatchJob(file, { ...(values.output !== undefined ? { output: values.output } : {}), ...(values.model !== undefined ? { model: values.model } : {}) });
    const hashes = await jobItemHashes(job, queueFingerprint(REPRISE_VERSION));
    const planned = planQueueJobs(job, file, hashes);
    const queue = new Queue<QueuePayload>(name, { connection });
    try {
      const r = await enqueueBatch(queue, planned, { attempts, backoffMs });
      const enqueued = { event: 'enqueued', queue: name, jobs: planned.length, items: job.items.length, added: r.added.length, retried: r.retried.length, existing: r.existing.length };
      if (json) printJson(enqueued);
      else process.stderr.write(`${job.items.length} items in ${planned.length} queue jobs on "${name}": ${r.added.length} added, ${r.retried.length} retried, ${r.existing.length} already queued or done\n`);
      if (values.detach === true) return EXIT.ok;
      return await follow(queue, job, planned.map((p) => p.id), { json, pollMs });
    } finally {
      await queue.close();
    }
  });
}

async function follow(queue: Queue, job: ReturnType<typeof loadBatchJob>, ids: readonly string[], o: { json: boolean; pollMs: number }): Promise<number> {
  const bar = new ProgressBar({ silent: o.json });
  let detached = false;
  const onSigint = (): void => {
    detached = true;
  };
  process.once('SIGINT', onSigint);
  let last = '';
  let jobs: QueueJobStatus[] = [];
  try {
    for (;;) {
      jobs = await queueJobs(queue, ids);
      const c = queueCounts(jobs);
      const key = JSON.stringify(c);
      if (key !== last) {
        last = key;
        if (o.json) printJson({ event: 'progress', ...c.items, jobs: c.jobs });
        else bar.update('items', c.items.done + c.items.failed, c.items.total, `${c.jobs.active} running, ${c.items.failed} failed`);
      }
      if (c.jobs.completed + c.jobs.failed === ids.length) break;
      if (detached) {
        bar.done();
        if (o.json) printJson({ event: 'detached', ...c.items });
        else process.stdout.write(`Detached: the workers go on. See progress with: reprise batch status --queue … --name ${queue.name}\n`);
        return EXIT.interrupted;
      }
      await new Promise((r) => setTimeout(r, o.pollMs));
    }
  } finally {
    process.off('SIGINT', onSigint);
    bar.done();
  }
  const { reportPath } = await writeQueueReport(job, jobs);
  const c = queueCounts(jobs);
  const code = c.items.failed > 0 ? EXIT.failed : EXIT.ok;
  const failed = jobs.filter((j) => j.state === 'failed');
  if (o.json) {
    printJson({ event: 'summary', ok: code === EXIT.ok, exitCode: code, ...c.items, report: reportPath, failures: failed.map((j) => ({ id: j.id, input: j.payload.inputPath, attempts: j.attempts, error: j.failedReason ?? null })) });
  } else {
    const lines = [`${c.items.total} items: ${c.items.done} done, ${c.items.failed} failed`];
    for (const j of failed) lines.push(`  FAILED ${j.payload.inputPath} after ${j.attempts} attempts: ${(j.failedReason ?? '').split('\n')[0]}`);
    lines.push(`Report: ${path.relative('.', reportPath) || reportPath}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return code;
}

async function statusOrReport(queue: Queue, json: boolean): Promise<number> {
  const jobs = await queueJobs(queue);
  const out: Record<string, unknown>[] = [];
  for (const batch of batchesOf(jobs).values()) {
    const first = batch[0] as QueueJobStatus;
    const c = queueCounts(batch);
    const { reportPath } = await writeQueueReport(loadPayloadJob(first.payload), batch);
    out.push({ jobFile: first.payload.jobFile, output: first.payload.output, ...c.items, jobs: c.jobs, report: reportPath });
  }
  if (json) printJson({ ok: true, queue: queue.name, batches: out });
  else if (out.length === 0) process.stdout.write(`Queue "${queue.name}" holds no batch.\n`);
  else for (const b of out) process.stdout.write(`${String(b.jobFile)} → ${String(b.output)}: ${String(b.done)} done, ${String(b.failed)} failed, ${String(b.pending)} pending of ${String(b.total)}\n  Report: ${String(b.report)}\n`);
  return out.some((b) => (b.failed as number) > 0) ? EXIT.failed : EXIT.ok;
}
