/**
 * Pictures for the docs: the first scenes' rendered ground truth above their generations, one
 * row per caption variant, with each generation's verdict under it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { imageGrid } from '../../../src/io/image/heatmap.js';
import { writeImage } from '../../../src/io/image/read-write.js';
import type { RasterImage } from '../../../src/io/image/types.js';
import type { SampleVerdict } from './judge.js';
import { VARIANT_LABELS } from './report.js';
import { CAPTION_VARIANTS, type SampleRecord } from './run.js';

/** File names written by {@link writeSamplePictures} (stable, so docs can link them). */
export const PICTURE_FILES = { grid: 'samples.png', captions: 'samples.md' } as const;

/** Default number of scenes shown. */
export const PICTURE_SCENES = 6;

function blank(like: RasterImage): RasterImage {
  return { width: like.width, height: like.height, channels: 3, bitDepth: 8, data: new Uint8Array(like.width * like.height * 3).fill(255) };
}

/** The criteria an image failed, short ("ok" when none). */
export function verdictLabel(v: SampleVerdict): string {
  const wrong = [
    v.background.correct ? undefined : 'bg',
    v.objects.some((o) => !o.colourCorrect) ? 'colour' : undefined,
    v.objects.some((o) => o.placeCorrect === false) ? 'place' : undefined,
    v.objects.some((o) => !o.shapeCorrect) ? 'shape' : undefined,
  ].filter((w) => w !== undefined);
  return wrong.length === 0 ? 'ok' : `✗ ${wrong.join(' ')}`;
}

/**
 * Writes `samples.png` (row 1: rendered scenes; then one row of generations per variant, each
 * labelled with the criteria it failed) and `samples.md` (the captions and verdicts) into `dir`
 * for the first `scenes` scenes of `records`. Returns the paths written.
 */
export async function writeSamplePictures(dir: string, records: readonly SampleRecord[], scenes = PICTURE_SCENES): Promise<string[]> {
  const seeds = [...new Set(records.map((r) => r.seed))].slice(0, scenes);
  if (seeds.length === 0) return [];
  const variants = CAPTION_VARIANTS.filter((v) => records.some((r) => r.variant === v));
  const find = (seed: number, variant: string): SampleRecord | undefined => records.find((r) => r.seed === seed && r.variant === variant);
  const images: RasterImage[] = [];
  const labels: string[] = [];
  for (const seed of seeds) {
    const r = records.find((x) => x.seed === seed) as SampleRecord;
    images.push(r.truth);
    labels.push(`truth ${seed}`);
  }
  const md = ['# Sample pictures', '', `Row 1: rendered scenes. ${variants.map((v, i) => `Row ${i + 2}: generated from the caption with ${VARIANT_LABELS[v]}`).join('. ')}.`, ''];
  for (const variant of variants) {
    md.push(`## ${VARIANT_LABELS[variant]}`, '', '| seed | caption | verdict |', '| --- | --- | --- |');
    for (const seed of seeds) {
      const r = find(seed, variant);
      if (r === undefined) {
        images.push(blank(images[0] as RasterImage));
        labels.push('');
        continue;
      }
      images.push(r.image);
      labels.push(verdictLabel(r.verdict));
      md.push(`| ${seed} | ${r.caption} | ${verdictLabel(r.verdict)} |`);
    }
    md.push('');
  }
  fs.mkdirSync(dir, { recursive: true });
  const grid = await imageGrid(images, { columns: seeds.length, labels, cellSize: 192 });
  const gridFile = path.join(dir, PICTURE_FILES.grid);
  const mdFile = path.join(dir, PICTURE_FILES.captions);
  await writeImage(gridFile, grid);
  fs.writeFileSync(mdFile, md.join('\n'));
  return [gridFile, mdFile];
}
