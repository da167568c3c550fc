/**
 * Hostile output paths: every case writes nothing outside the output folder, symbolic links
 * resolved, at load time and during the run (links planted between writes included).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { writeFileAtomic } from '../../../src/editing/batch/atomic.js';
import { JobFileError, resolveJob, type BatchJob } from '../../../src/editing/batch/job-file.js';
import { MANIFEST_NAME } from '../../../src/editing/batch/manifest.js';
import { UnsafeOutputPathError, pinOutputRoot, realpathDeepest, safeOutputPath } from '../../../src/editing/batch/paths.js';
import { runBatch, type ProcessItem } from '../../../src/editing/batch/runner.js';
import { listFiles, makeTree } from './helpers.js';

const options = z.record(z.string(), z.unknown());
type Options = z.output<typeof options>;

/** A sandbox: `job/` (job folder with one input) and `outside/` (must stay untouched). */
function sandbox(): { job: string; outside: string } {
  const top = makeTree({ 'job/in/a.png': 'A', 'outside/keep.txt': 'k' });
  return { job: path.join(top, 'job'), outside: path.join(top, 'outside') };
}

function load(jobDir: string, output: string, overrides?: { output?: string }): BatchJob<Options> {
  return resolveJob(
    { version: 1, output, inputs: ['in/a.png'], edits: [{ name: 'e', prompt: 'p' }] },
    { dir: jobDir, file: path.join(jobDir, 'job.yaml'), editOptions: options, ...(overrides ? { overrides } : {}) },
  );
}

function loadError(jobDir: string, output: string): JobFileError {
  try {
    load(jobDir, output);
  } catch (e) {
    if (e instanceof JobFileError) return e;
    throw e;
  }
  throw new Error('expected a JobFileError');
}

const writeOne: ProcessItem<Options> = async (item, ctx) => {
  await ctx.write(`${item.names.edit}.png`, 'edit');
};

describe('output folder containment at load (symbolic links resolved)', () => {
  it('refuses `output: out` where out links outside the job folder, and writes nothing there', () => {
    const { job, outside } = sandbox();
    fs.mkdirSync(path.join(outside, 'linked'));
    fs.symlinkSync('../outside/linked', path.join(job, 'out'), 'dir');
    const err = loadError(job, 'out');
    expect(err.problems).toEqual([expect.objectContaining({ path: 'output', message: expect.stringContaining('outside the job folder') })]);
    expect(listFiles(outside)).toEqual(['keep.txt']);
  });

  it('refuses an output passing through a linked folder that leads outside', () => {
    const { job, outside } = sandbox();
    fs.symlinkSync(outside, path.join(job, 'results'), 'dir');
    expect(loadError(job, 'results/run1').problems[0]?.message).toMatch(/resolves through a symbolic link/);
  });

  it('refuses an output linked back onto the job folder itself (it would contain the job file)', () => {
    const { job } = sandbox();
    fs.symlinkSync('.', path.join(job, 'out'), 'dir');
    expect(loadError(job, 'out').problems[0]?.message).toMatch(/contains the job file/);
    fs.symlinkSync('in', path.join(job, 'out2'), 'dir');
    expect(loadError(job, 'out2').problems[0]?.message).toMatch(/inside the output folder/);
  });

  it('refuses a dangling output link whose target would be outside', () => {
    const { job, outside } = sandbox();
    fs.symlinkSync(path.join(outside, 'not-yet'), path.join(job, 'out'), 'dir');
    expect(loadError(job, 'out').problems[0]?.message).toMatch(/dangling symbolic link/);
    expect(listFiles(outside)).toEqual(['keep.txt']);
  });

  it('follows an output link that stays inside the job folder', async () => {
    const { job, outside } = sandbox();
    fs.mkdirSync(path.join(job, 'real-out'));
    fs.symlinkSync('real-out', path.join(job, 'out'), 'dir');
    const j = load(job, 'out');
    expect(j.outputReal).toBe(fs.realpathSync(path.join(job, 'real-out')));
    const summary = await runBatch(j, { processItem: writeOne });
    expect(summary.done).toBe(1);
    expect(listFiles(path.join(job, 'real-out'))).toEqual([MANIFEST_NAME, 'a/e.png', 'report.html']);
    expect(listFiles(outside)).toEqual(['keep.txt']);
  });

  it('an absolute output (or --output) is the user\'s explicit choice, links and all', async () => {
    const { job, outside } = sandbox();
    const j = load(job, 'out', { output: path.join(outside, 'res') });
    expect((await runBatch(j, { processItem: writeOne, report: false })).done).toBe(1);
    expect(listFiles(outside)).toEqual(['keep.txt', `res/${MANIFEST_NAME}`, 'res/a/e.png']);
  });
});

