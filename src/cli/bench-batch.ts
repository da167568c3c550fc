/**
 * `reprise bench batch --queue URL`: items per minute of one batch job through the local runner and
 * through the queue with 1, 2, 4... worker processes, in the same run, on the same machine (CPU by
 * default, the bundled model). Prints one JSON object per line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { loadBatchJob, makeProcessItem } from '../editing/batch-pipeline.js';
import { runBatch } from '../editing/batch/runner.js';
import { parseQueueUrl, queueConnection } from '../editing/batch/queue/connection.js';
import { enqueueBatch } from '../editing/batch/queue/enqueue.js';
import { jobItemHashes, planQueueJobs, queueFingerprint, type QueuePayload } from '../editing/batch/queue/payload.js';
import { queueCounts, queueJobs } from '../editing/batch/queue/status.js';
import { writeImage } from '../io/image/index.js';
import { bundledModelDir } from '../models/bundled-model.js';
import { loadPipeline, modelFlags } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT, UsageError } from './errors.js';
import { BENCH_BATCH_DEFAULTS, BENCH_BATCH_TABLE, WORKER_COUNT } from './options/bench-batch.js';
import { helpText } from './options/help.js';
import { parseCommand } from './options/parse.js';
import { numberFacts, rangeWords } from './options/schema-facts.js';
import { REPRISE_VERSION } from './version.js';
import { RepriseError } from '../errors.js';

/** The help text of `reprise bench batch` (from its table). */
export const BENCH_BATCH_HELP = helpText(BENCH_BATCH_TABLE);

const countFacts = numberFacts(WORKER_COUNT);
const WORKER_COUNT_WORDS = countFacts ? rangeWords(countFacts) : 'a whole number';

function picture(size: number, seed: number): { width: number; height: number; channels: 3; bitDepth: 8; data: Uint8Array } {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sq = x > size / 3 && x < (2 * size) / 3 && y > size / 3 && y < (2 * size) / 3;
      for (let c = 0; c < 3; c++) data[(y * size + x) * 3 + c] = sq ? (200 - 40 * c + seed * 30) % 256 : ((x * 255) / size + y * 3 + c * 40 + seed * 50) % 256 | 0;
    }
  }
  return { width: size, height: size, channels: 3, bitDepth: 8, data };
}

