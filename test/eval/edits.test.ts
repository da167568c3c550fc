import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/editing/pipeline.js';
import { EDIT_EVAL_USAGE, EditEvalUsageError, parseEditEvalArgs } from '../../tools/eval/edits/args.js';
import { buildEditCases, captionWord, changedWords, EDIT_KINDS, type EditCase } from '../../tools/eval/edits/cases.js';
import { dilateMask, discMask, erodeMask, maskArea } from '../../tools/scenes/masks.js';
import { editRegions, measureEdit } from '../../tools/eval/edits/measure.js';
import { hasErrors, PSNR_CAP_DB, reportJson, reportMarkdown, summarize } from '../../tools/eval/edits/report.js';
import { EVAL_METHODS, runEditEval, type EditEvalReport, type EditRow } from '../../tools/eval/edits/run.js';
import type { RasterImage } from '../../src/io/image/types.js';
import { ensureDefaultModel } from '../../tools/models/default-model.js';
import { COLOUR_NAMES, SHAPE_NAMES, detectShape, randomScene, renderScene, sceneCaption, type SceneSpec } from '../../tools/scenes/index.js';
import { repoRoot, tempDir } from '../helpers.js';

const SEEDS = Array.from({ length: 120 }, (_, i) => 1_000_000 + i);

function caseOf(cases: readonly EditCase[], kind: EditCase['kind']): EditCase {
  const c = cases.find((x) => x.kind === kind);
  if (!c) throw new Error(`no ${kind} case`);
  return c;
}

function withPixel(img: RasterImage, p: number, value: number): RasterImage {
  const data = Uint8Array.from(img.data);
  data[p * 3] = value;
  data[p * 3 + 1] = value;
  data[p * 3 + 2] = value;
  return { ...img, data };
}

describe('masks', () => {
  it('dilate and erode by a square window, clipped at the border', () => {
    const m = new Uint8Array(7 * 7);
    m[3 * 7 + 3] = 1;
    expect(maskArea(dilateMask(m, 7, 1))).toBe(9);
    expect(maskArea(dilateMask(m, 7, 2))).toBe(25);
    expect(maskArea(erodeMask(dilateMask(m, 7, 2), 7, 2))).toBe(1);
    const corner = new Uint8Array(7 * 7);
    corner[0] = 1;
    expect(maskArea(dilateMask(corner, 7, 1))).toBe(4);
    expect(maskArea(discMask(7, 7, 3.5, 3.5, 1))).toBe(5);
  });
});

