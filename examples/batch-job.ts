/**
 * A batch job from a job file (`examples/job.yaml`: the bundled picture × three edits), run with
 * the SDK's batch runner and a `processItem` written here on the public `Pipeline`: the job is
 * validated in full before any work, each input is inverted once and the inversion is shared by
 * its edits, every reconstruction is checked bit for bit, outputs are written atomically inside
 * the output folder, and `report.html` shows the results. The job is then run a second time to
 * show resuming: every item is skipped.
 *
 *   npx tsx examples/batch-job.ts [--out DIR] [--model DIR]
 *
 * The edit options accepted here ({@link jobOptionsSchema}) are a subset of those of
 * `reprise batch`, with the same meaning, so the same job file runs with the CLI:
 * inversion options `method`, `steps`, the method's own options (`seed`, `eta`, `gamma`... as
 * `Pipeline.invert`), `sourceGuidance` (the inversion's guidance) and `inversionGamma` (BDIA's
 * γ) — the same for every edit — and edit
 * options `guidance`, `attention` and `gamma` (BDIA's γ while editing).
 *
 * Throws when an item fails or when the second run redoes work.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  attentionMapName,
  editOptionsSchema,
  getImageBackend,
  invertOptionsSchema,
  loadJobFile,
  readImage,
  runBatch,
  tokenHeatmaps,
  type BatchSummary,
  type Inversion,
  type InvertOptions,
  type ProcessItem,
  type RasterImage,
} from '../src/index.js';
import { compareImages, loadPipeline, runIfMain, type ExampleOptions } from './common.js';

/**
 * Options of one edit in the job file (after merging over `defaults`): the inversion options of
 * `Pipeline.invert` (every registered method's options included, so a new method needs nothing
 * here) with the inversion's guidance and γ renamed, and the edit options.
 */
export const jobOptionsSchema = invertOptionsSchema
  .omit({ prompt: true, negativePrompt: true, guidance: true, gamma: true, resize: true, residual: true })
  .extend({
    /** Guidance of the inversion (the source prompt); default as `Pipeline.invert`. */
    sourceGuidance: invertOptionsSchema.shape.guidance,
    /** BDIA γ of the inversion. */
    inversionGamma: invertOptionsSchema.shape.gamma,
    /** Guidance of the edit (the target prompt); default as `Pipeline.edit`. */
    guidance: editOptionsSchema.shape.guidance,
    attention: editOptionsSchema.shape.attention,
    /** BDIA γ while editing. */
    gamma: editOptionsSchema.shape.gamma,
  });
export type JobOptions = z.output<typeof jobOptionsSchema>;

/** The bundled job file. */
export const JOB_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'job.yaml');

export interface BatchJobResult {
  readonly first: BatchSummary<JobOptions>;
  readonly second: BatchSummary<JobOptions>;
}

async function png(image: RasterImage): Promise<Uint8Array> {
  return (await getImageBackend()).encode(image, { format: 'png' });
}

