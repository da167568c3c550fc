/**
 * Faults a batch must survive: a full disk (ENOSPC injected into the atomic write) fails the item
 * clearly, leaves no partial or temporary file, and the rerun completes once space is back, ending
 * byte-identical to an uninterrupted run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { resolveJob, type BatchJob } from '../../../src/editing/batch/job-file.js';
import { MANIFEST_NAME } from '../../../src/editing/batch/manifest.js';
import { runBatch, type ProcessItem } from '../../../src/editing/batch/runner.js';
import { listFiles, makeTree } from './helpers.js';

const options = z.record(z.string(), z.unknown());
type Options = z.output<typeof options>;

function job(dir: string): BatchJob<Options> {
  return resolveJob(
    { version: 1, output: 'out', inputs: ['in/*.png'], edits: [{ name: 'x', prompt: 'p' }, { name: 'y', prompt: 'q' }] },
    { dir, file: path.join(dir, 'job.yaml'), editOptions: options },
  );
}

/** Deterministic outputs: 64 KiB derived from the item id. */
const processItem: ProcessItem<Options> = async (item, ctx) => {
  const bytes = new Uint8Array(65536);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + item.id.length * 7 + item.id.charCodeAt(0)) & 255;
  await ctx.write(`${item.names.edit}.bin`, bytes);
  await ctx.write(`${item.names.edit}.txt`, item.id);
};

/** The files of a finished output folder, with contents (the manifest's timestamps aside). */
function contents(out: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const rel of listFiles(out)) {
    if (rel === MANIFEST_NAME || rel === 'report.html') continue;
    result[rel] = fs.readFileSync(path.join(out, rel)).toString('base64');
  }
  return result;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a full disk', () => {
  it('ENOSPC fails the items it hits with that code, leaves no partial file, and the rerun completes', async () => {
    const reference = makeTree({ 'in/a.png': 'A', 'in/b.png': 'B' });
    await runBatch(job(reference), { processItem });
    const dir = makeTree({ 'in/a.png': 'A', 'in/b.png': 'B' });
    const out = path.join(dir, 'out');

    // The disk fills up for every file of input b: the write fails half-way, like a real ENOSPC.
    const realOpen = fs.promises.open;
    vi.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof realOpen>) => {
      const handle = await realOpen(...args);
      if (!String(args[0]).includes(`${path.sep}b${path.sep}`)) return handle;
      const realWrite = handle.writeFile.bind(handle);
      handle.writeFile = async (data: Parameters<typeof realWrite>[0]) => {
        await realWrite(typeof data === 'string' ? data.slice(0, 10) : (data as Uint8Array).subarray(0, 10));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
      };
      return handle;
    });
    const full = await runBatch(job(dir), { processItem });
    expect(full.done).toBe(2);
    expect(full.failed).toBe(2);
    for (const o of full.items) {
      if (o.item.input.key === 'b') expect(o.status === 'failed' ? o.error.code : o.status).toBe('ENOSPC');
    }
    // Nothing partial under a final name, no temporary file left behind.
    expect(listFiles(out).filter((f) => f.startsWith('b/'))).toEqual([]);
    expect(listFiles(out).some((f) => f.endsWith('.tmp'))).toBe(false);

    vi.restoreAllMocks(); // space is back
    const rerun = await runBatch(job(dir), { processItem });
    expect([rerun.done, rerun.skipped, rerun.failed]).toEqual([2, 2, 0]);
    expect(contents(out)).toEqual(contents(path.join(reference, 'out')));
  });
});
