import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RepriseError } from '../../../src/errors.js';
import { resolveJob, type BatchItem, type BatchJob } from '../../../src/editing/batch/job-file.js';
import { MANIFEST_NAME } from '../../../src/editing/batch/manifest.js';
import { runBatch, type ItemContext, type ItemResult, type ProcessItem } from '../../../src/editing/batch/runner.js';
import { listFiles, makeTree } from './helpers.js';

const options = z.looseObject({ steps: z.number().int().positive(), strength: z.number().default(1) });
type Options = z.output<typeof options>;

function makeJob(dir: string, overrides: { steps?: number; dogStrength?: number; concurrency?: number } = {}): BatchJob<Options> {
  return resolveJob(
    {
      version: 1,
      output: 'out',
      concurrency: overrides.concurrency ?? 1,
      defaults: { steps: overrides.steps ?? 10 },
      inputs: ['in/*.png'],
      edits: [
        { name: 'dog', prompt: 'a dog', strength: overrides.dogStrength ?? 1 },
        { name: 'red', prompt: 'a red cat' },
      ],
    },
    { dir, file: path.join(dir, 'job.yaml'), editOptions: options },
  );
}

function fixture(): string {
  return makeTree({ 'in/a.png': 'A', 'in/b.png': 'B', 'in/c.png': 'C' });
}

/** A processItem that writes source, reconstruction, the edit and one attention map. */
async function writeAll(item: BatchItem<Options>, ctx: ItemContext): Promise<ItemResult> {
  const n = item.names;
  await ctx.shared('source', () => ctx.write(`${n.source}.png`, fs.readFileSync(item.input.path)));
  await ctx.write(`${n.reconstruction}.png`, 'recon');
  await ctx.write(`${n.edit}.png`, `${item.edit.prompt} ${item.edit.options.steps}`);
  await ctx.write(`${n.edit}.attn-dog.png`, 'map');
  return {
    report: {
      source: `${n.source}.png`,
      reconstruction: `${n.reconstruction}.png`,
      edit: `${n.edit}.png`,
      attention: [{ label: 'dog', path: `${n.edit}.attn-dog.png` }],
      notes: { steps: item.edit.options.steps },
    },
  };
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new Error('aborted'));
    });
  });

function readManifest(job: BatchJob<Options>): { items: Record<string, { status: string; outputs: string[]; error?: { message: string; code?: string } }> } {
  return JSON.parse(fs.readFileSync(path.join(job.output, MANIFEST_NAME), 'utf8'));
}