export async function main(options: ExampleOptions & { readonly jobFile?: string }): Promise<BatchJobResult> {
  const log = options.log ?? console.log;
  const pipe = await loadPipeline(options.model);
  // Validates the whole file (structure, globs, every edit's merged options) before any work.
  const job = loadJobFile(options.jobFile ?? JOB_FILE, jobOptionsSchema, { output: options.out });
  log(`job: ${job.inputs.length} input(s) × ${job.edits.length} edit(s) = ${job.items.length} items → ${job.output}`);

  // Each input is inverted once, so every edit must use the same inversion options.
  const invertOf = (o: JobOptions, prompt: string): InvertOptions => {
    const { sourceGuidance, inversionGamma, guidance: _edit, attention: _attention, gamma: _editGamma, ...inversion } = o;
    const given = Object.entries({ ...inversion, guidance: sourceGuidance, gamma: inversionGamma }).filter(([, v]) => v !== undefined);
    return { prompt, ...Object.fromEntries(given) } as InvertOptions;
  };
  const shared = JSON.stringify(invertOf((job.edits[0] as (typeof job.edits)[number]).options, ''));
  const differing = job.edits.filter((e) => JSON.stringify(invertOf(e.options, '')) !== shared).map((e) => e.name);
  if (differing.length > 0) throw new Error(`edits ${differing.join(', ')} change inversion options; set them once in defaults (each input is inverted once)`);

  const processItem: ProcessItem<JobOptions> = async (item, ctx) => {
    const o = item.edit.options;
    const invertOptions = invertOf(o, item.input.sourcePrompt ?? '');
    const image = await ctx.shared('image', async () => {
      const img = await readImage(item.input.path);
      await ctx.write(`${item.names.source}.png`, await png(img));
      return img;
    });
    // One inversion per input, shared by its edits (whichever runs first computes it).
    const inverted = await ctx.shared('inversion', async (): Promise<{ inv: Inversion; reconstruction: string }> => {
      const inv = await pipe.invert(image, invertOptions);
      const { image: back } = await pipe.reconstruct(inv);
      const c = compareImages(back, image);
      if (!c.identical) throw new Error(`${o.method} reconstruction is not bit-identical (${c.differing} of ${c.samples} samples differ)`);
      const reconstruction = `${item.names.reconstruction}.png`;
      await ctx.write(reconstruction, await png(back));
      return { inv, reconstruction };
    });
    const t0 = performance.now();
    const r = await pipe.edit(inverted.inv, {
      prompt: item.edit.prompt,
      attention: o.attention,
      ...(o.guidance !== undefined ? { guidance: o.guidance } : {}),
      ...(o.gamma !== undefined ? { gamma: o.gamma } : {}),
    });
    const edited = r.images[0] as RasterImage;
    const editFile = `${item.names.edit}.png`;
    await ctx.write(editFile, await png(edited));
    // Attention maps of the words the edit introduces, over the edited image.
    const sourceWords = new Set((item.input.sourcePrompt ?? '').split(' '));
    const attention: { label: string; path: string }[] = [];
    if (r.attention) {
      const heatmaps = tokenHeatmaps(pipe.model.tokenizer, item.edit.prompt, r.attention.maps[1] as Float32Array, r.attention.size, edited);
      for (const h of heatmaps.filter((t) => !sourceWords.has(t.token))) {
        const file = `${attentionMapName(item.names, h.token)}.png`;
        await ctx.write(file, await png(h.overlay));
        attention.push({ label: h.token, path: file });
      }
    }
    return {
      report: {
        source: `${item.names.source}.png`,
        reconstruction: inverted.reconstruction,
        edit: editFile,
        attention,
        notes: { method: o.method, steps: inverted.inv.schedule.steps, reconstruction: 'bit-identical', 'edit seconds': Math.round(performance.now() - t0) / 1000 },
      },
    };
  };

  const fingerprint = { model: pipe.modelId() };
  const first = await runBatch(job, {
    processItem,
    fingerprint,
    onProgress: (e) => {
      if (e.type === 'item-finished' && e.outcome.status !== 'skipped') {
        log(`  [${e.completed}/${e.total}] ${e.outcome.item.id}: ${e.outcome.status}${e.outcome.status === 'failed' ? ` (${e.outcome.error.message})` : ''}`);
      }
    },
  });
  log(`first run: ${first.done} done, ${first.skipped} skipped, ${first.failed} failed in ${(first.durationMs / 1000).toFixed(1)} s; report: ${first.reportPath ?? '(none)'}`);
  if (first.failed > 0) {
    const errors = first.items.flatMap((i) => (i.status === 'failed' ? [`${i.item.id}: ${i.error.message}`] : []));
    throw new Error(`${first.failed} item(s) failed:\n  ${errors.join('\n  ')}`);
  }
  // Resuming: the manifest records finished items; unchanged ones are skipped.
  const second = await runBatch(job, { processItem, fingerprint });
  log(`second run (resume): ${second.done} done, ${second.skipped} skipped`);
  if (second.skipped !== job.items.length) throw new Error(`the second run redid ${second.done + second.failed} item(s) instead of skipping them`);
  return { first, second };
}

runIfMain(import.meta.url, main);
