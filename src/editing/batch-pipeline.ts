/**
 * Batch editing with the {@link Pipeline}: the job-file option schema built from the pipeline's
 * own option schemas, and the `processItem` that `runBatch` calls for every input × edit.
 *
 * Per input (computed once through `ctx.shared`, whichever of its edits runs first):
 * `<key>/_source.png` (the input as read), `<key>/_inversion.safetensors` (the inversion record,
 * reusable with `reprise edit`), `<key>/_reconstruction.png` (regenerated from the record:
 * bit-identical to the input with the residual). Per item: `<key>/<edit>.png` (the edit, PNG text
 * metadata: prompt, source prompt, method, seed, steps, reprise version) and, unless `maps: false`,
 * `<key>/<edit>.attn.png` (the target prompt's cross-attention maps over the edited image).
 *
 * Job-file edit options (merged over `defaults`, validated by {@link batchEditOptionsSchema}):
 *
 * | key | meaning |
 * | --- | --- |
 * | `method`, `steps`, `resize`, `residual`, and every registered method's options (`eta`, `seed`, ... as `Pipeline.invert`) | inversion options |
 * | `negativePrompt` | negative prompt of the source branch (inversion; edits inherit it) |
 * | `sourceGuidance` | guidance of the inversion (`Pipeline.invert`'s `guidance`) |
 * | `inversionGamma` | BDIA γ of the inversion (`Pipeline.invert`'s `gamma`) |
 * | `guidance`, `attention`, `gamma` | edit options (as `Pipeline.edit`: target guidance, attention control, BDIA γ while editing) |
 * | `scheduler`, `karras` | solver of the target branches (as `Pipeline.edit`; a registry name, with `method: ddim` or `negative-prompt` only) |
 * | `maps` | write the attention-map grid (default true) |
 *
 * Each input is inverted once, so the inversion options must be the same for every edit of a
 * job: set them in `defaults` ({@link loadBatchJob} reports an edit that changes one).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { heatmapGrid, tokenHeatmaps } from '../attention/heatmaps.js';
import { getImageBackend } from '../io/image/backend.js';
import { flattenAlpha, toBitDepth8 } from '../io/image/raster.js';
import { readImage } from '../io/image/read-write.js';
import type { RasterImage } from '../io/image/types.js';
import { saveInversion, type Inversion } from '../inversion/record.js';
import { getInversionMethod, inversionMethods } from '../inversion/registry.js';
import { canonicalJson } from './batch/hash.js';
import { JobFileError, loadJobFile, readJobDocument, type BatchItem, type BatchJob, type JobOverrides } from './batch/job-file.js';
import { editOverrides, formatProblemPath, isPlainObject, makeJobSchema, mergeEditOptions, sortProblems, type JobProblem, type JobSchema } from './batch/job-schema.js';
import type { ItemContext, ProcessItem } from './batch/runner.js';
import { methodOptionFields } from '../inversion/options.js';
import { editOptionsSchema, invertOptionsSchema, METHOD_OPTION_KEYS, type InvertOptions } from './options.js';
import { ownRuleMessage } from './target-scheduler.js';
import type { Pipeline, Progress } from './pipeline.js';

const inv = invertOptionsSchema.shape;
const { gamma: _inversionGamma, ...jobMethodFields } = methodOptionFields();
/** The method option keys of a job edit (every registered one but `gamma`, which is `inversionGamma` there). */
const JOB_METHOD_KEYS = METHOD_OPTION_KEYS.filter((k) => k !== 'gamma');
const ed = editOptionsSchema.shape;

