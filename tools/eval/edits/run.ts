/**
 * The edit-quality benchmark loop: render scenes, invert each with every method through
 * `Pipeline.invert`, apply every edit case through `Pipeline.edit`, and measure each result
 * against its known answer. A failing inversion or edit is recorded and the loop goes on.
 */
import type { Pipeline } from '../../../src/editing/pipeline.js';
import { inversionMethods } from '../../../src/inversion/registry.js';
import type { InversionMethod } from '../../../src/inversion/types.js';
import type { Inversion } from '../../../src/inversion/record.js';
import { psnr } from '../../scenes/metrics.js';
import { randomScene } from '../../scenes/random-scene.js';
import { renderScene } from '../../scenes/render.js';
import type { SceneSpec } from '../../scenes/spec.js';
import { buildEditCases, EDIT_KINDS, DEFAULT_BLEND, type BlendSettings, type EditKind } from './cases.js';
import { measureEdit, type EditMeasurement } from './measure.js';
import { writeScenePictures, type MethodPictures } from './pictures.js';
import { summarize, type MethodSummary, type SummaryRow } from './report.js';

/** The inversion methods compared: every registered method, in registry order with the inexact baselines first. */
export const EVAL_METHODS: readonly InversionMethod[] = [...inversionMethods().filter((s) => !s.exact), ...inversionMethods().filter((s) => s.exact)].map((s) => s.name as InversionMethod);

/** First scene seed: the training set uses seeds below 1,000,000 (scripts/render-dataset.ts). */
export const DEFAULT_FIRST_SEED = 1_000_000;

/** Options of {@link runEditEval}. */
export interface EditEvalOptions {
  /** Number of scenes (seeds `seed`, `seed + 1`, …). */
  readonly scenes: number;
  /** First scene seed (default {@link DEFAULT_FIRST_SEED}). */
  readonly seed?: number;
  /** Sampling steps of every inversion (default: the pipeline's, 50 or 8 for LCM models). */
  readonly steps?: number;
  /** Scene side in pixels (default 64). */
  readonly size?: number;
  /** `resize.size` of `Pipeline.invert` (default: the model's native size, as for any input). */
  readonly modelSize?: number;
  readonly methods?: readonly InversionMethod[];
  readonly kinds?: readonly EditKind[];
  /** Local blend of the cases (default {@link DEFAULT_BLEND}); `false` disables it. */
  readonly blend?: BlendSettings | false;
  /** Classifier-free guidance of every edit (default: the pipeline's, per method). */
  readonly guidance?: number;
  /** Weight of the reweight edit (default 2). */
  readonly reweight?: number;
  /** Edge band of the measurements in pixels (default 2). */
  readonly margin?: number;
  /** Write pictures of the first `scenes` scenes into `dir`. */
  readonly pictures?: { readonly dir: string; readonly scenes: number };
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
  /** Model folder as given by the user, for the report. */
  readonly modelLabel?: string;
  /**
   * Run one untimed 1-step inversion and edit first (default true), so that building the
   * controlled UNet graph and first-call session set-up are not counted in the first edit's time.
   */
  readonly warmup?: boolean;
}

/** One scene and its cases. */
export interface SceneRow {
  readonly seed: number;
  readonly caption: string;
  readonly spec: SceneSpec;
  readonly cases: readonly { readonly kind: EditKind; readonly targetCaption: string; readonly objectIndex?: number; readonly fromWord: string; readonly toWord: string }[];
}

/** One inversion. */
export interface InversionRow {
  readonly seed: number;
  readonly method: InversionMethod;
  /** Wall time of `Pipeline.invert`. */
  readonly seconds?: number;
  readonly error?: string;
}

/** Method name of the rows that measure the expected render itself: the ceiling of the metrics. */
export const EXPECTED_METHOD = 'expected';

