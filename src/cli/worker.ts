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
import { loadPipeline, modelFlags } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT, UsageError } from './errors.js';
import { helpText } from './options/help.js';
import { parseCommand } from './options/parse.js';
import { WORKER_CONCURRENCY, WORKER_TABLE } from './options/worker.js';
import { REPRISE_VERSION } from './version.js';

/** The help text of `reprise worker` (from its table). */
export const WORKER_HELP = helpText(WORKER_TABLE);

/** Runs `worker` with argv (without the command name); returns the exit code once stopped. */
export function workerCommand(argv: readonly string[]): Promise<number> {
  return runCommand('worker', argv, async () => {
    const parsed = parseCommand(WORKER_TABLE, argv);
    const { values, positionals } = parsed;
    if (parsed.help) {
      process.stdout.write(`${WORKER_HELP}\n`);
      return EXIT.ok;
    }
    if (positionals.length > 0) throw new UsageError(`worker takes no file (got ${positionals.join(' ')})`, WORKER_HELP);
    if (values.queue === undefined) throw new UsageError('missing --queue redis://HOST:PORT[/DB]', WORKER_HELP);
    const connection = queueConnection(parseQueueUrl(values.queue));
    const name = checkQueueName(values.name ?? DEFAULT_QUEUE_NAME);
    const concurrency = values.concurrency ?? WORKER_CONCURRENCY;
    const lockDurationMs = values['lock-ms'];
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
