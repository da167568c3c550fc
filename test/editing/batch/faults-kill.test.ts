/**
 * SIGKILL at random moments (and SIGINT) during a batch in a child process: never a partial file
 * under a final name, never a corrupt manifest, and the resumed run ends byte-identical to an
 * uninterrupted one. REPRISE_FAULT_TRIALS sets the number of kills (2 here: each child costs
 * seconds on a busy 2-core machine; `npm run fuzz` runs 30).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isTemporaryName } from '../../../src/editing/batch/atomic.js';
import { resolveJob } from '../../../src/editing/batch/job-file.js';
import { BatchManifest, MANIFEST_NAME } from '../../../src/editing/batch/manifest.js';
import { runBatch } from '../../../src/editing/batch/runner.js';
import { repoRoot } from '../../helpers.js';
import { Rng } from '../../fuzz/fuzz-helpers.js';
import { faultItem, FAULT_JOB } from './fault-job.js';
import { listFiles, makeTree } from './helpers.js';

const TRIALS = Math.max(1, Number(process.env.REPRISE_FAULT_TRIALS ?? '2') || 2);
const child = path.join(repoRoot, 'test', 'editing', 'batch', 'fault-child.ts');

function fixture(): string {
  return makeTree({ 'in/a.png': 'A', 'in/b.png': 'B', 'in/c.png': 'C' });
}

function loadJob(dir: string): ReturnType<typeof resolveJob<z.ZodRecord<z.ZodString, z.ZodUnknown>>> {
  return resolveJob(FAULT_JOB, { dir, file: path.join(dir, 'job.yaml'), editOptions: z.record(z.string(), z.unknown()) });
}

/** Runs the child, sends `signal` `delayMs` after it printed "started"; resolves with its exit. */
function runChild(dir: string, signal: NodeJS.Signals, delayMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, dir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('started')) setTimeout(() => p.kill(signal), delayMs);
    });
    p.on('error', reject);
    p.on('exit', (code, sig) => resolve({ code, signal: sig }));
  });
}

/** Every final file equals the reference's file of that name; the manifest is valid; no stray temp names. */
function checkInvariants(out: string, reference: string, context: string): void {
  if (!fs.existsSync(out)) return;
  for (const rel of listFiles(out)) {
    const base = path.posix.basename(rel);
    if (isTemporaryName(base)) continue; // an unfinished temp file (hidden; never read, replaced on rerun)
    if (rel === MANIFEST_NAME || rel === 'report.html') continue;
    expect(fs.readFileSync(path.join(out, rel)).equals(fs.readFileSync(path.join(reference, rel))), `${context}: ${rel}`).toBe(true);
  }
  const manifest = BatchManifest.load(out); // throws on a corrupt manifest
  for (const [, entry] of manifest.entries()) {
    for (const rel of entry.outputs) expect(fs.existsSync(path.join(out, rel)), `${context}: recorded ${rel}`).toBe(true);
  }
}

function finalFiles(out: string): Record<string, string> {
  const r: Record<string, string> = {};
  for (const rel of listFiles(out)) {
    if (rel === MANIFEST_NAME || rel === 'report.html' || isTemporaryName(path.posix.basename(rel))) continue;
    r[rel] = fs.readFileSync(path.join(out, rel)).toString('base64');
  }
  return r;
}

describe('kills during a batch', () => {
  it(`${TRIALS} SIGKILLs at random moments, then a SIGINT (exit 130): consistent after each, identical once resumed`, async () => {
    const refDir = fixture();
    await runBatch(loadJob(refDir), { processItem: faultItem, report: false });
    const reference = path.join(refDir, 'out');
    const dir = fixture();
    const out = path.join(dir, 'out');
    const rng = new Rng(0x5161);
    for (let t = 0; t < TRIALS; t++) {
      if (t % 3 === 0) fs.rmSync(out, { recursive: true, force: true }); // kills early in fresh runs too
      const exit = await runChild(dir, 'SIGKILL', rng.int(250));
      checkInvariants(out, reference, `kill ${t} (${JSON.stringify(exit)})`);
    }
    fs.rmSync(out, { recursive: true, force: true });
    const int = await runChild(dir, 'SIGINT', 40);
    expect(int.code).toBe(130);
    checkInvariants(out, reference, 'SIGINT');
    const resumed = await runBatch(loadJob(dir), { processItem: faultItem, report: false });
    expect(resumed.done + resumed.skipped).toBe(9);
    expect(resumed.failed).toBe(0);
    expect(finalFiles(out)).toEqual(finalFiles(reference));
  });
});