describe('output containment during the run', () => {
  it('refuses to start when the output folder was swapped for a link after the job was checked', async () => {
    const { job, outside } = sandbox();
    const j = load(job, 'out');
    fs.symlinkSync(outside, path.join(job, 'out'), 'dir');
    await expect(runBatch(j, { processItem: writeOne })).rejects.toThrow(UnsafeOutputPathError);
    expect(listFiles(outside)).toEqual(['keep.txt']);
  });

  it('a folder link planted between two writes of an item cannot redirect the second write', async () => {
    const { job, outside } = sandbox();
    const j = load(job, 'out');
    const out = path.join(job, 'out');
    const summary = await runBatch(j, {
      report: false,
      processItem: async (item, ctx) => {
        await ctx.write('a/first.png', '1');
        // the attacker: replace the item's folder by a link to outside, mid-item
        fs.rmSync(path.join(out, 'a'), { recursive: true });
        fs.symlinkSync(outside, path.join(out, 'a'), 'dir');
        await ctx.write('a/second.png', '2');
      },
    });
    expect(summary.failed).toBe(1);
    const failed = summary.items[0];
    expect(failed?.status === 'failed' ? failed.error.message : '').toMatch(/leads outside the output folder/);
    expect(listFiles(outside)).toEqual(['keep.txt']);
  });

  it('the output folder itself swapped for a link mid-run: the manifest and later outputs are refused', async () => {
    const { job, outside } = sandbox();
    const j = load(job, 'out');
    const out = path.join(job, 'out');
    const run = runBatch(j, {
      report: false,
      processItem: async (_item, ctx) => {
        fs.renameSync(out, path.join(job, 'out-moved'));
        fs.symlinkSync(outside, out, 'dir');
        await ctx.write('a/x.png', 'x');
      },
    });
    // The item fails (its write is refused); recording it in the manifest is refused too.
    await expect(run).rejects.toThrow(UnsafeOutputPathError);
    expect(listFiles(outside)).toEqual(['keep.txt']);
  });

  it('writeFileAtomic with a pinned root re-checks the folder just before the rename', async () => {
    const { job, outside } = sandbox();
    const out = path.join(job, 'out');
    fs.mkdirSync(path.join(out, 'k'), { recursive: true });
    const root = pinOutputRoot(out);
    fs.rmSync(path.join(out, 'k'), { recursive: true });
    fs.symlinkSync(outside, path.join(out, 'k'), 'dir');
    await expect(writeFileAtomic(path.join(out, 'k', 'f.png'), 'x', root)).rejects.toThrow(/outside the output folder/);
    expect(listFiles(outside)).toEqual(['keep.txt']);
  });

  it('a target that is a link to an outside file is replaced, never written through', async () => {
    const { job, outside } = sandbox();
    const out = path.join(job, 'out');
    fs.mkdirSync(out);
    fs.symlinkSync(path.join(outside, 'keep.txt'), path.join(out, 'f.txt'));
    expect(() => safeOutputPath(pinOutputRoot(out), 'f.txt')).toThrow(/symbolic link/);
    await writeFileAtomic(path.join(out, 'f.txt'), 'new', pinOutputRoot(out));
    expect(fs.readFileSync(path.join(outside, 'keep.txt'), 'utf8')).toBe('k');
    expect(fs.lstatSync(path.join(out, 'f.txt')).isSymbolicLink()).toBe(false);
  });

  it('realpathDeepest resolves the deepest existing ancestor', () => {
    const { job, outside } = sandbox();
    fs.symlinkSync(outside, path.join(job, 'l'), 'dir');
    expect(realpathDeepest(path.join(job, 'l', 'x', 'y'))).toBe(path.join(fs.realpathSync(outside), 'x', 'y'));
    expect(realpathDeepest(path.join(job, 'missing'))).toBe(path.join(fs.realpathSync(job), 'missing'));
  });
});
