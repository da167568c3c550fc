/**
 * Fuzz: hostile job files (generated from a grammar of hostile values, then byte-mutated) are a
 * JobFileError (exit 2) or a valid job, within the per-case time limit; valid ones run with a
 * processItem writing hostile names, and nothing is ever written outside the output folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import { loadJobFile } from '../../src/editing/batch/job-file.js';
import { realpathDeepest, isInsideOrEqual } from '../../src/editing/batch/paths.js';
import { runBatch } from '../../src/editing/batch/runner.js';
import { tempDir } from '../helpers.js';
import { CASE_MS, expectUserError, FUZZ_SCALE, FUZZ_SEED, mutateBytes, Rng, tally } from './fuzz-helpers.js';

const editOptions = z.looseObject({ steps: z.number().int().positive().max(1000).optional() });

/** top/job (the job folder, with inputs and links), top/outside (must never change). */
function sandbox(): { top: string; job: string; outside: string } {
  const top = tempDir('reprise-fuzz-job-');
  const job = path.join(top, 'job');
  const outside = path.join(top, 'outside');
  for (const rel of ['in/a.png', 'in/b.jpg', 'in/sub/c.png', 'in/.hidden.png', 'in/{x}.png']) {
    fs.mkdirSync(path.dirname(path.join(job, rel)), { recursive: true });
    fs.writeFileSync(path.join(job, rel), rel);
  }
  fs.mkdirSync(path.join(outside, 'linked'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'keep.txt'), 'k');
  fs.symlinkSync('../outside', path.join(job, 'link-out'), 'dir');
  fs.symlinkSync('.', path.join(job, 'link-self'), 'dir');
  fs.symlinkSync('in', path.join(job, 'link-in'), 'dir');
  fs.symlinkSync('../outside/nowhere', path.join(job, 'dangling'), 'dir');
  return { top, job, outside };
}

