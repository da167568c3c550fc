/**
 * The batch queue against a real Redis (a private redis-server, see redis.ts) and real worker
 * processes: byte-identical outputs to the local runner over 3 workers with one killed (SIGKILL)
 * mid-item, re-enqueueing a finished job does no work, a Redis restart mid-run, a poisoned input
 * failing alone after its attempts, SIGTERM finishing the running item with exit 0.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchCommand } from '../../../../src/cli/batch.js';
import { batchQueueCommand } from '../../../../src/cli/batch-queue.js';
import { MANIFEST_NAME } from '../../../../src/editing/batch/manifest.js';
import { isTemporaryName } from '../../../../src/editing/batch/atomic.js';
import { bundledModelDir } from '../../../../src/models/bundled-model.js';
import { capture, jsonLines, writePicture } from '../../../cli/cli-helpers.js';
import { tempDir } from '../../../helpers.js';
import { redisServerBinary, startRedis, type TestRedis } from './redis.js';
import { spawnWorker, type TestWorker } from './workers.js';

const bin = redisServerBinary();
const title = bin === undefined ? 'batch queue (SKIPPED: no redis-server binary on PATH; apt-get install redis-server — CI installs it)' : 'batch queue on a private redis-server';

/** Output files (relative, sorted) without the manifest, the report and temporary files. */
function outputFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => fs.statSync(path.join(dir, f)).isFile() && f !== MANIFEST_NAME && f !== 'report.html' && !isTemporaryName(path.basename(f)))
    .sort();
}