describe('buildEditCases', () => {
  it('builds one case per edit type with renderable known answers', () => {
    for (const seed of SEEDS) {
      const spec = randomScene(seed);
      const cases = buildEditCases(spec, seed);
      expect(cases.map((c) => c.kind)).toEqual([...EDIT_KINDS]);
      const sceneColours = new Set<string>([spec.background.colour, ...spec.objects.map((o) => o.colour)]);
      const sceneShapes = new Set<string>(spec.objects.map((o) => o.shape));
      for (const c of cases) {
        expect(c.sourceCaption).toBe(sceneCaption(spec));
        expect(c.targetCaption).toBe(sceneCaption(c.target));
        expect(c.source).toEqual(spec);
      }
      const colour = caseOf(cases, 'colour');
      const k = colour.objectIndex as number;
      expect(colour.fromWord).toBe(spec.objects[k]?.colour);
      expect(sceneColours.has(colour.toWord)).toBe(false);
      expect(COLOUR_NAMES as readonly string[]).toContain(colour.toWord);
      expect(colour.target.objects[k]).toEqual({ ...spec.objects[k], colour: colour.toWord });
      const shape = caseOf(cases, 'shape');
      expect(shape.objectIndex).toBe(k);
      expect(sceneShapes.has(shape.toWord)).toBe(false);
      expect(SHAPE_NAMES as readonly string[]).toContain(shape.toWord);
      expect(shape.target.objects[k]).toEqual({ ...spec.objects[k], shape: shape.toWord });
      const bg = caseOf(cases, 'background');
      expect(bg.objectIndex).toBeUndefined();
      expect(sceneColours.has(bg.toWord)).toBe(false);
      expect(bg.target).toEqual({ ...spec, background: { ...spec.background, colour: bg.toWord } });
      const rw = caseOf(cases, 'reweight');
      expect(rw.target).toEqual(spec);
      expect(rw.targetCaption).toBe(rw.sourceCaption);
      expect(rw.attention.reweight).toEqual({ [captionWord(rw.sourceCaption, spec.objects[k]?.colour ?? '')]: 2 });
    }
  });

  it('changes exactly the edited word (and its article only when an orange word must go)', () => {
    let articleChanges = 0;
    for (const seed of SEEDS) {
      for (const c of buildEditCases(randomScene(seed), seed)) {
        const changed = changedWords(c.sourceCaption, c.targetCaption);
        const src = c.sourceCaption.split(' ');
        const tgt = c.targetCaption.split(' ');
        if (c.kind === 'reweight') {
          expect(changed).toEqual([]);
          continue;
        }
        const last = changed[changed.length - 1] as number;
        expect(src[last]).toBe(c.fromWord);
        expect(tgt[last]).toBe(c.toWord);
        if (changed.length === 2) {
          articleChanges++;
          expect(c.fromWord).toBe('orange');
          expect(changed[0]).toBe(last - 1);
          expect(new Set([src[last - 1], tgt[last - 1]])).toEqual(new Set(['a', 'an']));
        } else {
          expect(changed).toHaveLength(1);
        }
      }
    }
    // Orange sources are rare but present in 120 scenes; every other swap changes one word.
    expect(articleChanges).toBeGreaterThan(0);
    expect(articleChanges).toBeLessThan(SEEDS.length / 4);
  });

  it('gives the attention options a user would: replace, local blend on the edited words, a per-word window for shapes', () => {
    const seed = 1_000_003;
    const spec = randomScene(seed);
    const cases = buildEditCases(spec, seed);
    for (const c of cases) expect(c.attention.edit).toBe('replace');
    const colour = caseOf(cases, 'colour');
    const blend = colour.attention.localBlend as { words: string[]; threshold: number; start: number };
    expect(blend.words).toEqual(expect.arrayContaining([colour.fromWord, colour.toWord]));
    expect(blend.threshold).toBe(0.3);
    const shape = caseOf(cases, 'shape');
    expect(shape.attention.crossReplace).toEqual({ default: 0.8, words: { [shape.toWord]: 0.4 } });
    expect((shape.attention.localBlend as { words: string[] }).words).toContain(shape.toWord);
    const bg = caseOf(cases, 'background');
    const bgBlend = bg.attention.localBlend as { words: string[]; subtract: string[] };
    expect(bgBlend.words).toEqual(expect.arrayContaining([bg.fromWord, bg.toWord, 'background']));
    expect(bgBlend.subtract).toEqual(expect.arrayContaining(spec.objects.map((o) => o.colour)));
    expect(buildEditCases(spec, seed, { blend: false }).every((c) => c.attention.localBlend === undefined)).toBe(true);
    // Deterministic, and a case does not depend on which other kinds are built.
    expect(buildEditCases(spec, seed)).toEqual(cases);
    expect(buildEditCases(spec, seed, { kinds: ['background'] })).toEqual([bg]);
  });

  it('has the expected masks: colour and background keep every mask, a shape swap redraws the object', () => {
    for (const seed of SEEDS.slice(0, 16)) {
      const spec = randomScene(seed);
      const source = renderScene(spec);
      const cases = buildEditCases(spec, seed);
      for (const kind of ['colour', 'background', 'reweight'] as const) expect(renderScene(caseOf(cases, kind).target).masks).toEqual(source.masks);
      const shape = caseOf(cases, 'shape');
      const k = shape.objectIndex as number;
      const after = renderScene(shape.target).masks;
      expect(after[k]).not.toEqual(source.masks[k]);
      after.forEach((m, i) => {
        if (i > k) expect(m).toEqual(source.masks[i]); // objects drawn above the edited one keep their masks
      });
    }
  });
});

