/**
 * `reprise worker --queue URL`: takes queued batch items (see `reprise batch --queue`) and runs them
 * with the same Pipeline code as a local `reprise batch`, each model loaded once per process.
 * SIGTERM (or Ctrl-C) finishes the running items and exits 0; a second one exits at once.
 */
import { makeProcessItem, loadBatchJob, type BatchEditOptions } from '../editing/batch-pipeline.js';
import { checkQueueName, DEFAULT_QUEUE_NAME, parseQueueUrl, queueConnection } from '../editing/batch/queue/connection.js';
import { queueFingerprint, type QueuePayload } from '../editing/batch/queue/payload.js';
import { startQueueWorker } from '../editing/batch/queue/worker.js';
import type { Pipeline } from '../editing/pipeline.js';
import { RepriseError } from '../errors.js';
import { intFlag, loadPipeline, MODEL_FLAGS, MODEL_FLAGS_HELP, modelFlags, parseFlags } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT, UsageError } from './errors.js';
import { REPRISE_VERSION } from './version.js';

export const WORKER_HELP = `Usage: reprise worker --queue redis://HOST:PORT[/DB] [--name NAME] [--concurrency N]
                     [--model <folder>] [--device cpu|cuda|cuda:N] [--dtype fp32|fp16] [--lock-ms N] [--json]

Processes the items that \`reprise batch <job> --queue\` put on the queue, until stopped. Each queue
job is one input with its edits; its outputs go to the job's output folder (atomic writes, the
same bytes a local run writes). Run one worker per GPU: \`reprise worker --device cuda:1 ...\`
(or CUDA_VISIBLE_DEVICES=1 reprise worker --device cuda ...). The job folder and the output folder must be mounted at the same path on every
worker machine.

At least once: a worker that dies leaves its queue job to be taken by another one once its lock
expires (--lock-ms); a queue job whose items fail is retried, then kept in the failed set with its
errors. SIGTERM or Ctrl-C finishes the running queue jobs and exits 0; a second one exits at once.

Options:
  --queue <url>          Redis URL
  --name <name>          queue name (default ${DEFAULT_QUEUE_NAME})
  --concurrency <n>      queue jobs (inputs) run at once, 1–64 (default 1)
${MODEL_FLAGS_HELP}
                         (default: each job's own model)
  --lock-ms <n>          lock of a running queue job; redelivered this long after a worker dies
                         (default 30000)
  --json                 events as JSON lines on stdout
  -h, --help             show this help`;

/** Runs `worker` with argv (without the command name); returns the exit code once stopped. */
export function workerCommand(argv: readonly string[]): Promise<number> {
  return runCommand('worker', argv, async () => {
    const { values, positionals } = parseFlags(
      argv,
      { ...MODEL_FLAGS, queue: { type: 'string' }, name: { type: 'string' }, concurrency: { type: 'string' }, 'lock-ms': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      WORKER_HELP,
    );
    if (values.help) {
      process.stdout.write(`${WORKER_HELP}\n`);
      return EXIT.ok;
    }
    if (positionals.length > 0) throw new UsageError(`worker takes no file (got ${positionals.join(' ')})`, WORKER_HELP);
    if (values.queue === undefined) throw new UsageError('missing --queue redis://HOST:PORT[/DB]', WORKER_HELP);
    const connection = queueConnection(parseQueueUrl(values.queue));
    const name = checkQueueName(values.name ?? DEFAULT_QUEUE_NAME);
    const concurrency = intFlag(values.concurrency, 'concurrency', 1, 64, WORKER_HELP) ?? 1;
    const lockDurationMs = intFlag(values['lock-ms'], 'lock-ms', 200, 3_600_000, WORKER_HELP);
    const fixed = values.model !== undefined ? modelFlags(values, WORKER_HELP) : undefined;
    const json = values.json === true;
    const log = (event: Record<string, unknown>, text: string): void => {
      if (json) printJson(event);
      else process.stderr.write(`${text}\n`);
    };
    const pipes = new Map<string, Promise<Pipeline>>();
    const pipeFor = (folder: string): Promise<Pipeline> => {
      let p = pipes.get(folder);
      if (p === undefined) {
        p = loadPipeline(fixed ?? modelFlags({ ...values, model: folder }, WORKER_HELP));
        p.catch(() => pipes.delete(folder));
        pipes.set(folder, p);
      }
      return p;
    };
    if (fixed !== undefined) await pipeFor(fixed.folder); // loaded once, before taking jobs
    const worker = startQueueWorker<BatchEditOptions>({
      connection,
      name,
      concurrency,
      lockDurationMs,
      fingerprint: queueFingerprint(REPRISE_VERSION),
      loadJob: (p: QueuePayload) => loadBatchJob(p.jobFile, { output: p.output, ...(p.model !== undefined ? { model: p.model } : {}) }),
      processItemFor: async (job) => {
        const folder = fixed?.folder ?? job.model;
        if (folder === undefined) throw new RepriseError('MODEL_FOLDER', `the job ${job.file ?? ''} names no model and this worker has no --model`, { hint: 'Start the worker with --model <folder>.' });
        return makeProcessItem({ pipe: await pipeFor(folder), version: REPRISE_VERSION });
      },
      onEvent: (e) => {
        if (e.type === 'item-started') log({ event: e.type, worker: worker.id, job: e.jobId, id: e.id, attempt: e.attempt }, `${e.id}: started (attempt ${e.attempt})`);
        else if (e.type === 'item-finished') log({ event: e.type, worker: worker.id, job: e.jobId, id: e.id, status: e.entry.status, durationMs: e.entry.durationMs, ...(e.entry.status === 'failed' ? { error: e.entry.error } : {}) }, `${e.id}: ${e.entry.status}${e.entry.status === 'failed' ? ` — ${e.entry.error.message.split('\n')[0]}` : ''}`);
        else log({ event: e.type, worker: worker.id, job: e.jobId, attempt: e.attempt, message: e.message }, `queue job ${e.jobId} failed (attempt ${e.attempt})`);
      },
    });
    log({ event: 'ready', worker: worker.id, queue: name, concurrency }, `worker ${worker.id} on "${name}" (concurrency ${concurrency}); SIGTERM or Ctrl-C stops after the running items`);
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) process.exit(EXIT.interrupted);
        stopping = true;
        log({ event: 'stopping', worker: worker.id, signal }, `${signal}: finishing the running items…`);
        resolve();
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
    await worker.close();
    log({ event: 'stopped', worker: worker.id }, 'stopped');
    return EXIT.ok;
  });
}