describe.skipIf(bin === undefined)(title, () => {
  let redis: TestRedis;
  let dir: string;
  const workers: TestWorker[] = [];
  const LOCK = ['--lock-ms', '1500'];
  // The bundled model (models/reprise-scenes), as the local runner's users run it.
  const header = `version: 1\nmodel: ${JSON.stringify(bundledModelDir())}\nprompt: a red square\ndefaults: { method: ddcm, steps: 2, seed: 5 }\n`;
  const edits = `edits:\n  - { name: green, prompt: "a green square" }\n  - { name: circle, prompt: "a red circle" }\n  - { name: blue, prompt: "a blue square", maps: false }\n`;

  beforeAll(async () => {
    dir = tempDir('reprise-queue-');
    fs.mkdirSync(path.join(dir, 'in'), { recursive: true });
    redis = await startRedis(bin!, tempDir('reprise-redis-'));
    for (const [i, n] of ['a', 'b', 'c', 'd', 'e'].entries()) await writePicture(path.join(dir, 'in', `${n}.png`), 24 + 8 * (i % 2), 24, i);
    fs.writeFileSync(path.join(dir, 'in', 'poison.png'), 'this is not an image');
    fs.writeFileSync(path.join(dir, 'job.yaml'), `${header}output: local\ninputs: [in/a.png, in/b.png, in/c.png, in/d.png]\n${edits}`);
    fs.writeFileSync(path.join(dir, 'poison.yaml'), `${header}output: poison-out\ninputs: [in/e.png, in/poison.png]\nedits:\n  - { name: green, prompt: "a green square", maps: false }\n`);
  });

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await redis?.stop();
  });

  const q = (args: readonly string[]): Promise<{ code: number; events: Record<string, unknown>[]; stderr: string }> =>
    capture(() => batchQueueCommand([...args, '--queue', redis.url, '--json', '--poll-ms', '100'])).then((r) => ({ code: r.code, events: jsonLines(r.stdout), stderr: r.stderr }));

  it('12 items over 3 workers, one killed with SIGKILL mid-item: outputs byte-identical to the local run; re-enqueueing does no work', async () => {
    const job = path.join(dir, 'job.yaml');
    const local = await capture(() => batchCommand([job]));
    expect(local.code, local.stderr).toBe(0);
    const localOut = path.join(dir, 'local');
    const queued = path.join(dir, 'queued');

    const first = await q([job, '--name', 'main', '--output', queued, '--detach']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.events[0]).toMatchObject({ event: 'enqueued', jobs: 4, items: 12, added: 4, existing: 0 });
    const again = await q([job, '--name', 'main', '--output', queued, '--detach']);
    expect(again.events[0]).toMatchObject({ added: 0, existing: 4 }); // ids from content hashes

    for (let i = 0; i < 3; i++) workers.push(spawnWorker(['--queue', redis.url, '--name', 'main', ...LOCK]));
    const [victim] = await Promise.race(workers.map((w) => w.waitFor((e) => e.event === 'item-started').then((e) => [w, e] as const)));
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    const killedJob = victim.events.find((e) => e.event === 'item-started')!.job;

    const follow = await q([job, '--name', 'main', '--output', queued]);
    expect(follow.code, follow.stderr).toBe(0);
    expect(follow.events.at(-1)).toMatchObject({ event: 'summary', ok: true, done: 12, failed: 0, total: 12 });

    expect(outputFiles(queued)).toEqual(outputFiles(localOut));
    for (const f of outputFiles(localOut)) expect(Buffer.compare(fs.readFileSync(path.join(queued, f)), fs.readFileSync(path.join(localOut, f))), f).toBe(0);
    const alive = workers.filter((w) => w !== victim);
    // the killed worker's queue job was redelivered to another worker and finished there
    expect(alive.some((w) => w.events.some((e) => e.event === 'item-finished' && e.job === killedJob && e.status === 'done'))).toBe(true);
    const html = fs.readFileSync(path.join(queued, 'report.html'), 'utf8');
    expect(html).toContain('12 done, 0 unchanged, 0 failed, 0 not run');
    for (const w of alive) if (w.events.some((e) => e.event === 'item-finished')) expect(html).toContain(`worker: ${String(w.events[0]!.worker)}`);

    const finished = alive.map((w) => w.events.length);
    const redo = await q([job, '--name', 'main', '--output', queued]);
    expect(redo.events[0]).toMatchObject({ added: 0, retried: 0, existing: 4 });
    expect(redo.events.at(-1)).toMatchObject({ event: 'summary', ok: true, done: 12 });
    await new Promise((r) => setTimeout(r, 300));
    expect(alive.map((w) => w.events.length)).toEqual(finished); // no worker ran anything
  }, 120_000);

  it('a Redis restart mid-run: the batch completes; a poisoned input fails alone after its attempts, with its error in the report', async () => {
    const job = path.join(dir, 'poison.yaml');
    const enq = await q([job, '--name', 'main', '--attempts', '2', '--backoff-ms', '100', '--detach']);
    expect(enq.events[0]).toMatchObject({ added: 2 });
    const alive = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null); // the two left by the first test
    await Promise.race(alive.map((w) => w.waitFor((e) => e.event === 'item-started' && String(e.id).startsWith('e/'))));
    await redis.restart();
    const follow = await q([job, '--name', 'main']);
    expect(follow.code, follow.stderr).toBe(1);
    expect(follow.events.at(-1)).toMatchObject({ event: 'summary', ok: false, done: 1, failed: 1 });
    const summary = follow.events.at(-1) as { failed: number; report: string };
    const html = fs.readFileSync(summary.report, 'utf8');
    expect(html).toMatch(/poison\/green.*poison\.png is not an image Reprise can read.*\(after 2 attempts\)/s);
    expect(fs.existsSync(path.join(dir, 'poison-out', 'e', 'green.png'))).toBe(true);
    const status = await q(['status', '--name', 'main']);
    expect(status.events[0]).toMatchObject({ ok: true });
    expect(status.events[0]!.batches).toEqual(
      expect.arrayContaining([expect.objectContaining({ jobFile: job, done: 1, failed: 1, total: 2 }), expect.objectContaining({ jobFile: path.join(dir, 'job.yaml'), done: 12, failed: 0 })]),
    );
  }, 120_000);

  it('SIGTERM finishes the running item and exits 0', async () => {
    fs.writeFileSync(path.join(dir, 'one.yaml'), `${header}output: one-out\ninputs: [in/b.png]\nedits:\n  - { name: term, prompt: "a green square", maps: false }\n`);
    const job = path.join(dir, 'one.yaml');
    await q([job, '--name', 'main', '--detach']);
    const alive = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    const [w] = await Promise.race(alive.map((x) => x.waitFor((e) => e.event === 'item-started' && e.id === 'b/term').then(() => [x] as const)));
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    const kinds = w.events.map((e) => e.event);
    expect(w.events.find((e) => e.event === 'item-finished' && e.id === 'b/term')).toMatchObject({ status: 'done' });
    expect(kinds.indexOf('stopping')).toBeLessThan(w.events.findIndex((e) => e.event === 'item-finished' && e.id === 'b/term'));
    const follow = await q([job, '--name', 'main']);
    expect(follow.events.at(-1)).toMatchObject({ ok: true, done: 1 });
  }, 60_000);
});
