/** `reprise batch <job.yaml|job.json>`: runs a job of inputs × edits, resumably, with an HTML report. */
import * as path from 'node:path';
import { runBatch, type BatchProgress, type BatchSummary } from '../editing/batch/runner.js';
import { loadBatchJob, makeProcessItem, type BatchEditOptions } from '../editing/batch-pipeline.js';
import { loadPipeline, modelFlags, onePositional } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT, UsageError } from './errors.js';
import { handleInterrupts, type InterruptHost } from './interrupt.js';
import { BATCH_TABLE } from './options/batch.js';
import { helpText } from './options/help.js';
import { parseCommand } from './options/parse.js';
import { ProgressBar } from './progress.js';
import { REPRISE_VERSION } from './version.js';

/** The help text of `reprise batch` (from its table). */
export const BATCH_HELP = helpText(BATCH_TABLE);

/** Options of {@link batchCommand} beyond argv (tests). */
export interface BatchCommandOptions {
  /** Aborts the run like Ctrl-C. */
  readonly signal?: AbortSignal;
  /** Where SIGINT is listened for (default: process). */
  readonly interruptHost?: InterruptHost;
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function progressEvent(event: BatchProgress<BatchEditOptions>): Record<string, unknown> {
  switch (event.type) {
    case 'planned':
      return { event: 'planned', total: event.total, toRun: event.toRun, skipped: event.skipped };
    case 'item-started':
      return { event: 'item-started', id: event.item.id, input: event.item.input.relativePath, edit: event.item.edit.name, running: event.running };
    case 'item-finished': {
      const o = event.outcome;
      return {
        event: 'item-finished',
        id: o.item.id,
        status: o.status,
        completed: event.completed,
        total: event.total,
        ...(o.status !== 'pending' ? { outputs: o.outputs } : {}),
        ...(o.status === 'done' || o.status === 'failed' ? { durationMs: Math.round(o.durationMs) } : {}),
        ...(o.status === 'failed' ? { error: o.error } : {}),
      };
    }
  }
}

function exitCode(summary: BatchSummary<BatchEditOptions>): number {
  if (summary.pending > 0) return EXIT.interrupted;
  return summary.failed > 0 ? EXIT.failed : EXIT.ok;
}

/** Runs `batch` with argv (without the command name); returns the exit code. */
export function batchCommand(argv: readonly string[], options: BatchCommandOptions = {}): Promise<number> {
  return runCommand('batch', argv, async () => {
    const parsed = parseCommand(BATCH_TABLE, argv);
    const { values, positionals } = parsed;
    if (parsed.help) {
      process.stdout.write(`${BATCH_HELP}\n`);
      return EXIT.ok;
    }
    const file = onePositional(positionals, '<job.yaml|job.json>', BATCH_HELP);
    const { concurrency } = values;
    const job = loadBatchJob(file, { ...(values.output !== undefined ? { output: values.output } : {}), ...(values.model !== undefined ? { model: values.model } : {}), ...(concurrency !== undefined ? { concurrency } : {}) });
    if (job.model === undefined) throw new UsageError(`no model: set "model:" in ${file} or pass --model <folder>`, BATCH_HELP);
    const model = modelFlags({ ...values, model: job.model }, BATCH_HELP);
    const json = values.json === true;
    const bar = new ProgressBar({ silent: json });
    bar.update('loading model', 0, 1);
    const pipe = await loadPipeline(model);

    const controller = new AbortController();
    const external = options.signal;
    const forward = (): void => controller.abort(external?.reason);
    if (external?.aborted) forward();
    else external?.addEventListener('abort', forward, { once: true });
    const stopping = (): void => {
      if (json) printJson({ event: 'interrupted', message: 'stopping: running items stop at their next step; Ctrl-C again exits immediately' });
      else bar.log('Stopping: running items stop at their next step (Ctrl-C again to exit immediately)…');
    };
    const dispose = handleInterrupts(controller, { ...(options.interruptHost ? { host: options.interruptHost } : {}), onFirst: stopping });
    external?.addEventListener('abort', stopping, { once: true });

    let completed = 0;
    let total = job.items.length;
    let summary: BatchSummary<BatchEditOptions>;
    try {
      summary = await runBatch(job, {
        processItem: makeProcessItem({
          pipe,
          version: REPRISE_VERSION,
          onStep: json ? undefined : (item, p) => bar.update('items', completed, total, `${item.id}: ${p.phase} ${p.step}/${p.total}`),
        }),
        signal: controller.signal,
        resume: values['no-resume'] !== true,
        fingerprint: { reprise: REPRISE_VERSION, modelId: pipe.modelId(), device: model.device, dtype: model.load.dtype },
        onProgress: (event) => {
          if (json) {
            printJson(progressEvent(event));
            return;
          }
          if (event.type === 'planned') {
            total = event.total;
            bar.log(`${event.total} item${event.total === 1 ? '' : 's'} (${job.inputs.length} input${job.inputs.length === 1 ? '' : 's'} × ${job.edits.length} edit${job.edits.length === 1 ? '' : 's'}): ${event.toRun} to run, ${event.skipped} already done`);
          } else if (event.type === 'item-finished') {
            completed = event.completed;
            const o = event.outcome;
            if (o.status === 'failed') bar.log(`FAILED ${o.item.id}: ${firstLine(o.error.message)}`);
          }
          bar.update('items', completed, total, event.type === 'item-started' ? event.item.id : undefined);
        },
      });
    } finally {
      dispose();
      external?.removeEventListener('abort', forward);
      external?.removeEventListener('abort', stopping);
      bar.done();
    }
    const code = exitCode(summary);
    const resume = summary.pending > 0 ? ['reprise', 'batch', ...argv.filter((a) => a !== '--no-resume')].map(shellQuote).join(' ') : undefined;
    const rel = (p: string): string => path.relative('.', p) || p;
    if (json) {
      printJson({
        event: 'summary',
        ok: code === EXIT.ok,
        exitCode: code,
        done: summary.done,
        skipped: summary.skipped,
        failed: summary.failed,
        pending: summary.pending,
        aborted: summary.aborted,
        output: job.output,
        manifest: summary.manifestPath,
        report: summary.reportPath ?? null,
        durationMs: Math.round(summary.durationMs),
        items: summary.items.map((o) => ({ id: o.item.id, status: o.status, ...(o.status !== 'pending' ? { outputs: o.outputs } : {}), ...(o.status === 'failed' ? { error: o.error } : {}) })),
        ...(resume !== undefined ? { resume } : {}),
      });
      return code;
    }
    const n = summary.items.length;
    const lines = [`${n} item${n === 1 ? '' : 's'}: ${summary.done} done, ${summary.skipped} skipped (already done), ${summary.failed} failed, ${summary.pending} not run — ${(summary.durationMs / 1000).toFixed(1)} s`];
    const failed = summary.items.filter((o) => o.status === 'failed');
    if (failed.length > 0) {
      lines.push('Failed:');
      for (const o of failed) if (o.status === 'failed') lines.push(`  ${o.item.id}: ${firstLine(o.error.message)}`);
    }
    if (summary.reportPath !== undefined) lines.push(`Report: ${rel(summary.reportPath)}`);
    if (resume !== undefined) lines.push(`Interrupted: ${summary.pending} item${summary.pending === 1 ? '' : 's'} not run. Resume with:\n  ${resume}\n(finished items are skipped)`);
    else if (failed.length > 0) lines.push(`Rerun the same command to retry the failed items (done items are skipped).`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return code;
  });
}
