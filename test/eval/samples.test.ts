import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/editing/pipeline.js';
import { RepriseError } from '../../src/errors.js';
import {
  CAPTION_VARIANTS,
  JUDGE_DEFAULTS,
  PICTURE_FILES,
  buildReport,
  dilateUnion,
  judgeSample,
  largestComponent,
  markdownReport,
  parseSampleEvalOptions,
  pipelineGenerator,
  runSampleEval,
  summarize,
  verdictLabel,
  writeSamplePictures,
  type SampleRecord,
  type SampleVerdict,
} from '../../tools/eval/samples/index.js';
import { readImage } from '../../src/io/image/read-write.js';
import { ensureDefaultModel } from '../../tools/models/default-model.js';
import { randomScene } from '../../tools/scenes/random-scene.js';
import { renderScene } from '../../tools/scenes/render.js';
import type { SceneObject, SceneSpec } from '../../tools/scenes/spec.js';
import { repoRoot, tempDir } from '../helpers.js';

/** A two-object scene on a plain background, every object well inside its cell. */
const SCENE: SceneSpec = {
  objects: [
    { shape: 'circle', colour: 'red', size: 'medium', x: 1 / 6 + 0.02, y: 1 / 6 + 0.02 },
    { shape: 'triangle', colour: 'blue', size: 'large', x: 0.66, y: 0.7 },
  ],
  background: { colour: 'yellow', texture: 'plain' },
};

function withObject(spec: SceneSpec, k: number, change: Partial<SceneObject>): SceneSpec {
  return { ...spec, objects: spec.objects.map((o, i) => (i === k ? { ...o, ...change } : o)) };
}

/** Judges the render of `shown` against the scene `asked` (the caption's). */
function judgeRender(shown: SceneSpec, asked: SceneSpec, options: { positions?: boolean; sizes?: boolean } = {}): SampleVerdict {
  return judgeSample(renderScene(shown, 64).image, asked, options);
}

/** Each object's [colour, place, shape] flags. */
function flags(v: SampleVerdict): [boolean, boolean | null, boolean][] {
  return v.objects.map((o) => [o.colourCorrect, o.placeCorrect, o.shapeCorrect]);
}

