/**
 * Small helpers shared by the examples: options, loading the pipeline on the embedded default
 * model, comparing images sample by sample, and running an example as a script.
 *
 * Everything else the examples use comes from the public entry point `src/index.ts`. The one
 * exception is `bundledModelDir` (src/models/bundled-model.ts), the path of the embedded default
 * model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { bundledModelDir } from '../src/models/bundled-model.js';
import { Pipeline, writeImage, type RasterImage } from '../src/index.js';

/** What every example's `main()` accepts. */
export interface ExampleOptions {
  /** Output folder (created if missing). */
  readonly out: string;
  /** A diffusers model folder; default: the embedded default model (random weights). */
  readonly model?: string;
  /** Where progress lines go (default console.log); pass `() => {}` to silence. */
  readonly log?: (line: string) => void;
}

/** How two images compare, sample by sample. */
export interface ImageComparison {
  readonly identical: boolean;
  /** Samples (pixel × channel) that differ. */
  readonly differing: number;
  readonly samples: number;
  /** Largest absolute difference of one sample. */
  readonly maxDiff: number;
}

/** Compares two rasters sample by sample (sizes and layouts must match to be identical). */
export function compareImages(a: RasterImage, b: RasterImage): ImageComparison {
  const samples = a.data.length;
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels || a.bitDepth !== b.bitDepth || a.data.length !== b.data.length) {
    return { identical: false, differing: samples, samples, maxDiff: Number.POSITIVE_INFINITY };
  }
  let differing = 0;
  let maxDiff = 0;
  for (let i = 0; i < samples; i++) {
    const d = Math.abs((a.data[i] as number) - (b.data[i] as number));
    if (d !== 0) {
      differing++;
      if (d > maxDiff) maxDiff = d;
    }
  }
  return { identical: differing === 0, differing, samples, maxDiff };
}

/** "bit-identical" or "N of M samples differ (max K)". */
export function describeComparison(c: ImageComparison): string {
  return c.identical ? `bit-identical (${c.samples} of ${c.samples} samples)` : `NOT identical: ${c.differing} of ${c.samples} samples differ (max ${c.maxDiff})`;
}

/**
 * Compares an edit with its input on the pixels of latent cells outside the edit mask and not
 * next to it (the mask reaches pixels with a soft, upsampled edge): those must be the input's
 * own, bit for bit. `mask` is the latent-size mask of the edit's branch, `h`×`w` its size.
 */
export function checkOutsideMask(edited: RasterImage, input: RasterImage, mask: Float32Array, h: number, w: number): { checked: number; differing: number } {
  const outside = (ly: number, lx: number): boolean => mask[Math.min(h - 1, Math.max(0, ly)) * w + Math.min(w - 1, Math.max(0, lx))] === 0;
  let checked = 0;
  let differing = 0;
  for (let y = 0; y < edited.height; y++) {
    for (let x = 0; x < edited.width; x++) {
      const ly = Math.min(h - 1, Math.floor((y * h) / edited.height));
      const lx = Math.min(w - 1, Math.floor((x * w) / edited.width));
      // Skip the mask's own cells and their 8 neighbours: the mask is upsampled with a soft
      // (bilinear) edge, which reaches one latent cell further, diagonals included, when the
      // picture is resampled to the model's size and back.
      let skip = false;
      for (let dy = -1; dy <= 1 && !skip; dy++) for (let dx = -1; dx <= 1 && !skip; dx++) skip = !outside(ly + dy, lx + dx);
      if (skip) continue;
      checked++;
      for (let c = 0; c < edited.channels; c++) {
        const i = (y * edited.width + x) * edited.channels + c;
        if (edited.data[i] !== input.data[i]) {
          differing++;
          break;
        }
      }
    }
  }
  return { checked, differing };
}

/** Loads a model folder, or the embedded default model (generated on first use). */
export async function loadPipeline(model?: string): Promise<Pipeline> {
  return Pipeline.load(model ?? bundledModelDir());
}

/** Writes a PNG into `dir` and returns its path. */
export async function savePng(dir: string, name: string, image: RasterImage): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  return (await writeImage(path.join(dir, name), image)).path;
}

/** Seconds since `t0` (performance.now()), rounded to 0.01. */
export function secondsSince(t0: number): number {
  return Math.round((performance.now() - t0) / 10) / 100;
}

/**
 * Runs `main` when the module is executed directly (`npx tsx examples/<name>.ts [--out DIR]
 * [--model DIR]`); output goes to `examples-output/<name>` by default.
 */
export function runIfMain(metaUrl: string, main: (o: ExampleOptions) => Promise<unknown>): void {
  const file = fileURLToPath(metaUrl);
  if (process.argv[1] === undefined || path.resolve(process.argv[1]) !== file) return;
  const { values } = parseArgs({ options: { out: { type: 'string' }, model: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  const name = path.basename(file, path.extname(file));
  if (values.help) {
    console.log(`Usage: npx tsx examples/${name}.ts [--out DIR] [--model DIR]\n  --out    output folder (default examples-output/${name})\n  --model  diffusers model folder (default: the embedded default model)`);
    return;
  }
  const out = values.out ?? path.join('examples-output', name);
  main({ out, ...(values.model !== undefined ? { model: values.model } : {}) }).then(
    () => console.log(`${name}: OK (outputs in ${out})`),
    (e: unknown) => {
      console.error(`${name}: FAILED: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