function waitForLine(child: ChildProcess, test: (e: Record<string, unknown>) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      buf += c;
      for (const line of buf.split('\n').slice(0, -1)) {
        try {
          if (test(JSON.parse(line) as Record<string, unknown>)) resolve();
        } catch {
          // not JSON
        }
      }
      buf = buf.slice(buf.lastIndexOf('\n') + 1);
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${String(code)}) before it was ready`)));
  });
}

/** Runs `bench batch`; returns the exit code. */
export function benchBatchCommand(argv: readonly string[]): Promise<number> {
  return runCommand('bench batch', argv, () => benchBatch(argv));
}

async function benchBatch(argv: readonly string[]): Promise<number> {
  const parsed = parseCommand(BENCH_BATCH_TABLE, argv);
  const { values } = parsed;
  if (parsed.help) {
    process.stdout.write(`${BENCH_BATCH_HELP}\n`);
    return EXIT.ok;
  }
  if (values.queue === undefined) throw new UsageError('missing --queue redis://HOST:PORT[/DB]', BENCH_BATCH_HELP);
  const connection = queueConnection(parseQueueUrl(values.queue));
  const counts = (values.workers ?? BENCH_BATCH_DEFAULTS.workers).split(',').map((w) => {
    const n = Number(w.trim());
    if (w.trim() === '' || !WORKER_COUNT.safeParse(n).success) throw new UsageError(`--workers takes a comma-separated list, each ${WORKER_COUNT_WORDS}; got "${w}"`, BENCH_BATCH_HELP);
    return n;
  });
  const nInputs = values.inputs ?? BENCH_BATCH_DEFAULTS.inputs;
  const nEdits = values.edits ?? BENCH_BATCH_DEFAULTS.edits;
  const steps = values.steps ?? BENCH_BATCH_DEFAULTS.steps;
  const size = values.size ?? BENCH_BATCH_DEFAULTS.size;
  const model = path.resolve(values.model ?? bundledModelDir());
  const device = values.device ?? 'cpu';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-bench-batch-'));
  const children: ChildProcess[] = [];
  const killChildren = (): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  const onSignal = (): void => {
    killChildren(); // never leave workers behind
    process.exit(EXIT.interrupted);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    fs.mkdirSync(path.join(dir, 'in'));
    for (let i = 0; i < nInputs; i++) await writeImage(path.join(dir, 'in', `p${i}.png`), picture(size, i));
    const edits = Array.from({ length: nEdits }, (_, i) => `  - { name: e${i}, prompt: "a ${['blue', 'green', 'yellow', 'purple'][i % 4]} square${i >= 4 ? ` ${i}` : ''}", maps: false }`).join('\n');
    const jobFile = path.join(dir, 'job.yaml');
    writeFileAtomicSync(jobFile, `version: 1\nmodel: ${JSON.stringify(model)}\noutput: local\nprompt: a red square\ndefaults: { steps: ${steps}, seed: 1 }\ninputs: ["in/*.png"]\nedits:\n${edits}\n`);
    const items = nInputs * nEdits;
    printJson({ bench: 'batch', date: new Date().toISOString(), device, model: path.basename(model), inputs: nInputs, edits: nEdits, items, steps, size, cpus: os.cpus().length, loadavg: os.loadavg().map((l) => +l.toFixed(2)), node: process.version });

    const flags = modelFlags({ model, device }, BENCH_BATCH_HELP);
    const pipe = await loadPipeline(flags);
    const job = loadBatchJob(jobFile);
    // One untimed item first: graph building and session start-up are not batch throughput.
    await runBatch({ ...job, output: path.join(dir, 'warm-up'), inputs: job.inputs.slice(0, 1), edits: job.edits.slice(0, 1), items: job.items.slice(0, 1) }, { processItem: makeProcessItem({ pipe, version: REPRISE_VERSION }), report: false });
    const t0 = performance.now();
    const local = await runBatch(job, { processItem: makeProcessItem({ pipe, version: REPRISE_VERSION }), report: false });
    const localS = (performance.now() - t0) / 1000;
    if (local.done !== items) throw new RepriseError('RUNTIME_FAILURE', `bench batch: the local run finished ${local.done} of ${items} items (${local.failed} failed)`, { hint: 'Run the same job with reprise batch to see the items\' errors.' });
    printJson({ mode: 'local', items, seconds: +localS.toFixed(2), itemsPerMinute: +((items * 60) / localS).toFixed(2) });

    const main = process.argv[1] ?? '';
    let oneWorkerS: number | undefined;
    for (const k of counts) {
      const name = `bench-${process.pid}-${k}-${Date.now()}`;
      const spawned = Array.from({ length: k }, () =>
        spawn(process.execPath, [...process.execArgv, main, 'worker', '--queue', values.queue!, '--name', name, '--model', model, '--device', device, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] }),
      );
      children.push(...spawned);
      await Promise.all(spawned.map((c) => waitForLine(c, (e) => e.event === 'ready')));
      const queue = new Queue<QueuePayload>(name, { connection });
      try {
        const qjob = loadBatchJob(jobFile, { output: path.join(dir, `queue-${k}`) });
        const planned = planQueueJobs(qjob, jobFile, await jobItemHashes(qjob, queueFingerprint(REPRISE_VERSION)));
        const t1 = performance.now();
        await enqueueBatch(queue, planned);
        for (;;) {
          const c = queueCounts(await queueJobs(queue, planned.map((p) => p.id)));
          if (c.jobs.completed + c.jobs.failed === planned.length) {
            if (c.items.failed > 0) throw new RepriseError('RUNTIME_FAILURE', `bench batch: the queue run with ${k} workers had ${c.items.failed} failed items`, { hint: 'Check the workers\' output (reprise worker) and the Redis server.' });
            break;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        const s = (performance.now() - t1) / 1000;
        oneWorkerS ??= k === 1 ? s : undefined;
        printJson({
          mode: 'queue',
          workers: k,
          items,
          seconds: +s.toFixed(2),
          itemsPerMinute: +((items * 60) / s).toFixed(2),
          ...(oneWorkerS !== undefined ? { speedupOverOneWorker: +(oneWorkerS / s).toFixed(2) } : {}),
          ...(k === 1 ? { overheadMsPerItem: Math.round(((s - localS) * 1000) / items) } : {}),
        });
        await queue.obliterate({ force: true });
      } finally {
        await queue.close();
      }
      for (const c of spawned) c.kill('SIGTERM');
      await Promise.all(spawned.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    }
    return EXIT.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    killChildren();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