describe('measureEdit', () => {
  it('an edit equal to the expected render scores full marks', () => {
    let succeeded = 0;
    let total = 0;
    for (const seed of SEEDS.slice(0, 24)) {
      const spec = randomScene(seed);
      const source = renderScene(spec);
      for (const c of buildEditCases(spec, seed)) {
        const expected = renderScene(c.target);
        const m = measureEdit(c, source, expected, expected.image);
        total++;
        if (m.success) succeeded++;
        expect(m.preservedPsnr).toBe(Infinity);
        expect(m.preservedSsim).toBe(1);
        expect(m.expectedPsnr).toBe(Infinity);
        expect(m.iou).toBeGreaterThan(0.7);
        expect(m.preservedPixels).toBeGreaterThan(0);
      }
    }
    expect(succeeded / total).toBeGreaterThanOrEqual(0.97); // detectShape misses a rare small heart
  });

  it('on crisp renders the IoU of the expected render is exactly 1 and success is certain', () => {
    const spec: SceneSpec = {
      objects: [
        { shape: 'circle', colour: 'red', size: 'large', x: 0.3, y: 0.35 },
        { shape: 'square', colour: 'blue', size: 'medium', x: 0.72, y: 0.68 },
      ],
      background: { colour: 'yellow', texture: 'checker' },
    };
    const crisp = (s: SceneSpec) => renderScene(s, 64, { supersample: 1 });
    const source = crisp(spec);
    for (const c of buildEditCases(spec, 7)) {
      const expected = crisp(c.target);
      const m = measureEdit(c, source, expected, expected.image);
      expect(m.iou).toBe(1);
      expect(m.success).toBe(true);
      if (c.kind !== 'background') expect(m.detectedShape).toBe(c.target.objects[c.objectIndex as number]?.shape);
    }
  });

  it('an edit that changes nothing fails every swap, and the reweight (whose answer is "unchanged") succeeds', () => {
    const seed = 1_000_001;
    const spec = randomScene(seed);
    const source = renderScene(spec);
    for (const c of buildEditCases(spec, seed)) {
      const m = measureEdit(c, source, renderScene(c.target), source.image);
      expect(m.preservedPsnr).toBe(Infinity);
      expect(m.success).toBe(c.kind === 'reweight');
      if (c.kind === 'colour') {
        expect(m.iou).toBe(0);
        expect(m.detectedColour).toBe(c.fromWord);
      }
      if (c.kind === 'shape') expect(m.detectedShape).toBe(c.fromWord);
      if (c.kind === 'background') expect(m.detectedColour).toBe(c.fromWord);
    }
  });

  it('preserved PSNR sees changes in the preserved region only', () => {
    const seed = 1_000_002;
    const spec = randomScene(seed);
    const source = renderScene(spec);
    const cases = buildEditCases(spec, seed);
    for (const kind of ['colour', 'background'] as const) {
      const c = caseOf(cases, kind);
      const expected = renderScene(c.target);
      const regions = editRegions(c, source, expected);
      const inside = regions.preserved.indexOf(1);
      const outside = regions.preserved.indexOf(0);
      const changedImage = withPixel(expected.image, inside, 0);
      const hit = measureEdit(c, source, expected, changedImage);
      let sq = 0;
      for (let ch = 0; ch < 3; ch++) sq += (source.image.data[inside * 3 + ch] as number) ** 2;
      expect(hit.preservedPsnr).toBeCloseTo(10 * Math.log10((255 * 255) / (sq / (3 * maskArea(regions.preserved)))), 10);
      expect(hit.preservedSsim).toBeLessThan(1);
      const miss = measureEdit(c, source, expected, withPixel(expected.image, outside, 0));
      expect(miss.preservedPsnr).toBe(Infinity);
    }
    // Background change: the preserved region lies inside the objects (eroded), never on the background.
    const bg = editRegions(caseOf(cases, 'background'), source, renderScene(caseOf(cases, 'background').target));
    const objects = source.masks.reduce((u, m) => u.map((v, i) => v | (m[i] as number)), new Uint8Array(64 * 64));
    for (let p = 0; p < bg.preserved.length; p++) if (bg.preserved[p]) expect(objects[p]).toBe(1);
    expect(maskArea(bg.preserved)).toBeLessThan(maskArea(objects));
  });

  it('a shape swap is judged by the detected shape of the object-coloured pixels near the object', () => {
    const spec: SceneSpec = { objects: [{ shape: 'circle', colour: 'red', size: 'large', x: 0.5, y: 0.5 }], background: { colour: 'white', texture: 'plain' } };
    const c = caseOf(buildEditCases(spec, 11), 'shape');
    const expected = renderScene(c.target);
    expect(detectShape(expected.masks[0] as Uint8Array)).toBe(c.toWord);
    const m = measureEdit(c, renderScene(spec), expected, expected.image);
    expect(m.detectedShape).toBe(c.toWord);
    expect(m.success).toBe(true);
  });
});

