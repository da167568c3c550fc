/** The table of `reprise batch --queue` and `reprise batch status|report --queue`. */
import { z } from 'zod';
import { DEFAULT_QUEUE_NAME } from '../../editing/batch/queue/connection.js';
import { DEFAULT_RETRY } from '../../editing/batch/queue/enqueue.js';
import { jsonFlag } from './common.js';
import { defineCommand } from './define.js';

/** How often the queue is read while following (ms), without --poll-ms. */
export const POLL_MS = 500;

/** `--queue`, as the queue commands take it. */
export const QUEUE_FLAG = { name: 'queue', type: 'string', value: '<url>', required: true, help: 'Redis URL (redis://HOST:PORT[/DB])' } as const;

export const BATCH_QUEUE_TABLE = defineCommand({
  name: 'batch --queue',
  summary: 'put a job on a BullMQ queue for `reprise worker`, follow it; read a queued batch back',
  listed: false,
  usage: [
    'batch <job.yaml|job.json> --queue redis://HOST:PORT[/DB] [--name NAME] [--output DIR] [--model <folder>] [--attempts N] [--detach] [--json]',
    'batch status --queue URL [--name NAME] [--json]',
    'batch report --queue URL [--name NAME] [--json]',
  ],
  positionals: [
    { name: '<job.yaml|job.json>', help: 'the job file to enqueue' },
    { name: 'status', help: 'print the counts of every batch on the queue and write their report.html' },
    { name: 'report', help: "write every batch's manifest and report.html (per item: outputs, timings, worker, attempts, errors) and print their paths" },
  ],
  description: `Puts a job's items on a BullMQ queue in Redis, for \`reprise worker\` processes on any number of
machines: one queue job per input with all its edits (the input is inverted once). Queue job ids
come from the items' content hashes: running the same command again adds only what is missing
(failed ones are retried; done ones are not redone). Then it follows the queue (a progress bar, or
--json lines) until every item is done or failed, and writes <output>/report.html; --detach
returns right after enqueueing (Ctrl-C while following detaches too: the workers go on).

Workers read the job file, the inputs and write the outputs at the same absolute paths: put the
job folder and the output folder on a filesystem every worker mounts at the same path.`,
  flags: [
    QUEUE_FLAG,
    { name: 'name', type: 'string', value: '<name>', default: DEFAULT_QUEUE_NAME, help: 'queue name; workers take --name too' },
    { name: 'output', type: 'string', value: '<dir>', help: "output folder (overrides the job's output)" },
    { name: 'model', short: 'm', type: 'string', value: '<folder>', help: "model folder (overrides the job's; a worker's --model overrides both)" },
    { name: 'attempts', type: 'number', schema: z.number().int().min(1).max(20), default: String(DEFAULT_RETRY.attempts), help: 'tries of a queue job before it goes to the failed set' },
    { name: 'backoff-ms', type: 'number', schema: z.number().int().min(0).max(3_600_000), default: String(DEFAULT_RETRY.backoffMs), help: 'wait between the tries of a queue job, in ms' },
    { name: 'poll-ms', type: 'number', schema: z.number().int().min(50).max(60_000), default: String(POLL_MS), help: 'how often the queue is read while following, in ms' },
    { name: 'detach', type: 'boolean', help: 'enqueue and return' },
    jsonFlag('progress as JSON lines on stdout, the summary last'),
  ],
  examples: ['batch job.yaml --queue redis://127.0.0.1:6379 --detach', 'batch status --queue redis://127.0.0.1:6379 --json'],
  epilog: `Exit codes: 0 every item done (or enqueued with --detach), 1 some item failed, 2 bad flags or
job file, 3 internal error (e.g. Redis unreachable), 130 detached by Ctrl-C.`,
});