/** Options of one batch edit (everything but `name` and `prompt`), from the pipeline's schemas. */
export const batchEditOptionsSchema = z.strictObject({
  method: inv.method,
  steps: inv.steps,
  resize: inv.resize,
  residual: inv.residual,
  // The method options of the registry; the inversion's γ is `inversionGamma` (`gamma` is the edit's).
  ...jobMethodFields,
  negativePrompt: inv.negativePrompt,
  sourceGuidance: inv.guidance,
  inversionGamma: inv.gamma,
  guidance: ed.guidance,
  attention: ed.attention,
  gamma: ed.gamma,
  scheduler: ed.scheduler,
  karras: ed.karras,
  /** Write `<edit>.attn.png` (default true). */
  maps: z.boolean().default(true),
}).superRefine((o, ctx) => {
  // The scheduler drives the target branches of DDIM-family inversions only (target-scheduler.ts).
  const own = o.scheduler === undefined ? undefined : ownRuleMessage(o.scheduler, o.method);
  if (own !== undefined) ctx.addIssue({ code: 'custom', path: ['scheduler'], message: `${own}; use method ddim or negative-prompt` });
  if (o.karras === true && o.scheduler === undefined) ctx.addIssue({ code: 'custom', path: ['karras'], message: 'karras needs a scheduler' });
  // A method option the method does not take is refused when the job is validated (Pipeline.invert would refuse it per item).
  const takes = new Set(Object.keys(getInversionMethod(o.method).options.shape));
  for (const option of METHOD_OPTION_KEYS) {
    // The inversion's γ is `inversionGamma` in a job (`gamma` is the edit's sampling γ).
    const key = option === 'gamma' ? 'inversionGamma' : option;
    if ((o as Record<string, unknown>)[key] === undefined || takes.has(option)) continue;
    const others = inversionMethods().filter((m) => option in m.options.shape).map((m) => m.name);
    ctx.addIssue({ code: 'custom', path: [key], message: `${key} applies to method ${others.join(' or ')}, not ${o.method}; remove it or change the method` });
  }
});

/** Parsed options of one batch edit. */
export type BatchEditOptions = z.output<typeof batchEditOptionsSchema>;

/** The job-file schema of batch editing (structure + {@link batchEditOptionsSchema} per edit). */
export const batchJobSchema: JobSchema<BatchEditOptions> = makeJobSchema(batchEditOptionsSchema);

/** Keys of {@link BatchEditOptions} that configure the (shared, once per input) inversion. */
export const INVERSION_KEYS = ['method', 'steps', 'resize', 'residual', ...JOB_METHOD_KEYS, 'negativePrompt', 'sourceGuidance', 'inversionGamma'] as readonly (keyof BatchEditOptions)[];

/** The `Pipeline.invert` options of a batch edit, for an input with source prompt `prompt`. */
export function batchInvertOptions(o: BatchEditOptions, prompt: string): InvertOptions {
  return {
    prompt,
    negativePrompt: o.negativePrompt,
    method: o.method,
    resize: o.resize,
    residual: o.residual,
    ...(o.steps !== undefined ? { steps: o.steps } : {}),
    ...Object.fromEntries(JOB_METHOD_KEYS.filter((k) => (o as Record<string, unknown>)[k] !== undefined).map((k) => [k, (o as Record<string, unknown>)[k]])),
    ...(o.sourceGuidance !== undefined ? { guidance: o.sourceGuidance } : {}),
    ...(o.inversionGamma !== undefined ? { gamma: o.inversionGamma } : {}),
  };
}

/** One edit as compared by {@link sharedInversionProblems}. */
export interface EditInversionView {
  readonly index: number;
  /** The edit's own keys (as written). */
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly options: BatchEditOptions;
}

/** Problems where an edit's inversion options differ from the first edit's (each input is inverted once). */
export function sharedInversionProblems(edits: readonly EditInversionView[]): JobProblem[] {
  const [first, ...rest] = edits;
  if (first === undefined) return [];
  const problems: JobProblem[] = [];
  for (const edit of rest) {
    for (const key of INVERSION_KEYS) {
      const a = canonicalJson(first.options[key]);
      const b = canonicalJson(edit.options[key]);
      if (a === b) continue;
      const owner = Object.prototype.hasOwnProperty.call(edit.overrides, key) ? edit.index : first.index;
      problems.push({
        path: formatProblemPath(['edits', owner, key]),
        message: `${key} is an inversion option, shared by every edit (each input is inverted once): edits[${first.index}] has ${first.options[key] === undefined ? 'the default' : a}, edits[${edit.index}] has ${edit.options[key] === undefined ? 'the default' : b}; set it once in defaults`,
      });
    }
  }
  return problems;
}