describe('report', () => {
  const rows: EditRow[] = [
    { seed: 1, method: 'bdia', kind: 'colour', targetCaption: 't', seconds: 1, sourcePsnr: Infinity, measurement: { preservedPsnr: Infinity, preservedSsim: 1, preservedPixels: 10, success: true, detectedColour: 'red', iou: 1, expectedPsnr: 40 } },
    { seed: 2, method: 'bdia', kind: 'colour', targetCaption: 't', seconds: 3, sourcePsnr: 30, measurement: { preservedPsnr: 20, preservedSsim: 0.5, preservedPixels: 10, success: false, detectedColour: 'red', iou: 0.5, expectedPsnr: 20 } },
    { seed: 3, method: 'bdia', kind: 'colour', targetCaption: 't', seconds: 9, error: 'boom' },
  ];

  it('summarizes means with capped PSNR, identical counts and errors', () => {
    const { summary, methodSummary } = summarize(rows, [{ seed: 1, method: 'bdia', seconds: 2 }, { seed: 2, method: 'bdia', seconds: 4 }], ['bdia'], ['colour']);
    const r = summary.find((s) => s.method === 'bdia' && s.kind === 'colour');
    expect(r).toMatchObject({ cases: 3, errors: 1, measured: 2, successes: 1, successRate: 0.5, iouMean: 0.75, preservedIdentical: 1, preservedSsimMean: 0.75, expectedPsnrMean: 30, secondsMean: 2 });
    expect(r?.preservedPsnrMean).toBe((PSNR_CAP_DB + 20) / 2);
    expect(summary.find((s) => s.method === 'expected')?.cases).toBe(0);
    expect(methodSummary).toEqual([
      { method: 'bdia', inversions: 2, inversionErrors: 0, invertSecondsMean: 3, sourcePsnrMean: (PSNR_CAP_DB + 30) / 2, sourceIdentical: 1, sourceMeasured: 2, editSecondsMean: 2 },
    ]);
    expect(hasErrors({ summary, methodSummary })).toBe(true);
  });
});

describe('parseEditEvalArgs', () => {
  it('has the documented defaults', () => {
    const a = parseEditEvalArgs([]);
    expect(a).toMatchObject({ scenes: 4, seed: 1_000_000, size: 64, methods: EVAL_METHODS, kinds: EDIT_KINDS, blend: { threshold: 0.3, start: 0.2 }, reweight: 2, margin: 2, json: false, pictureScenes: 2 });
    expect(a.steps).toBeUndefined();
    expect(a.model).toBeUndefined();
    const b = parseEditEvalArgs(['--scenes', '2', '--steps', '10', '--methods', 'bdia,ddim', '--edits', 'shape', '--no-blend', '--json', '--pictures', 'p']);
    expect(b).toMatchObject({ scenes: 2, steps: 10, methods: ['bdia', 'ddim'], kinds: ['shape'], blend: false, json: true, pictures: 'p' });
  });

  it('rejects bad input with a message naming the flag', () => {
    const bad: [string[], RegExp][] = [
      [['--scenes', '0'], /--scenes must be at least 1/],
      [['--steps', 'x'], /--steps must be a whole number/],
      [['--methods', 'ddim,foo'], /--methods.*unknown value "foo"/],
      [['--blend-threshold', '2'], /--blend-threshold must be at most 1/],
      [['--bogus'], /bogus/],
      [['extra'], /extra/],
    ];
    for (const [argv, re] of bad) {
      expect(() => parseEditEvalArgs(argv)).toThrow(EditEvalUsageError);
      expect(() => parseEditEvalArgs(argv)).toThrow(re);
    }
  });

  it('the script exits 2 with the message and usage on bad input', () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'scripts/eval-edits.ts', '--scenes', 'many'], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--scenes must be a whole number');
    expect(r.stderr).toContain(EDIT_EVAL_USAGE.split('\n')[0]);
    expect(r.stdout).toBe('');
  });
});