/** One edit of one scene by one method (or the expected render, method {@link EXPECTED_METHOD}). */
export interface EditRow {
  readonly seed: number;
  readonly method: InversionMethod | typeof EXPECTED_METHOD;
  readonly kind: EditKind;
  readonly targetCaption: string;
  /** Wall time of `Pipeline.edit`. */
  readonly seconds?: number;
  /** PSNR of the edit's source branch (`EditResult.source`) against the input: the controlled reconstruction. */
  readonly sourcePsnr?: number;
  readonly measurement?: EditMeasurement;
  readonly error?: string;
}

/** The benchmark's full result. */
export interface EditEvalReport {
  readonly model: string;
  readonly modelId: string;
  /** Steps requested (`null`: the pipeline default) and used (from the first record; `null` when every inversion failed). */
  readonly steps: { readonly requested: number | null; readonly used: number | null };
  readonly size: number;
  readonly modelSize: number | null;
  readonly seeds: readonly number[];
  readonly methods: readonly InversionMethod[];
  readonly kinds: readonly EditKind[];
  readonly blend: BlendSettings | null;
  readonly reweight: number;
  readonly margin: number;
  readonly scenes: readonly SceneRow[];
  readonly inversions: readonly InversionRow[];
  readonly results: readonly EditRow[];
  readonly summary: readonly SummaryRow[];
  readonly methodSummary: readonly MethodSummary[];
  readonly pictures: readonly string[];
  /** Wall time of the untimed warm-up (`null`: none, or it failed). */
  readonly warmupSeconds: number | null;
  readonly totalSeconds: number;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const seconds = (t0: number): number => Math.round(performance.now() - t0) / 1000;

/** Runs the benchmark on a loaded pipeline. */
export async function runEditEval(pipe: Pipeline, options: EditEvalOptions): Promise<EditEvalReport> {
  const start = performance.now();
  const first = options.seed ?? DEFAULT_FIRST_SEED;
  const size = options.size ?? 64;
  const methods = options.methods ?? EVAL_METHODS;
  const kinds = options.kinds ?? EDIT_KINDS;
  const blend = options.blend ?? DEFAULT_BLEND;
  const reweight = options.reweight ?? 2;
  const margin = options.margin ?? 2;
  const log = options.log ?? (() => undefined);
  const seeds = Array.from({ length: options.scenes }, (_, i) => first + i);
  const scenes: SceneRow[] = [];
  const inversions: InversionRow[] = [];
  const results: EditRow[] = [];
  const pictures: string[] = [];
  let stepsUsed: number | null = null;
  let warmupSeconds: number | null = null;
  const resize = options.modelSize !== undefined ? { resize: { size: options.modelSize } } : {};

  if (options.warmup !== false && seeds.length > 0) {
    const t0 = performance.now();
    const spec = randomScene(first, { size });
    const source = renderScene(spec, size);
    const [c] = buildEditCases(spec, first, { blend, reweight, kinds });
    try {
      const inv = await pipe.invert(source.image, { prompt: source.caption, method: 'ddim', steps: 1, ...resize });
      if (c) await pipe.edit(inv, { prompt: c.targetCaption, attention: c.attention, ...(options.guidance !== undefined ? { guidance: options.guidance } : {}) });
      warmupSeconds = seconds(t0);
      log(`warm-up (1-step inversion and edit, not counted) ${seconds(t0).toFixed(2)} s`);
    } catch (e) {
      log(`warm-up failed (the timings include the set-up): ${message(e)}`);
    }
  }

  for (const [si, seed] of seeds.entries()) {
    const spec = randomScene(seed, { size });
    const source = renderScene(spec, size);
    const cases = buildEditCases(spec, seed, { blend, reweight, kinds });
    const expected = cases.map((c) => renderScene(c.target, size));
    scenes.push({
      seed,
      caption: source.caption,
      spec,
      cases: cases.map((c) => ({ kind: c.kind, targetCaption: c.targetCaption, ...(c.objectIndex !== undefined ? { objectIndex: c.objectIndex } : {}), fromWord: c.fromWord, toWord: c.toWord })),
    });
    log(`scene ${si + 1}/${seeds.length} (seed ${seed}): "${source.caption}"`);
    cases.forEach((c, i) => {
      const exp = expected[i] as (typeof expected)[number];
      results.push({ seed, method: EXPECTED_METHOD, kind: c.kind, targetCaption: c.targetCaption, measurement: measureEdit(c, source, exp, exp.image, { margin }) });
    });
    const withPictures = options.pictures !== undefined && si < options.pictures.scenes;
    const methodPictures: MethodPictures[] = [];

    for (const method of methods) {
      let inv: Inversion;
      const t0 = performance.now();
      try {
        inv = await pipe.invert(source.image, {
          prompt: source.caption,
          method,
          ...(options.steps !== undefined ? { steps: options.steps } : {}),
          ...resize,
        });
      } catch (e) {
        inversions.push({ seed, method, error: message(e) });
        for (const c of cases) results.push({ seed, method, kind: c.kind, targetCaption: c.targetCaption, error: `inversion failed: ${message(e)}` });
        log(`  ${method}: inversion failed: ${message(e)}`);
        continue;
      }
      const invertSeconds = seconds(t0);
      stepsUsed ??= inv.schedule.steps;
      inversions.push({ seed, method, seconds: invertSeconds });
      const edits = new Map<EditKind, Awaited<ReturnType<Pipeline['edit']>>>();
      const times: string[] = [];
      for (const [i, c] of cases.entries()) {
        const t1 = performance.now();
        try {
          const r = await pipe.edit(inv, { prompt: c.targetCaption, attention: c.attention, ...(options.guidance !== undefined ? { guidance: options.guidance } : {}) });
          const editSeconds = seconds(t1);
          const edited = r.images[0];
          if (edited === undefined) throw new Error('the edit returned no image');
          const exp = expected[i] as (typeof expected)[number];
          results.push({
            seed, method, kind: c.kind, targetCaption: c.targetCaption, seconds: editSeconds,
            sourcePsnr: psnr(source.image, r.source),
            measurement: measureEdit(c, source, exp, edited, { margin }),
          });
          times.push(`${c.kind} ${editSeconds.toFixed(2)} s`);
          if (withPictures) edits.set(c.kind, r);
        } catch (e) {
          results.push({ seed, method, kind: c.kind, targetCaption: c.targetCaption, seconds: seconds(t1), error: message(e) });
          times.push(`${c.kind} failed: ${message(e)}`);
        }
      }
      log(`  ${method}: invert ${invertSeconds.toFixed(2)} s; ${times.join(', ')}`);
      if (withPictures) {
        let maps: Awaited<ReturnType<Pipeline['attentionMaps']>> | undefined;
        try {
          maps = await pipe.attentionMaps(inv);
        } catch (e) {
          log(`  ${method}: attention maps failed: ${message(e)}`);
        }
        methodPictures.push({ method, edits, ...(maps ? { maps } : {}) });
      }
    }
    if (withPictures && options.pictures) {
      const files = await writeScenePictures(options.pictures.dir, pipe.model.tokenizer, {
        seed,
        source: source.image,
        cases: cases.map((c, i) => ({ edit: c, expected: (expected[i] as (typeof expected)[number]).image })),
        methods: methodPictures,
      });
      pictures.push(...files);
      log(`  pictures: ${files.length} files in ${options.pictures.dir}`);
    }
  }
  const { summary, methodSummary } = summarize(results, inversions, methods, kinds);
  return {
    model: options.modelLabel ?? pipe.model.folder,
    modelId: pipe.modelId(),
    steps: { requested: options.steps ?? null, used: stepsUsed },
    size,
    modelSize: options.modelSize ?? null,
    seeds,
    methods,
    kinds,
    blend: blend === false ? null : blend,
    reweight,
    margin,
    scenes,
    inversions,
    results,
    summary,
    methodSummary,
    pictures,
    warmupSeconds,
    totalSeconds: seconds(start),
  };
}