describe('runBatch', () => {
  it('runs every item, writes outputs, manifest and report', async () => {
    const dir = fixture();
    const job = makeJob(dir);
    const summary = await runBatch(job, { processItem: writeAll });
    expect(summary).toMatchObject({ done: 6, skipped: 0, failed: 0, pending: 0, aborted: false });
    expect(summary.items.map((o) => o.item.id)).toEqual(['a/dog', 'a/red', 'b/dog', 'b/red', 'c/dog', 'c/red']);
    expect(listFiles(job.output)).toEqual([
      MANIFEST_NAME,
      'a/_reconstruction.png',
      'a/_source.png',
      'a/dog.attn-dog.png',
      'a/dog.png',
      'a/red.attn-dog.png',
      'a/red.png',
      'b/_reconstruction.png',
      'b/_source.png',
      'b/dog.attn-dog.png',
      'b/dog.png',
      'b/red.attn-dog.png',
      'b/red.png',
      'c/_reconstruction.png',
      'c/_source.png',
      'c/dog.attn-dog.png',
      'c/dog.png',
      'c/red.attn-dog.png',
      'c/red.png',
      'report.html',
    ].sort());
    expect(fs.readFileSync(path.join(job.output, 'b/_source.png'), 'utf8')).toBe('B');
    const manifest = readManifest(job);
    expect(Object.keys(manifest.items)).toHaveLength(6);
    expect(manifest.items['a/dog']).toMatchObject({ status: 'done', outputs: ['a/_reconstruction.png', 'a/_source.png', 'a/dog.attn-dog.png', 'a/dog.png'] });
    expect(manifest.items['a/red']?.outputs).toEqual(['a/_reconstruction.png', 'a/red.attn-dog.png', 'a/red.png']); // source written once per input
    expect(summary.reportPath).toBe(path.join(job.output, 'report.html'));
  });

  it('one item throwing (typed or not) never stops the others; the failure is recorded and retried next run', async () => {
    const dir = fixture();
    const job = makeJob(dir, { concurrency: 2 });
    const process: ProcessItem<Options> = async (item, ctx) => {
      if (item.id === 'b/dog') throw new RepriseError('RUNTIME_FAILURE', 'the GPU fell over', { hint: 'try the CPU' });
      if (item.id === 'c/red') throw 'a plain string';
      return writeAll(item, ctx);
    };
    const events: string[] = [];
    const summary = await runBatch(job, { processItem: process, onProgress: (e) => events.push(e.type) });
    expect(summary).toMatchObject({ done: 4, failed: 2, skipped: 0, pending: 0 });
    const failed = summary.items.filter((o) => o.status === 'failed');
    expect(failed.map((o) => o.item.id)).toEqual(['b/dog', 'c/red']);
    const manifest = readManifest(job);
    expect(manifest.items['b/dog']).toMatchObject({ status: 'failed', error: { code: 'RUNTIME_FAILURE', message: expect.stringContaining('the GPU fell over') } });
    expect(manifest.items['c/red']).toMatchObject({ status: 'failed', error: { message: 'a plain string' } });
    expect(events.filter((e) => e === 'item-finished')).toHaveLength(6);

    const calls: string[] = [];
    const rerun = await runBatch(job, { processItem: async (item, ctx) => (calls.push(item.id), writeAll(item, ctx)) });
    expect(calls).toEqual(['b/dog', 'c/red']);
    expect(rerun).toMatchObject({ done: 2, skipped: 4, failed: 0 });
    expect(readManifest(job).items['b/dog']?.status).toBe('done');
  });

  it('respects the concurrency limit', async () => {
    for (const concurrency of [1, 2, 4]) {
      const dir = fixture();
      const job = makeJob(dir, { concurrency });
      let running = 0;
      let peak = 0;
      const summary = await runBatch(job, {
        processItem: async (item, ctx) => {
          running++;
          peak = Math.max(peak, running);
          await sleep(15);
          running--;
          return writeAll(item, ctx);
        },
      });
      expect(summary.done).toBe(6);
      expect(peak).toBe(concurrency);
    }
  });

  it('shares per-input work between edits and computes it once', async () => {
    const dir = fixture();
    const job = makeJob(dir, { concurrency: 4 });
    const computed: string[] = [];
    await runBatch(job, {
      processItem: async (item, ctx) => {
        await ctx.shared('inversion', async () => {
          computed.push(item.input.key);
          await sleep(10);
          return item.input.key;
        });
        return writeAll(item, ctx);
      },
    });
    expect(computed.sort()).toEqual(['a', 'b', 'c']);
  });

  it('an interrupted run leaves a consistent manifest; the rerun does only the rest; a changed option or input redoes that item', async () => {
    const dir = fixture();
    const job = makeJob(dir);
    const controller = new AbortController();
    let finished = 0;
    const first = await runBatch(job, {
      signal: controller.signal,
      processItem: async (item, ctx) => {
        await sleep(5, ctx.signal);
        const result = await writeAll(item, ctx);
        if (++finished === 2) controller.abort();
        return result;
      },
    });
    expect(first).toMatchObject({ aborted: true, done: 2, pending: 4, failed: 0 });
    expect(Object.keys(readManifest(job).items)).toEqual(['a/dog', 'a/red']);
    expect(listFiles(job.output).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(fs.readFileSync(path.join(job.output, 'report.html'), 'utf8')).toContain('not run yet');

    // Interrupt while an item is running: that item is left pending, not failed.
    const controller2 = new AbortController();
    const second = await runBatch(job, {
      signal: controller2.signal,
      processItem: async (item, ctx) => {
        setTimeout(() => controller2.abort(), 5);
        await sleep(1000, ctx.signal);
        return writeAll(item, ctx);
      },
    });
    expect(second).toMatchObject({ aborted: true, done: 0, skipped: 2, failed: 0, pending: 4 });
    expect(Object.values(readManifest(job).items).map((e) => e.status)).toEqual(['done', 'done']);

    const calls: string[] = [];
    const record: ProcessItem<Options> = async (item, ctx) => {
      calls.push(item.id);
      return writeAll(item, ctx);
    };
    const resumed = await runBatch(job, { processItem: record });
    expect(calls).toEqual(['b/dog', 'b/red', 'c/dog', 'c/red']);
    expect(resumed).toMatchObject({ done: 4, skipped: 2, aborted: false });

    calls.length = 0;
    await runBatch(job, { processItem: record });
    expect(calls).toEqual([]);

    calls.length = 0;
    const changed = makeJob(dir, { dogStrength: 2 });
    await runBatch(changed, { processItem: record });
    expect(calls).toEqual(['a/dog', 'b/dog', 'c/dog']);

    calls.length = 0;
    fs.writeFileSync(path.join(dir, 'in/b.png'), 'B, retouched');
    fs.rmSync(path.join(job.output, 'c/red.png'));
    await runBatch(changed, { processItem: record });
    expect(calls).toEqual(['b/dog', 'b/red', 'c/red']);

    calls.length = 0;
    await runBatch(changed, { processItem: record, fingerprint: { pipeline: 2 } });
    expect(calls).toHaveLength(6);
    calls.length = 0;
    await runBatch(changed, { processItem: record, fingerprint: { pipeline: 2 }, resume: false });
    expect(calls).toHaveLength(6);
  });

  it('an already-aborted signal runs nothing', async () => {
    const dir = fixture();
    const job = makeJob(dir);
    const summary = await runBatch(job, { signal: AbortSignal.abort(), processItem: writeAll });
    expect(summary).toMatchObject({ aborted: true, pending: 6, done: 0 });
  });

  it('ctx.write refuses hostile names, reserved names and inputs; the item fails, nothing escapes', async () => {
    const dir = fixture();
    const job = makeJob(dir);
    const outside = makeTree({});
    fs.mkdirSync(job.output, { recursive: true });
    fs.symlinkSync(outside, path.join(job.output, 'link'), 'dir');
    const hostile = ['../x.png', '/etc/x.png', 'a/../../x.png', 'link/x.png', 'report.html', MANIFEST_NAME, '../in/a.png'];
    const results: string[] = [];
    await runBatch(job, {
      processItem: async (item, ctx) => {
        if (item.id !== 'a/dog') return writeAll(item, ctx);
        for (const name of hostile) {
          try {
            await ctx.write(name, 'evil');
            results.push(`${name}: written`);
          } catch (e) {
            results.push(`${name}: ${(e as RepriseError).code}`);
          }
        }
        throw new Error('done probing');
      },
    });
    expect(results).toEqual(hostile.map((n) => `${n}: CONFIG_INVALID`));
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'in/a.png'), 'utf8')).toBe('A');
    expect(fs.existsSync(path.join(dir, 'x.png'))).toBe(false);
  });

  it('a report path that escapes the output folder or was never written fails the item', async () => {
    const dir = fixture();
    const job = makeJob(dir);
    const summary = await runBatch(job, {
      processItem: async (item, ctx) => {
        await writeAll(item, ctx);
        if (item.id === 'a/dog') return { report: { edit: '../../etc/passwd' } };
        if (item.id === 'a/red') return { report: { edit: 'a/never-written.png' } };
        return {};
      },
    });
    expect(summary.items.filter((o) => o.status === 'failed').map((o) => o.item.id)).toEqual(['a/dog', 'a/red']);
  });
});