describe('judgeSample on rendered scenes', () => {
  it('finds the rendered ground truth all correct, IoU ≈ 1, for 40 random held-out scenes (both variants)', () => {
    const ious: number[] = [];
    for (let seed = 1_000_000; seed < 1_000_040; seed++) {
      const spec = randomScene(seed);
      const truth = renderScene(spec, 64);
      const v = judgeSample(truth.image, spec, { truth });
      expect(v.allCorrect, `seed ${seed}: ${JSON.stringify(v)}`).toBe(true);
      expect(v.background.share).toBeGreaterThan(0.95);
      expect(v.psnr).toBe(Infinity);
      v.objects.forEach((o, k) => {
        expect(o.foundShape).toBe(o.shape);
        // The estimated centre is the object's own, to within a pixel.
        const obj = spec.objects[k]!;
        expect(Math.hypot(o.foundCentre!.x - obj.x, o.foundCentre!.y - obj.y) * 64).toBeLessThan(1);
        expect(o.iou).toBeGreaterThan(0.7);
        ious.push(o.iou);
      });
      const plain = judgeSample(truth.image, spec, { truth, positions: false, sizes: false });
      expect(plain.allCorrect).toBe(true);
      expect(plain.objects.every((o) => o.placeCorrect === null)).toBe(true);
    }
    expect(ious.reduce((s, x) => s + x, 0) / ious.length).toBeGreaterThan(0.95);
  });

  it('judges the hand-made scene all correct', () => {
    const v = judgeRender(SCENE, SCENE);
    expect(v.allCorrect).toBe(true);
    expect(flags(v)).toEqual([[true, true, true], [true, true, true]]);
  });

  it('flags only the place of an object moved to another cell, and not at all when positions are free', () => {
    const moved = withObject(SCENE, 0, { x: 5 / 6, y: 1 / 6 + 0.02 });
    const v = judgeRender(moved, SCENE);
    expect(v.background.correct).toBe(true);
    expect(flags(v)).toEqual([[true, false, true], [true, true, true]]);
    expect(v.objects[0]!.foundPosition).toBe('top right');
    expect(v.objects[0]!.iou).toBe(0);
    expect(v.allCorrect).toBe(false);
    expect(judgeRender(moved, SCENE, { positions: false }).allCorrect).toBe(true);
  });

  it('leaves objects drawn elsewhere out of the background test (place free: all correct)', () => {
    const left: SceneSpec = {
      objects: [
        { shape: 'circle', colour: 'red', size: 'large', x: 0.28, y: 0.28 },
        { shape: 'square', colour: 'blue', size: 'large', x: 0.28, y: 0.76 },
      ],
      background: { colour: 'green', texture: 'plain' },
    };
    const right = { ...left, objects: left.objects.map((o) => ({ ...o, x: 0.72 })) };
    const v = judgeRender(right, left, { positions: false, sizes: false });
    expect(v.background.share).toBeGreaterThan(0.95);
    expect(v.allCorrect).toBe(true);
    expect(flags(judgeRender(right, left))).toEqual([[true, false, true], [true, false, true]]);
  });

  it('flags only the shape of an object drawn in another shape', () => {
    const v = judgeRender(withObject(SCENE, 1, { shape: 'square' }), SCENE);
    expect(v.background.correct).toBe(true);
    expect(flags(v)).toEqual([[true, true, true], [true, true, false]]);
    expect(v.objects[1]!.foundShape).toBe('square');
    expect(v.allCorrect).toBe(false);
  });

  it('flags the colour of an object drawn in another colour (its place and shape cannot be judged) and nothing else', () => {
    const v = judgeRender(withObject(SCENE, 0, { colour: 'green' }), SCENE);
    expect(v.background.correct).toBe(true);
    expect(flags(v)).toEqual([[false, false, false], [true, true, true]]);
    expect(v.objects[0]!.area).toBe(0);
    expect(v.allCorrect).toBe(false);
  });

  it('flags only the background when it has another colour', () => {
    const v = judgeRender({ ...SCENE, background: { colour: 'white', texture: 'plain' } }, SCENE);
    expect(v.background).toMatchObject({ expected: 'yellow', found: 'white', correct: false });
    expect(flags(v)).toEqual([[true, true, true], [true, true, true]]);
    expect(v.allCorrect).toBe(false);
  });

  it('a much smaller object misses the colour coverage when the caption names its size, not when it does not', () => {
    const small = withObject(SCENE, 1, { size: 'small' });
    expect(judgeRender(small, SCENE).objects[1]!.colourCorrect).toBe(false);
    const plain = judgeRender(small, SCENE, { positions: false, sizes: false });
    expect(plain.objects[1]!.colourCorrect).toBe(true);
    expect(plain.allCorrect).toBe(true);
  });

  it('places a shape by its centre, not by its area centroid (a heart just below the top row)', () => {
    const heart: SceneSpec = { objects: [{ shape: 'heart', colour: 'red', size: 'large', x: 0.5, y: 0.35 }], background: { colour: 'white', texture: 'plain' } };
    const { image, masks } = renderScene(heart, 64);
    const c = largestComponent(masks[0]!, 64, 64)!;
    expect(c.y).toBeLessThan(1 / 3); // the centroid alone lies in the top row
    const v = judgeSample(image, heart);
    expect(v.objects[0]!.position).toBe('center');
    expect(v.objects[0]!.placeCorrect).toBe(true);
  });

  it("counts a textured background's shade as the background (black stripes shade nearest brown)", () => {
    const spec: SceneSpec = { objects: [{ shape: 'hexagon', colour: 'brown', size: 'large', x: 0.5, y: 0.5 }], background: { colour: 'black', texture: 'stripes' } };
    const v = judgeRender(spec, spec);
    expect(v.allCorrect).toBe(true);
    expect(v.objects[0]!.iou).toBeGreaterThan(0.9);
  });

  it('rejects images that are not square 8-bit RGB', () => {
    const img = { width: 64, height: 32, channels: 3 as const, bitDepth: 8 as const, data: new Uint8Array(64 * 32 * 3) };
    expect(() => judgeSample(img, SCENE)).toThrow(RepriseError);
    expect(() => judgeSample({ ...img, height: 64, channels: 1, data: new Uint8Array(64 * 64) }, SCENE)).toThrow(/8-bit RGB/);
  });
});

