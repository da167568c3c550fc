/** The table of `reprise bench batch`. */
import { z } from 'zod';
import { QUEUE_FLAG } from './batch-queue.js';
import { defineCommand } from './define.js';

/** Defaults of the generated job. */
export const BENCH_BATCH_DEFAULTS = { workers: '1,2,4', inputs: 6, edits: 2, steps: 4, size: 64 } as const;

export const BENCH_BATCH_TABLE = defineCommand({
  name: 'bench batch',
  summary: 'items per minute of a batch job: local runner vs 1, 2, 4… queue workers',
  listed: false,
  positionals: [],
  description: `One generated job (N inputs × N edits, the bundled model) run by the local runner in this
process, then through the queue by 1, 2, 4... \`reprise worker\` processes on this machine (spawned,
model loaded before timing starts). Prints JSON lines: items/minute of each, the speed-up over one
worker and the queue's overhead per item (queue with one worker minus local, per item). The local
runner is timed after one warm-up item; each worker's first item includes its session start-up,
so the overhead is an upper bound. The Redis database is only used under fresh queue names,
removed afterwards.`,
  flags: [
    QUEUE_FLAG,
    { name: 'workers', type: 'string', value: '<list>', default: BENCH_BATCH_DEFAULTS.workers, help: 'worker counts to time, comma-separated (each 1–64)' },
    { name: 'inputs', type: 'number', schema: z.number().int().min(1).max(1000), default: String(BENCH_BATCH_DEFAULTS.inputs), help: 'input pictures of the job' },
    { name: 'edits', type: 'number', schema: z.number().int().min(1).max(20), default: String(BENCH_BATCH_DEFAULTS.edits), help: 'edits of the job' },
    { name: 'steps', type: 'number', schema: z.number().int().min(1).max(1000), default: String(BENCH_BATCH_DEFAULTS.steps), help: 'steps of each inversion and edit' },
    { name: 'size', type: 'number', schema: z.number().int().min(16).max(1024), default: `${BENCH_BATCH_DEFAULTS.size} px`, help: 'side of the input pictures' },
    { name: 'model', type: 'string', value: '<folder>', default: 'the bundled model', help: 'model folder' },
    { name: 'device', type: 'string', value: 'cpu|cuda|cuda:N', default: 'cpu', help: 'execution device' },
  ],
  examples: ['bench batch --queue redis://127.0.0.1:6379', 'bench batch --queue redis://127.0.0.1:6379 --workers 1,2 --inputs 4 --steps 2'],
});

/** The schema of one `--workers` count. */
export const WORKER_COUNT = z.number().int().min(1).max(64);