/** Every path below `dir` (links not followed) with its size, to detect any change. */
function snapshot(dir: string, skip: (p: string) => boolean): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (skip(p)) continue;
      const st = fs.lstatSync(p);
      out.set(p, `${st.isSymbolicLink() ? `link:${fs.readlinkSync(p)}` : st.isDirectory() ? 'dir' : `file:${st.size}:${st.mtimeMs}`}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

const OUTPUTS = ['out', './out', 'out/deeper', 'link-out/linked', 'link-out', 'link-self', 'link-self/out', 'link-in', 'dangling', '../outside', '.', '', 'in', 'in/a.png', 'out\u0000x', 'o'.repeat(300), 'out/../out2', 'CON', 7, null, ['out']];
const INPUTS = [
  'in/a.png', 'in/*.png', 'in/**', '**/*.{png,jpg}', 'in/{a,b}.{png,jpg}', '{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}{s,t}{u,v}', 'in/{x}.png', 'in/.*',
  'link-in/*.png', 'link-out/*', '../outside/keep.txt', '/etc/passwd', 'missing.png', 'in', 'in/', '', '*'.repeat(40), '{'.repeat(50), '{a,{b,{c,{d,{e,f}}}}}'.repeat(6),
  'in/a.png\u0000', { path: 'in/b.jpg', prompt: 'a bee' }, { path: 3 }, { prompt: 'x' }, 42, null,
];
const NAMES = ['e', 'dog', 'Dog', 'a.b', '../x', 'con', 'x'.repeat(200), '', '_src', 'ok-1', 'ñ', 'a/b', 7];
const WRITE_NAMES = ['{key}/{edit}.png', '{key}/_source.png', '../escape.png', '/abs.png', 'link-out/x.png', '.reprise-manifest.json', 'report.html', '{key}/../../x.png', 'a\u0000b', 'CON.png', '{key}/sub/deep/x.png'];

const TAME_OUTPUTS = ['out', 'out/deeper', 'link-self/out', 'res'];
const TAME_INPUTS = ['in/a.png', 'in/*.png', 'in/**', '**/*.{png,jpg}', 'in/{a,b}.{png,jpg}', 'link-in/*.png', { path: 'in/b.jpg', prompt: 'a bee' }];

/** A nearly valid job (so runs are reached), hostile only in the names it will write. */
function tameJob(rng: Rng): unknown {
  return {
    version: 1,
    output: rng.pick(TAME_OUTPUTS),
    inputs: Array.from({ length: 1 + rng.int(2) }, () => rng.pick(TAME_INPUTS)),
    edits: Array.from({ length: 1 + rng.int(2) }, (_, i) => ({ name: `e${i}`, prompt: 'p', steps: 1 + rng.int(3) })),
  };
}

function randomJob(rng: Rng): unknown {
  if (rng.chance(0.3)) return tameJob(rng);
  const doc: Record<string, unknown> = {};
  if (!rng.chance(0.05)) doc['version'] = rng.chance(0.9) ? 1 : rng.pick([2, '1', null]);
  if (!rng.chance(0.05)) doc['output'] = rng.pick(OUTPUTS);
  if (rng.chance(0.3)) doc['concurrency'] = rng.pick([1, 2, 0, -1, 1.5, 65, '2']);
  if (rng.chance(0.3)) doc['prompt'] = rng.pick(['a cat', '', 'x'.repeat(20_000), 5]);
  if (rng.chance(0.3)) doc['defaults'] = rng.pick([{ steps: 3 }, { steps: -1 }, [], 'x', { steps: 3, attention: { a: { b: { c: [] } } } }]);
  if (!rng.chance(0.05)) doc['inputs'] = Array.from({ length: rng.int(4) }, () => rng.pick(INPUTS));
  if (!rng.chance(0.05)) doc['edits'] = Array.from({ length: rng.int(3) }, () => (rng.chance(0.9) ? { name: rng.pick(NAMES), prompt: rng.pick(['p', '', 9]) } : rng.pick(['x', [], null])));
  if (rng.chance(0.1)) {
    let deep: unknown = 'leaf';
    for (let i = rng.int(100); i > 0; i--) deep = rng.chance(0.5) ? [deep] : { k: deep };
    doc['extra'] = deep;
  }
  return rng.chance(0.02) ? rng.pick([[], 'text', null, 3]) : doc;
}

function render(rng: Rng, doc: unknown): { ext: string; text: Uint8Array } {
  const json = rng.chance(0.4);
  let text = json ? JSON.stringify(doc) ?? 'null' : stringify(doc, { lineWidth: 0 });
  if (!json && rng.chance(0.05)) text += `\nbomb0: &b0 [x, x, x, x, x, x, x, x]\n${Array.from({ length: 5 }, (_, i) => `bomb${i + 1}: &b${i + 1} [${Array(8).fill(`*b${i}`).join(', ')}]`).join('\n')}\n`;
  let bytes: Uint8Array = new TextEncoder().encode(text);
  if (rng.chance(0.4)) bytes = mutateBytes(rng, bytes);
  return { ext: json ? (rng.chance(0.95) ? '.json' : '.txt') : rng.pick(['.yaml', '.yml']), text: bytes };
}

describe('fuzz: job files', () => {
  it(`${1000 * FUZZ_SCALE} hostile job files: typed error or a valid job; valid jobs never write outside the output folder`, async () => {
    const { top, job, outside } = sandbox();
    const rng = new Rng(FUZZ_SEED ^ 0x10b5);
    const counts: Record<string, number> = {};
    const outsideBefore = snapshot(outside, () => false);
    let runs = 0;
    for (let i = 0; i < 1000 * FUZZ_SCALE; i++) {
      const context = `job case ${i} (seed ${FUZZ_SEED})`;
      const { ext, text } = render(rng, randomJob(rng));
      const file = path.join(job, `job-${i % 7}${ext}`);
      fs.writeFileSync(file, text);
      const t0 = performance.now();
      let loaded: ReturnType<typeof loadJobFile<typeof editOptions>> | undefined;
      try {
        loaded = loadJobFile(file, editOptions);
        tally(counts, 'valid');
      } catch (e) {
        expectUserError(e, context);
        tally(counts, 'JobFileError');
      }
      expect(performance.now() - t0, context).toBeLessThan(CASE_MS);
      if (loaded === undefined || runs >= 20 * FUZZ_SCALE) continue;
      runs++;
      // Run the valid job with a processItem writing hostile names; compare the tree afterwards.
      const realOut = realpathDeepest(loaded.output);
      expect(isInsideOrEqual(fs.realpathSync(top), realOut), context).toBe(true);
      const before = snapshot(top, (p) => isInsideOrEqual(realOut, realpathDeepest(p)));
      const names = Array.from({ length: 3 }, () => rng.pick(WRITE_NAMES));
      try {
        const summary = await runBatch(loaded, {
          report: rng.chance(0.5),
          processItem: async (item, ctx) => {
            for (const n of names) await ctx.write(n.replace('{key}', item.input.key).replace('{edit}', item.edit.name), 'x').catch(() => undefined);
          },
        });
        tally(counts, `ran:${summary.done}done/${summary.failed}failed`);
      } catch (e) {
        expectUserError(e, `${context} (run)`);
        tally(counts, 'run refused');
      }
      const after = snapshot(top, (p) => isInsideOrEqual(realOut, realpathDeepest(p)));
      // Changed: nothing but the job files themselves and folders above the output (created for it).
      const changed = [...after].filter(([p, v]) => before.get(p) !== v && !p.startsWith(path.join(job, 'job-')) && !(v === 'dir' && isInsideOrEqual(p, loaded.output)));
      expect(changed, context).toEqual([]);
      fs.rmSync(loaded.output, { recursive: true, force: true });
    }
    expect(snapshot(outside, () => false)).toEqual(outsideBefore);
    expect(counts['valid'] ?? 0).toBeGreaterThan(10); // the grammar reaches valid jobs too
    console.log('job-file fuzz outcomes:', counts);
  });
});