/** The edits of a raw job document whose merged options are valid on their own (for the shared-inversion check). */
function validRawEdits(doc: unknown): EditInversionView[] {
  if (!isPlainObject(doc) || !Array.isArray(doc['edits'])) return [];
  const defaults = isPlainObject(doc['defaults']) ? doc['defaults'] : {};
  const out: EditInversionView[] = [];
  for (const [index, entry] of (doc['edits'] as unknown[]).entries()) {
    if (!isPlainObject(entry)) continue;
    const overrides = editOverrides(entry);
    const parsed = batchEditOptionsSchema.safeParse(mergeEditOptions(defaults, overrides));
    if (parsed.success) out.push({ index, overrides, options: parsed.data });
  }
  return out;
}

/**
 * Loads a job file for batch editing: `loadJobFile` with {@link batchEditOptionsSchema}, plus the
 * check that every edit shares the inversion options. Every problem is reported at once.
 *
 * @throws JobFileError (code `CONFIG_INVALID`) listing every problem; nothing has run.
 */
export function loadBatchJob(file: string, overrides?: JobOverrides): BatchJob<BatchEditOptions> {
  let job: BatchJob<BatchEditOptions>;
  try {
    job = loadJobFile(file, batchEditOptionsSchema, overrides);
  } catch (e) {
    if (!(e instanceof JobFileError)) throw e;
    let extra: JobProblem[] = [];
    try {
      extra = sharedInversionProblems(validRawEdits(readJobDocument(path.resolve(file))));
    } catch {
      // The document itself is unreadable: e already says so.
    }
    if (extra.length === 0) throw e;
    throw new JobFileError(e.file, sortProblems([...e.problems, ...extra]));
  }
  const problems = sharedInversionProblems(job.edits);
  if (problems.length > 0) throw new JobFileError(job.file ?? file, sortProblems(problems));
  return job;
}

/** 8-bit RGB view of any raster (alpha composited on white, gray replicated). */
export function toRgb8(img: RasterImage): RasterImage {
  const flat = flattenAlpha(toBitDepth8(img));
  if (flat.channels === 3) return flat;
  const n = flat.width * flat.height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = flat.data[i] ?? 0;
  return { width: flat.width, height: flat.height, channels: 3, bitDepth: 8, data };
}

/** A labelled grid of `image` and the cross-attention heatmap of every token of `prompt` (one branch's maps [h·w·77]). */
export function attentionGrid(pipe: Pipeline, prompt: string, maps: Float32Array, size: readonly [number, number], image: RasterImage): Promise<RasterImage> {
  const rgb = toRgb8(image);
  return heatmapGrid(rgb, tokenHeatmaps(pipe.model.tokenizer, prompt, maps, size, rgb));
}

/** PNG text metadata of an image made from a record: prompt, method, seed, steps, reprise version. */
export function pngMetadata(record: Inversion, version: string, extra: { readonly prompt?: string; readonly guidance?: number } = {}): Record<string, string> {
  const o = record.options as { seed?: number };
  const out: Record<string, string> = {
    prompt: extra.prompt ?? record.prompts.source,
    ...(extra.prompt !== undefined ? { 'source prompt': record.prompts.source } : {}),
    ...(record.prompts.negative ? { 'negative prompt': record.prompts.negative } : {}),
    method: record.method,
    steps: String(record.schedule.steps),
    ...(o.seed !== undefined ? { seed: String(o.seed) } : {}),
    ...(extra.guidance !== undefined ? { guidance: String(extra.guidance) } : {}),
    reprise: version,
    Software: `reprise ${version}`,
  };
  return out;
}

/** Encodes an image as PNG bytes, with text chunks. */
export async function encodePng(img: RasterImage, text?: Readonly<Record<string, string>>): Promise<Uint8Array> {
  return (await getImageBackend()).encode(img, text ? { format: 'png', pngText: text } : { format: 'png' });
}

