import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveJob } from '../../src/editing/batch/job-file.js';
import { runBatch } from '../../src/editing/batch/runner.js';
import {
  batchEditOptionsSchema,
  batchInvertOptions,
  batchJobSchema,
  loadBatchJob,
  makeProcessItem,
  maxPixelDifference,
  pngMetadata,
  sharedInversionProblems,
  toRgb8,
} from '../../src/editing/batch-pipeline.js';
import { JobFileError } from '../../src/editing/batch/job-file.js';
import { Pipeline } from '../../src/editing/pipeline.js';
import { writeImage } from '../../src/io/image/index.js';
import { loadInversion } from '../../src/inversion/record.js';
import type { RasterImage } from '../../src/io/image/types.js';
import { writeRandomModel } from '../../src/models/random-model.js';
import { tempDir } from '../helpers.js';

function gradient(width: number, height: number): RasterImage {
  const data = new Uint8Array(width * height * 3).map((_, i) => (i * 7 + ((i / 3) | 0)) % 256);
  return { width, height, channels: 3, bitDepth: 8, data };
}

describe('batch editing options', () => {
  it('the edit-option schema comes from the pipeline schemas: defaults filled, unknown keys and bad values refused', () => {
    const o = batchEditOptionsSchema.parse({});
    expect(o).toMatchObject({ method: 'ef-ddpm', negativePrompt: '', residual: true, resize: { policy: 'fit' }, maps: true, attention: { edit: 'auto', crossReplace: 0.8, selfReplace: 0.4 } });
    expect(batchEditOptionsSchema.safeParse({ stpes: 3 }).success).toBe(false);
    expect(batchEditOptionsSchema.safeParse({ method: 'magic' }).success).toBe(false);
    expect(batchEditOptionsSchema.safeParse({ attention: { crossReplace: 2 } }).success).toBe(false);
    expect(batchEditOptionsSchema.safeParse({ prompt: 'x' }).success).toBe(false); // the prompt is the edit's, not an option
  });

  it('maps the batch keys onto Pipeline.invert options', () => {
    const o = batchEditOptionsSchema.parse({ method: 'bdia', steps: 7, sourceGuidance: 2, inversionGamma: 0.95, gamma: 0.9, guidance: 6, resize: { policy: 'crop', size: 64 } });
    expect(batchInvertOptions(o, 'a cat')).toEqual({ prompt: 'a cat', negativePrompt: '', method: 'bdia', steps: 7, guidance: 2, gamma: 0.95, resize: { policy: 'crop', size: 64 }, residual: true });
  });

  it('the job schema validates whole documents with these options', () => {
    const ok = batchJobSchema.safeParse({ version: 1, output: 'out', inputs: ['a.png'], defaults: { steps: 5 }, edits: [{ name: 'dog', prompt: 'a dog', guidance: 8 }] });
    expect(ok.success).toBe(true);
    const bad = batchJobSchema.safeParse({ version: 1, output: 'out', inputs: ['a.png'], edits: [{ name: 'dog', prompt: 'a dog', guidence: 8 }] });
    expect(bad.success).toBe(false);
  });

  it('edits must share the inversion options; the problem is reported where it is set', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.png'), 'x');
    const job = resolveJob(
      { version: 1, output: 'out', inputs: ['a.png'], defaults: { steps: 5 }, edits: [{ name: 'one', prompt: 'x' }, { name: 'two', prompt: 'y', steps: 6, guidance: 3 }, { name: 'three', prompt: 'z', method: 'ddim' }] },
      { dir, editOptions: batchEditOptionsSchema },
    );
    const problems = sharedInversionProblems(job.edits);
    expect(problems.map((p) => p.path)).toEqual(['edits[1].steps', 'edits[2].method']);
    expect(problems[0]?.message).toMatch(/edits\[0\] has 5, edits\[1\] has 6; set it once in defaults/);
    fs.writeFileSync(path.join(dir, 'job.json'), JSON.stringify({ version: 1, output: 'out', inputs: ['a.png'], edits: [{ name: 'one', prompt: 'x' }, { name: 'two', prompt: 'y', seed: 4 }] }));
    expect(() => loadBatchJob(path.join(dir, 'job.json'))).toThrow(JobFileError);
    expect(() => loadBatchJob(path.join(dir, 'job.json'))).toThrow(/edits\[1\]\.seed: seed is an inversion option.*has the default, edits\[1\] has 4/);
  });

  it('helpers: RGB view, pixel difference, PNG metadata', () => {
    const gray: RasterImage = { width: 2, height: 1, channels: 2, bitDepth: 16, data: Uint16Array.of(65535, 65535, 0, 0) };
    expect(Array.from(toRgb8(gray).data)).toEqual([255, 255, 255, 255, 255, 255]); // transparent → white
    const a = gradient(4, 3);
    const b = { ...a, data: a.data.slice() };
    (b.data as Uint8Array)[5] = ((a.data[5] as number) + 3) % 256;
    expect(maxPixelDifference(a, a)).toBe(0);
    expect(maxPixelDifference(a, b)).toBe(3);
    expect(maxPixelDifference(a, gradient(3, 4))).toBe(Infinity);
  });
});

