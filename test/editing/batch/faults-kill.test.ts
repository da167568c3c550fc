/**
 * SIGKILL at random moments (model load, inversion, edits, writes) and a SIGINT during
 * `reprise batch` with the bundled model in a child process: never a partial file under a final
 * name, never a corrupt manifest, and the resumed run ends byte-identical to an uninterrupted one.
 * REPRISE_FAULT_TRIALS sets the number of kills (20 here; `npm run fuzz` runs 30).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTemporaryName } from '../../../src/editing/batch/atomic.js';
import { BatchManifest, MANIFEST_NAME } from '../../../src/editing/batch/manifest.js';
import { bundledModelDir } from '../../../src/models/bundled-model.js';
import { writePicture } from '../../cli/cli-helpers.js';
import { repoRoot, tempDir } from '../../helpers.js';
import { Rng } from '../../fuzz/fuzz-helpers.js';
import { listFiles } from './helpers.js';

const TRIALS = Math.max(1, Number(process.env.REPRISE_FAULT_TRIALS ?? '20') || 20);
const child = path.join(repoRoot, 'test', 'editing', 'batch', 'fault-child.ts');
/** 2 inputs (32×32, the bundled model's smallest multiple) × 1 edit, 2 steps: 2 items, 4 files each input. */
const JOB = (model: string): string =>
  `version: 1\nmodel: ${JSON.stringify(model)}\noutput: out\nprompt: a red circle on a white background\n` +
  `defaults: { method: ddcm, steps: 2, seed: 7, maps: false }\ninputs: [in/a.png, in/b.png]\n` +
  `edits:\n  - { name: blue, prompt: "a blue circle on a white background" }\n`;

async function fixture(): Promise<string> {
  const dir = tempDir('reprise-kill-');
  await writePicture(path.join(dir, 'in', 'a.png'), 32, 32, 0);
  await writePicture(path.join(dir, 'in', 'b.png'), 32, 32, 1);
  fs.writeFileSync(path.join(dir, 'job.yaml'), JOB(bundledModelDir()));
  return dir;
}

interface ChildExit { readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly ms: number }

/**
 * Runs `reprise batch --json` in a child; sends `signal.name` `delayMs` after the spawn, or when a
 * stdout line contains `signal.on` (never, when `signal` is undefined).
 */
function runChild(dir: string, signal?: { name: NodeJS.Signals; delayMs: number } | { name: NodeJS.Signals; on: string }): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, ['--import', 'tsx', child, path.join(dir, 'job.yaml')], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = signal && 'delayMs' in signal ? setTimeout(() => p.kill(signal.name), signal.delayMs) : undefined;
    let sent = false;
    p.stdout.on('data', (chunk: Buffer) => {
      if (signal && 'on' in signal && !sent && chunk.toString().includes(signal.on)) {
        sent = true;
        p.kill(signal.name);
      }
    });
    p.on('error', reject);
    p.on('exit', (code, sig) => {
      clearTimeout(timer);
      if (code !== null && code !== 0 && code !== 130) reject(new Error(`child exit ${code}: ${stderr}`));
      else resolve({ code, signal: sig, ms: performance.now() - t0 });
    });
  });
}

/** Every final file equals the reference's file of that name; the manifest is valid and names existing files. */
function checkInvariants(out: string, reference: string, context: string): void {
  if (!fs.existsSync(out)) return;
  for (const rel of listFiles(out)) {
    if (isTemporaryName(path.posix.basename(rel))) continue; // an unfinished temp file (hidden; never read, replaced on rerun)
    if (rel === MANIFEST_NAME || rel === 'report.html') continue;
    expect(fs.readFileSync(path.join(out, rel)).equals(fs.readFileSync(path.join(reference, rel))), `${context}: ${rel}`).toBe(true);
  }
  if (!fs.existsSync(path.join(out, MANIFEST_NAME))) return;
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

describe('kills during reprise batch with the bundled model', () => {
  it(`${TRIALS} SIGKILLs at random moments, then a SIGINT (exit 130): consistent after each, identical once resumed`, { timeout: 600_000 }, async () => {
    const refDir = await fixture();
    const ref = await runChild(refDir);
    expect(ref.code).toBe(0);
    const reference = path.join(refDir, 'out');
    expect(Object.keys(finalFiles(reference)).sort()).toEqual([
      'a/_inversion.safetensors', 'a/_reconstruction.png', 'a/_source.png', 'a/blue.png',
      'b/_inversion.safetensors', 'b/_reconstruction.png', 'b/_source.png', 'b/blue.png',
    ]);
    const dir = await fixture();
    const out = path.join(dir, 'out');
    const rng = new Rng(0x5161);
    const kinds = new Set<string>();
    for (let t = 0; t < TRIALS; t++) {
      if (t % 4 === 0) fs.rmSync(out, { recursive: true, force: true }); // kills early in fresh runs too
      const exit = await runChild(dir, { name: 'SIGKILL', delayMs: rng.int(Math.ceil(ref.ms * 1.1)) });
      kinds.add(exit.signal === 'SIGKILL' ? 'killed' : `exit ${exit.code}`);
      checkInvariants(out, reference, `kill ${t} (${JSON.stringify(exit)})`);
    }
    expect(kinds.has('killed')).toBe(true);
    fs.rmSync(out, { recursive: true, force: true });
    const int = await runChild(dir, { name: 'SIGINT', on: '"event":"item-finished"' }); // 1 of 2 items left
    expect(int.code).toBe(130);
    checkInvariants(out, reference, 'SIGINT');
    const resumed = await runChild(dir);
    expect(resumed.code).toBe(0);
    expect(finalFiles(out)).toEqual(finalFiles(reference));
  });
});
