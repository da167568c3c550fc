/** Queue payloads and ids (no Redis): one queue job per input, ids from content hashes, URL checks. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RepriseError } from '../../../../src/errors.js';
import { resolveJob } from '../../../../src/editing/batch/job-file.js';
import { checkQueueName, parseQueueUrl } from '../../../../src/editing/batch/queue/connection.js';
import { jobItemHashes, planQueueJobs, queueFingerprint, queuePayloadSchema } from '../../../../src/editing/batch/queue/payload.js';
import { makeTree } from '../helpers.js';

const options = z.looseObject({ steps: z.number().int().positive() });

function job(dir: string, dogPrompt = 'a dog') {
  return resolveJob(
    { version: 1, output: 'out', defaults: { steps: 3 }, inputs: ['in/*.png'], edits: [{ name: 'dog', prompt: dogPrompt }, { name: 'red', prompt: 'a red cat' }] },
    { dir, file: path.join(dir, 'job.yaml'), editOptions: options },
  );
}

describe('queue payloads', () => {
  const dir = makeTree({ 'in/a.png': 'aaa', 'in/b.png': 'bbb', 'in/c.png': 'ccc', 'job.yaml': '' });
  const plan = async (j = job(dir), version = '1.0.0') => planQueueJobs(j, path.join(dir, 'job.yaml'), await jobItemHashes(j, queueFingerprint(version)));

  it('one queue job per input with all its edits; valid payloads; ids stable across runs', async () => {
    const p = await plan();
    expect(p.map((x) => x.payload.input)).toEqual(['a', 'b', 'c']);
    expect(p[0]!.payload.items.map((i) => i.id)).toEqual(['a/dog', 'a/red']);
    for (const x of p) expect(queuePayloadSchema.parse(x.payload)).toEqual(x.payload);
    expect(new Set(p.map((x) => x.id)).size).toBe(3);
    expect((await plan()).map((x) => x.id)).toEqual(p.map((x) => x.id));
    expect(p.every((x) => /^r[0-9a-f]{40}$/.test(x.id))).toBe(true); // no ":" (BullMQ), not an integer
  });

  it('a changed input, edit or reprise version changes exactly the affected ids (re-enqueue adds only those)', async () => {
    const before = (await plan()).map((x) => x.id);
    fs.writeFileSync(path.join(dir, 'in/b.png'), 'BBB');
    const afterInput = (await plan()).map((x) => x.id);
    expect(afterInput.map((id, i) => id === before[i])).toEqual([true, false, true]);
    const afterEdit = (await plan(job(dir, 'a puppy'))).map((x) => x.id);
    expect(afterEdit.filter((id) => afterInput.includes(id))).toEqual([]);
    expect((await plan(job(dir), '2.0.0')).filter((x) => afterInput.includes(x.id))).toEqual([]);
  });

  it('an unreadable input is still planned (the worker fails it with its error), with an empty hash', async () => {
    const j = job(dir);
    fs.rmSync(path.join(dir, 'in/c.png')); // gone after the job was resolved
    const p = await plan(j);
    expect(p.map((x) => x.payload.input)).toEqual(['a', 'b', 'c']);
    expect(p[2]!.payload.items.map((i) => i.hash)).toEqual(['', '']);
    expect(p[0]!.payload.items.every((i) => /^[0-9a-f]{64}$/.test(i.hash))).toBe(true);
  });

  it('queue URLs and names are checked before anything connects', () => {
    expect(parseQueueUrl('redis://127.0.0.1:6390/2')).toMatchObject({ host: '127.0.0.1', port: 6390, db: 2 });
    expect(parseQueueUrl('redis://localhost')).toMatchObject({ port: 6379, db: 0 });
    for (const bad of ['http://x:1', 'redis://h:1/abc', 'redis://h:1/16', 'nonsense', 'redis://h:1/0?x=1']) {
      expect(() => parseQueueUrl(bad), bad).toThrow(RepriseError);
    }
    expect(checkQueueName('photos-2026')).toBe('photos-2026');
    for (const bad of ['a:b', '', '../x', 'x'.repeat(65)]) expect(() => checkQueueName(bad), bad).toThrow(/queue name/);
  });

  it('the worker rejects payloads it cannot read', () => {
    expect(queuePayloadSchema.safeParse({ v: 2, jobFile: '/j', output: '/o', input: 'a', inputPath: 'a.png', items: [{ id: 'a/x', hash: 'h' }] }).success).toBe(false);
    expect(queuePayloadSchema.safeParse({ v: 1, jobFile: '/j', output: '/o', input: 'a', inputPath: 'a.png', items: [] }).success).toBe(false);
    expect(queuePayloadSchema.safeParse({ v: 1, jobFile: '/j', output: '/o', input: 'a', inputPath: 'a.png', items: [{ id: 'a/x', hash: 'h' }], extra: 1 }).success).toBe(false);
  });
});