describe('makeProcessItem with runBatch', async () => {
  const dir = tempDir();
  const model = writeRandomModel(path.join(dir, 'model'), { seed: 41 });
  const pipe = await Pipeline.load(model);
  fs.mkdirSync(path.join(dir, 'in'));
  await writeImage(path.join(dir, 'in', 'x.png'), gradient(24, 16));
  const job = resolveJob(
    { version: 1, output: 'out', prompt: 'a red star', defaults: { method: 'edict', steps: 3 }, inputs: ['in/x.png'], edits: [{ name: 'blue', prompt: 'a blue star' }, { name: 'circle', prompt: 'a red circle' }] },
    { dir, editOptions: batchEditOptionsSchema },
  );

  it('inverts once per input (shared by its edits) and reports source, reconstruction, edit and maps', async () => {
    const phases: string[] = [];
    const summary = await runBatch(job, { processItem: makeProcessItem({ pipe, version: '9.9.9', onStep: (item, p) => phases.push(`${item.edit.name}:${p.phase}`) }) });
    expect(summary).toMatchObject({ done: 2, failed: 0 });
    // the input is inverted (and reconstructed) once, by the first edit; both edits edit
    expect(phases.filter((p) => p === 'blue:invert').length).toBeGreaterThanOrEqual(3);
    expect(phases.filter((p) => p === 'circle:invert' || p === 'circle:reconstruct')).toEqual([]);
    expect(phases.filter((p) => p === 'circle:edit').length).toBeGreaterThanOrEqual(3);
    const manifest = JSON.parse(fs.readFileSync(summary.manifestPath, 'utf8')) as { items: Record<string, { report: Record<string, unknown> }> };
    expect(manifest.items['x/circle']?.report).toMatchObject({
      source: 'x/_source.png',
      reconstruction: 'x/_reconstruction.png',
      edit: 'x/circle.png',
      attention: [{ label: 'attention maps', path: 'x/circle.attn.png' }],
      notes: { method: 'edict', steps: 3, reconstruction: 'bit-identical' },
    });
    const meta = pngMetadata(loadInversion(path.join(job.output, 'x/_inversion.safetensors')), '9.9.9', { prompt: 'p' });
    expect(meta).toMatchObject({ prompt: 'p', 'source prompt': 'a red star', method: 'edict', steps: '3', reprise: '9.9.9' });
  });

  it('an abort during an item stops it at the next step and leaves it pending (not failed)', async () => {
    const controller = new AbortController();
    const summary = await runBatch(job, {
      resume: false,
      signal: controller.signal,
      processItem: makeProcessItem({ pipe, version: '9.9.9', onStep: (_item, p) => p.phase === 'invert' && p.step === 1 && controller.abort() }),
    });
    expect(summary).toMatchObject({ done: 0, failed: 0, pending: 2, aborted: true });
  });
});