describe('masks', () => {
  it('largestComponent is 4-connected and reports the centroid as fractions', () => {
    // 4×4: a 3-pixel L at the top left, a diagonal neighbour that must not join it, and a 2-pixel bar.
    const m = Uint8Array.from([1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1]);
    const c = largestComponent(m, 4, 4)!;
    expect(c.area).toBe(3);
    expect([...c.mask]).toEqual([1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(c.x).toBeCloseTo((0.5 + 1.5 + 0.5) / 3 / 4);
    expect(c.y).toBeCloseTo((0.5 + 0.5 + 1.5) / 3 / 4);
    expect(largestComponent(new Uint8Array(16), 4, 4)).toBeUndefined();
  });

  it('dilateUnion grows every mask by a square window', () => {
    const a = new Uint8Array(25);
    a[12] = 1; // centre of 5×5
    expect([...dilateUnion([a], 5, 5, 1)].reduce((s, x) => s + x, 0)).toBe(9);
    const b = new Uint8Array(25);
    b[0] = 1;
    expect([...dilateUnion([a, b], 5, 5, 1)].reduce((s, x) => s + x, 0)).toBe(9 + 3);
  });
});

describe('summaries and reports', () => {
  function record(seed: number, variant: 'positions' | 'plain', shown: SceneSpec, asked: SceneSpec): SampleRecord {
    const truth = renderScene(asked, 64);
    const image = renderScene(shown, 64).image;
    const positions = variant === 'positions';
    const verdict = judgeSample(image, asked, { truth, positions, sizes: positions });
    return { seed, variant, caption: `caption ${seed}`, spec: asked, verdict, seconds: 0.5, image, truth: truth.image };
  }

  it('counts images and objects per criterion and variant', () => {
    const moved = withObject(SCENE, 0, { x: 5 / 6 });
    const reshaped = withObject(SCENE, 1, { shape: 'circle' });
    const records = [record(1, 'positions', SCENE, SCENE), record(1, 'plain', SCENE, SCENE), record(2, 'positions', moved, SCENE), record(2, 'plain', reshaped, SCENE)];
    const [pos, plain] = summarize(records);
    expect(pos).toMatchObject({ variant: 'positions', images: 2, objects: 4, background: { hits: 2, total: 2 }, colour: { hits: 4 }, place: { hits: 3, total: 4, rate: 0.75 }, shape: { hits: 4 }, allCorrect: { hits: 1, rate: 0.5 } });
    expect(pos!.meanIoU).toBeGreaterThan(0.6);
    expect(pos!.meanIoU).toBeLessThan(0.8); // one of four IoUs is 0
    expect(pos!.meanPsnr).toBeGreaterThan(50); // capped Infinity (100) and a finite value
    expect(pos!.meanPsnr).toBeLessThan(100);
    expect(pos!.secondsPerImage).toBe(0.5);
    expect(plain).toMatchObject({ variant: 'plain', place: null, meanIoU: null, shape: { hits: 3, total: 4 }, allCorrect: { hits: 1, total: 2 } });
    expect(verdictLabel(records[0]!.verdict)).toBe('ok');
    expect(verdictLabel(records[2]!.verdict)).toBe('✗ place');
    expect(verdictLabel(records[3]!.verdict)).toBe('✗ shape');

    const options = parseSampleEvalOptions({ n: 2, seed: 1 });
    const report = buildReport({ model: { path: 'm', defaultModel: false, loadSeconds: 0 }, options, records, totalSeconds: 2 });
    expect(report.samples).toHaveLength(4);
    expect(report.judge).toEqual(JUDGE_DEFAULTS);
    const md = markdownReport(report);
    expect(md).toContain('| sizes + positions | 2 | 4 | 100.0 % (2/2) | 100.0 % (4/4) | 75.0 % (3/4) | 100.0 % (4/4) | 50.0 % (1/2) |');
    expect(md).toMatch(/\| colours \+ shapes only \| 2 \| 4 \| 100\.0 % \(2\/2\) \| 100\.0 % \(4\/4\) \| — \| 75\.0 % \(3\/4\) \| 50\.0 % \(1\/2\) \| — \|/);
    expect(md).toContain('seeds 1–2');
  });

  it('validates options with flag names in the message', () => {
    expect(parseSampleEvalOptions({})).toEqual({ n: 100, seed: 1_000_000, steps: 30, guidance: 6, size: 64 });
    expect(parseSampleEvalOptions({ n: '3', guidance: '7.5' })).toMatchObject({ n: 3, guidance: 7.5 });
    expect(() => parseSampleEvalOptions({ steps: '0' })).toThrow(/--steps/);
    expect(() => parseSampleEvalOptions({ n: 'abc' })).toThrow(/--n/);
    expect(() => parseSampleEvalOptions({ guidance: 'x', seed: '-1' })).toThrow(/--guidance.*--seed|--seed.*--guidance/);
    expect(() => parseSampleEvalOptions({ colour: 'red' })).toThrow(RepriseError);
  });
});

describe('end to end on the embedded default model (random weights)', () => {
  let model: string;
  beforeAll(() => {
    model = ensureDefaultModel(path.join(tempDir('reprise-samples-'), 'default-model'));
  });

  it('generates, judges and reports one scene under both captions, and writes the pictures', async () => {
    const options = parseSampleEvalOptions({ n: 1, steps: 2 });
    const pipe = await Pipeline.load(model);
    const seen: number[] = [];
    const records = await runSampleEval(pipelineGenerator(pipe, options), options, CAPTION_VARIANTS, (p) => seen.push(p.done));
    expect(seen).toEqual([1, 2]);
    expect(records.map((r) => [r.seed, r.variant])).toEqual([[1_000_000, 'positions'], [1_000_000, 'plain']]);
    expect(records[0]!.caption).toBe(renderScene(randomScene(1_000_000), 64, { caption: { sizes: true, positions: true } }).caption);
    for (const r of records) expect([r.image.width, r.image.height, r.image.channels]).toEqual([64, 64, 3]);

    const report = JSON.parse(JSON.stringify(buildReport({ model: { path: model, defaultModel: true, loadSeconds: 0 }, options, records, totalSeconds: 1 }))) as ReturnType<typeof buildReport>;
    expect(report.variants.map((v) => v.variant)).toEqual(['positions', 'plain']);
    for (const v of report.variants) {
      expect(v.images).toBe(1);
      expect(v.objects).toBe(records[0]!.spec.objects.length);
      for (const r of [v.background, v.colour, v.shape, v.allCorrect]) expect(r.rate).toBeGreaterThanOrEqual(0), expect(r.rate).toBeLessThanOrEqual(1);
      expect(Number.isFinite(v.meanPsnr)).toBe(true);
      expect(v.secondsPerImage).toBeGreaterThan(0);
    }
    expect(report.variants[0]!.place).not.toBeNull();
    expect(Number.isFinite(report.variants[0]!.meanIoU)).toBe(true);
    expect(report.variants[1]!.place).toBeNull();
    expect(report.samples).toHaveLength(2);

    const dir = tempDir('reprise-samples-pictures-');
    const files = await writeSamplePictures(dir, records);
    expect(files.map((f) => path.basename(f))).toEqual([PICTURE_FILES.grid, PICTURE_FILES.captions]);
    const grid = await readImage(path.join(dir, PICTURE_FILES.grid));
    expect(grid.width).toBe(192 + 2 * 8); // one scene: one column
    expect(fs.readFileSync(path.join(dir, PICTURE_FILES.captions), 'utf8')).toContain(records[1]!.caption);
  });

  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'scripts/eval-samples.ts', ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env } });

  it('the CLI prints one JSON object and writes the Markdown table (default model from REPRISE_MODEL_DIR)', () => {
    const md = path.join(tempDir('reprise-samples-cli-'), 'table.md');
    const r = cli(['--n', '1', '--steps', '2', '--json', '--markdown', md], { REPRISE_MODEL_DIR: model });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as ReturnType<typeof buildReport>;
    expect(report.model).toMatchObject({ path: model, defaultModel: true });
    expect(report.options).toMatchObject({ n: 1, steps: 2, seed: 1_000_000, sampler: 'ddim' });
    expect(report.variants).toHaveLength(2);
    expect(fs.readFileSync(md, 'utf8')).toContain('| sizes + positions | 1 |');
  });

  it('the CLI exits 2 with a clear message on bad input', () => {
    for (const [args, pattern] of [
      [['--steps', '0'], /--steps/],
      [['--n', 'many'], /--n/],
      [['--guidance'], /--guidance/],
      [['--colour', 'red'], /colour/],
      [['--model', '/nonexistent/model'], /--model.*not a diffusers model folder/],
    ] as const) {
      const r = cli([...args]);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(pattern);
    }
  });
});
