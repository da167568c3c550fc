/**
 * The sample-quality loop: random scenes → captions (two variants) → one generated image per
 * caption → a verdict per image ({@link judgeSample}).
 */
import type { Pipeline } from '../../../src/editing/pipeline.js';
import type { RasterImage } from '../../../src/io/image/types.js';
import { randomScene } from '../../scenes/random-scene.js';
import { renderScene } from '../../scenes/render.js';
import { sceneCaption, type CaptionOptions, type SceneSpec } from '../../scenes/spec.js';
import { judgeSample, type SampleVerdict } from './judge.js';
import type { SampleEvalOptions } from './options.js';

/** The caption variants: sizes and positions named (place judged), or colours and shapes only (place free). */
export const CAPTION_VARIANTS = ['positions', 'plain'] as const;

/** A caption variant. */
export type CaptionVariant = (typeof CAPTION_VARIANTS)[number];

/** What each variant's caption mentions. */
export const VARIANT_CAPTION_OPTIONS: Readonly<Record<CaptionVariant, CaptionOptions>> = {
  positions: { sizes: true, positions: true },
  plain: {},
};

/** Generates one `size × size` 8-bit RGB image for a caption from a seed. */
export type SampleGenerator = (caption: string, seed: number) => Promise<RasterImage>;

/** A generator over {@link Pipeline.generate} (DDIM, seeded). */
export function pipelineGenerator(pipe: Pipeline, options: Pick<SampleEvalOptions, 'steps' | 'guidance' | 'size'>): SampleGenerator {
  return async (caption, seed) => {
    const { image } = await pipe.generate(caption, { seed, steps: options.steps, guidance: options.guidance, method: 'ddim', width: options.size, height: options.size });
    return image;
  };
}

/** One generated image and its verdict. */
export interface SampleRecord {
  /** Scene seed (also the generation seed). */
  readonly seed: number;
  readonly variant: CaptionVariant;
  readonly caption: string;
  readonly spec: SceneSpec;
  readonly verdict: SampleVerdict;
  /** Seconds the generation took. */
  readonly seconds: number;
  readonly image: RasterImage;
  /** The rendered scene. */
  readonly truth: RasterImage;
}

/** Progress after each image. */
export interface SampleProgress {
  readonly done: number;
  readonly total: number;
  readonly record: SampleRecord;
}

/**
 * Generates and judges `options.n` scenes (seeds `options.seed`, `+1`, …) under each variant
 * (default both). Scene and noise seeds are shared between the variants, so they differ only in
 * the caption.
 */
export async function runSampleEval(
  generate: SampleGenerator,
  options: Pick<SampleEvalOptions, 'n' | 'seed' | 'size'>,
  variants: readonly CaptionVariant[] = CAPTION_VARIANTS,
  onProgress?: (p: SampleProgress) => void,
): Promise<SampleRecord[]> {
  const records: SampleRecord[] = [];
  const total = options.n * variants.length;
  for (let i = 0; i < options.n; i++) {
    const seed = options.seed + i;
    const spec = randomScene(seed);
    const truth = renderScene(spec, options.size);
    for (const variant of variants) {
      const caption = sceneCaption(spec, VARIANT_CAPTION_OPTIONS[variant]);
      const t0 = performance.now();
      const image = await generate(caption, seed);
      const seconds = (performance.now() - t0) / 1000;
      const verdict = judgeSample(image, spec, { truth, positions: variant === 'positions', sizes: variant === 'positions' });
      const record = { seed, variant, caption, spec, verdict, seconds, image, truth: truth.image };
      records.push(record);
      onProgress?.({ done: records.length, total, record });
    }
  }
  return records;
}