describe('runEditEval on the random default model', () => {
  let report: EditEvalReport;
  let pictures: string;

  beforeAll(async () => {
    const pipe = await Pipeline.load(ensureDefaultModel(path.join(tempDir('reprise-eval-edits-'), 'default-model')));
    pictures = tempDir('reprise-eval-edits-pictures-');
    report = await runEditEval(pipe, { scenes: 1, steps: 2, modelSize: 64, pictures: { dir: pictures, scenes: 1 }, modelLabel: 'default' });
  });

  it('reports every method × edit type with counts, finite timings and sane metrics', () => {
    expect(report.seeds).toEqual([1_000_000]);
    expect(report.steps).toEqual({ requested: 2, used: 2 });
    expect(report.summary).toHaveLength((1 + EVAL_METHODS.length) * EDIT_KINDS.length);
    expect(report.results).toHaveLength((1 + EVAL_METHODS.length) * EDIT_KINDS.length);
    expect(report.inversions.map((i) => i.method)).toEqual([...EVAL_METHODS]);
    expect(hasErrors(report)).toBe(false);
    for (const r of report.summary) {
      expect(r).toMatchObject({ cases: 1, errors: 0, measured: 1 });
      expect(r.iouMean).toBeGreaterThanOrEqual(0);
      expect(r.iouMean).toBeLessThanOrEqual(1);
      expect(r.preservedPsnrMean).toBeGreaterThan(0);
      expect(r.preservedPsnrMean).toBeLessThanOrEqual(PSNR_CAP_DB);
      expect(r.preservedSsimMean).toBeGreaterThan(-1);
      expect(r.preservedSsimMean).toBeLessThanOrEqual(1);
      expect(Number.isFinite(r.expectedPsnrMean)).toBe(true);
      if (r.method === 'expected') expect(r.successes).toBe(1);
      else expect(r.secondsMean).toBeGreaterThan(0);
    }
    for (const m of report.methodSummary) {
      expect(m.invertSecondsMean).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(m.sourcePsnrMean)).toBe(true);
      expect(m.sourcePsnrMean).toBeGreaterThan(0);
      // The exact methods' source branch regenerates the input bit for bit, even under attention control.
      if (['ef-ddpm', 'bdia', 'edict', 'ddcm'].includes(m.method)) expect(m.sourceIdentical).toBe(m.sourceMeasured);
    }
  });

  it('renders Markdown and JSON that keeps non-finite numbers', () => {
    const md = reportMarkdown(report);
    expect(md).toContain('| method | edit | success |');
    for (const method of EVAL_METHODS) expect(md).toContain(`| ${method} | colour swap |`);
    const json = JSON.parse(reportJson(report)) as { summary: unknown[]; methodSummary: { method: string; sourcePsnrMean: unknown }[]; results: { measurement?: { preservedPsnr: unknown } }[] };
    expect(json.summary).toHaveLength(report.summary.length);
    const expectedRow = json.results[0];
    expect(expectedRow?.measurement?.preservedPsnr).toBe('Infinity');
  });

  it('writes the pictures under stable names', () => {
    const names = fs.readdirSync(pictures).sort();
    expect(names).toContain('scene-1000000-source.png');
    for (const kind of EDIT_KINDS) {
      expect(names).toContain(`scene-1000000-${kind}-expected.png`);
      expect(names).toContain(`scene-1000000-${kind}-grid.png`);
      for (const method of EVAL_METHODS) expect(names).toContain(`scene-1000000-${kind}-${method}.png`);
    }
    for (const method of EVAL_METHODS) expect(names).toContain(`scene-1000000-maps-${method}.png`);
    expect(report.pictures.map((p) => path.basename(p)).sort()).toEqual(names);
  });
});