/** The bytes of a saved inversion record (saved through a private temporary file). */
export function inversionBytes(record: Inversion): Uint8Array {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-record-'));
  try {
    const file = path.join(dir, 'record.safetensors');
    saveInversion(file, record);
    return fs.readFileSync(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Largest per-sample difference between two rasters of the same layout (Infinity when layouts differ). */
export function maxPixelDifference(a: RasterImage, b: RasterImage): number {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels || a.bitDepth !== b.bitDepth) return Infinity;
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs((a.data[i] as number) - (b.data[i] as number));
    if (d > m) m = d;
  }
  return m;
}

/** Options of {@link makeProcessItem}. */
export interface BatchPipelineOptions {
  readonly pipe: Pipeline;
  /** Written into the PNG metadata. */
  readonly version: string;
  /** Step progress of an item's pipeline calls (invert, reconstruct, edit). */
  readonly onStep?: ((item: BatchItem<BatchEditOptions>, progress: Progress) => void) | undefined;
}

/** What one input shares between its edits. */
interface SharedSource {
  readonly inversion: Inversion;
  readonly reconstructionDiff: number;
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('the batch was interrupted');
}

/**
 * The `processItem` of batch editing: inverts each input once (shared by its edits), writes the
 * source, record and reconstruction, then the item's edit and its attention maps, and returns the
 * item's report entries. Stops between sampling steps when `ctx.signal` aborts.
 */
export function makeProcessItem(options: BatchPipelineOptions): ProcessItem<BatchEditOptions> {
  const { pipe, version } = options;
  return async (item, ctx) => {
    const t0 = performance.now();
    const o = item.edit.options;
    const n = item.names;
    const onProgress = (p: Progress): void => {
      if (ctx.signal.aborted) throw abortError(ctx.signal);
      options.onStep?.(item, p);
    };
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    const source = await ctx.shared('source', () => invertInput(pipe, version, item, ctx, onProgress));
    const r = await pipe.edit(source.inversion, {
      prompt: item.edit.prompt,
      attention: o.attention,
      ...(o.guidance !== undefined ? { guidance: o.guidance } : {}),
      ...(o.gamma !== undefined ? { gamma: o.gamma } : {}),
      ...(o.scheduler !== undefined ? { scheduler: o.scheduler } : {}),
      ...(o.karras !== undefined ? { karras: o.karras } : {}),
      onProgress,
    });
    const edited = r.images[0] as RasterImage;
    await ctx.write(`${n.edit}.png`, await encodePng(edited, pngMetadata(source.inversion, version, { prompt: item.edit.prompt, ...(o.guidance !== undefined ? { guidance: o.guidance } : {}) })));
    const attention: { label: string; path: string }[] = [];
    if (o.maps && r.attention) {
      const grid = await attentionGrid(pipe, item.edit.prompt, r.attention.maps[1] as Float32Array, r.attention.size, edited);
      await ctx.write(`${n.edit}.attn.png`, await encodePng(grid));
      attention.push({ label: 'attention maps', path: `${n.edit}.attn.png` });
    }
    const d = source.reconstructionDiff;
    return {
      report: {
        source: `${n.source}.png`,
        reconstruction: `${n.reconstruction}.png`,
        edit: `${n.edit}.png`,
        ...(attention.length > 0 ? { attention } : {}),
        notes: {
          method: source.inversion.method,
          steps: source.inversion.schedule.steps,
          reconstruction: d === 0 ? 'bit-identical' : Number.isFinite(d) ? `max |Δ| ${d}` : 'different layout',
          seconds: +((performance.now() - t0) / 1000).toFixed(2),
        },
      },
    };
  };
}

async function invertInput(pipe: Pipeline, version: string, item: BatchItem<BatchEditOptions>, ctx: ItemContext, onProgress: (p: Progress) => void): Promise<SharedSource> {
  const n = item.names;
  const image = await readImage(item.input.path);
  await ctx.write(`${n.source}.png`, await encodePng(image));
  const inversion = await pipe.invert(image, { ...batchInvertOptions(item.edit.options, item.input.sourcePrompt ?? ''), onProgress });
  await ctx.write(`${n.folder}/_inversion.safetensors`, inversionBytes(inversion));
  const { image: back } = await pipe.reconstruct(inversion, { onProgress });
  await ctx.write(`${n.reconstruction}.png`, await encodePng(back, pngMetadata(inversion, version)));
  return { inversion, reconstructionDiff: maxPixelDifference(image, back) };
}
