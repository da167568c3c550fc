/** The table of `reprise worker`. */
import { z } from 'zod';
import { DEFAULT_QUEUE_NAME } from '../../editing/batch/queue/connection.js';
import { QUEUE_FLAG } from './batch-queue.js';
import { jsonFlag, MODEL_FLAG, RUNTIME_FLAGS } from './common.js';
import { defineCommand } from './define.js';

/** Queue jobs a worker runs at once, without --concurrency. */
export const WORKER_CONCURRENCY = 1;

export const WORKER_TABLE = defineCommand({
  name: 'worker',
  summary: 'process queued batch items (BullMQ on Redis), one per GPU or machine',
  listing: 'worker --queue <url>',
  positionals: [],
  description: `Processes the items that \`reprise batch <job> --queue\` put on the queue, until stopped. Each queue
job is one input with its edits; its outputs go to the job's output folder (atomic writes, the
same bytes a local run writes). Run one worker per GPU: \`reprise worker --device cuda:1 ...\`
(or CUDA_VISIBLE_DEVICES=1 reprise worker --device cuda ...). The job folder and the output folder must be mounted at the same path on every
worker machine.

At least once: a worker that dies leaves its queue job to be taken by another one once its lock
expires (--lock-ms); a queue job whose items fail is retried, then kept in the failed set with its
errors. SIGTERM or Ctrl-C finishes the running queue jobs and exits 0; a second one exits at once.`,
  flags: [
    QUEUE_FLAG,
    { name: 'name', type: 'string', value: '<name>', default: DEFAULT_QUEUE_NAME, help: 'queue name' },
    { name: 'concurrency', type: 'number', schema: z.number().int().min(1).max(64), default: String(WORKER_CONCURRENCY), help: 'queue jobs (inputs) run at once' },
    { ...MODEL_FLAG, required: false, default: "each job's own model" },
    ...RUNTIME_FLAGS,
    { name: 'lock-ms', type: 'number', schema: z.number().int().min(200).max(3_600_000), default: '30000', help: 'lock of a running queue job; redelivered this long after a worker dies' },
    jsonFlag('events as JSON lines on stdout'),
  ],
  examples: ['worker --queue redis://127.0.0.1:6379 --device cuda:0', 'worker --queue redis://10.0.0.5:6379/1 --name nightly --model models/sd15 --json'],
});
