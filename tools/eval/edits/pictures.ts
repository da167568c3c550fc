/**
 * Pictures of the edit-quality benchmark for the docs, with stable names (`<seed>` is the scene
 * seed, `<kind>` an edit type, `<method>` an inversion method):
 *
 * - `scene-<seed>-source.png` — the rendered source scene;
 * - `scene-<seed>-<kind>-expected.png` — the known answer, `renderScene(target)`;
 * - `scene-<seed>-<kind>-<method>.png` — the edit;
 * - `scene-<seed>-maps-<method>.png` — `Pipeline.attentionMaps` of the source prompt (every token);
 * - `scene-<seed>-<kind>-grid.png` — one labelled grid per edit type: first row the source and each
 *   method's edit; second row the expected render and the edited source word's cross-attention
 *   (source branch, from `attentionMaps`) over each method's regenerated source; third row the new
 *   word's cross-attention in the edit's target branch over each edit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AttentionMapsResult, EditResult } from '../../../src/editing/pipeline.js';
import { createRaster } from '../../../src/io/image/raster.js';
import { heatmapOverlay, imageGrid } from '../../../src/io/image/heatmap.js';
import { writeImage } from '../../../src/io/image/read-write.js';
import type { RasterImage } from '../../../src/io/image/types.js';
import type { ClipTokenizer } from '../../../src/tokenizer/index.js';
import { captionWord, type EditCase, type EditKind } from './cases.js';

/** One method's material for the pictures of a scene. */
export interface MethodPictures {
  readonly method: string;
  /** `Pipeline.attentionMaps` of the inversion (undefined when it failed). */
  readonly maps?: AttentionMapsResult;
  /** Per edit type: the edited image and the edit's attention. */
  readonly edits: ReadonlyMap<EditKind, Pick<EditResult, 'images' | 'attention'>>;
}

/** Everything the pictures of one scene are drawn from. */
export interface ScenePictures {
  readonly seed: number;
  readonly source: RasterImage;
  readonly cases: readonly { readonly edit: EditCase; readonly expected: RasterImage }[];
  readonly methods: readonly MethodPictures[];
}

/** Side of a grid cell in pixels. */
const CELL = 128;

/** Mean of the maps of `indices` out of per-query token rows `[h·w·tokens]`. */
function wordMap(maps: Float32Array, cells: number, indices: readonly number[]): Float32Array {
  const tokens = maps.length / cells;
  const out = new Float32Array(cells);
  if (indices.length === 0) return out;
  for (let q = 0; q < cells; q++) {
    let s = 0;
    for (const j of indices) s += maps[q * tokens + j] ?? 0;
    out[q] = s / indices.length;
  }
  return out;
}

/** The heatmap of `word` (as written in `prompt`) from a branch's maps, over `image`; undefined when the word has no tokens. */
export function wordOverlay(tokenizer: ClipTokenizer, prompt: string, word: string, maps: Float32Array, size: readonly [number, number], image: RasterImage): RasterImage | undefined {
  const indices = tokenizer.wordTokenIndices(prompt, captionWord(prompt, word));
  if (indices.length === 0) return undefined;
  const [h, w] = size;
  return heatmapOverlay(image, wordMap(maps, h * w, indices), w, h);
}

/** The source word's map from `attentionMaps` (its tokens' maps averaged) over the regenerated source. */
function sourceWordOverlay(tokenizer: ClipTokenizer, c: EditCase, maps: AttentionMapsResult): RasterImage | undefined {
  const indices = new Set(tokenizer.wordTokenIndices(c.sourceCaption, captionWord(c.sourceCaption, c.fromWord)));
  const chosen = maps.tokens.filter((t) => indices.has(t.index));
  if (chosen.length === 0) return undefined;
  const [h, w] = maps.size;
  const sum = new Float32Array(h * w);
  for (const t of chosen) for (let q = 0; q < sum.length; q++) sum[q] = (sum[q] as number) + (t.map[q] ?? 0);
  return heatmapOverlay(maps.image, sum, w, h);
}

function blank(like: RasterImage): RasterImage {
  const r = createRaster(like.width, like.height, 3, 8);
  r.data.fill(255);
  return r;
}

/** Writes the pictures of one scene into `dir` (created if missing); returns the files written. */
export async function writeScenePictures(dir: string, tokenizer: ClipTokenizer, scene: ScenePictures): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const put = async (name: string, img: RasterImage): Promise<void> => {
    const file = path.join(dir, name);
    await writeImage(file, img);
    written.push(file);
  };
  const prefix = `scene-${scene.seed}`;
  await put(`${prefix}-source.png`, scene.source);
  for (const m of scene.methods) if (m.maps) await put(`${prefix}-maps-${m.method}.png`, m.maps.grid);
  for (const { edit: c, expected } of scene.cases) {
    await put(`${prefix}-${c.kind}-expected.png`, expected);
    const row1: RasterImage[] = [scene.source];
    const row2: RasterImage[] = [expected];
    const row3: RasterImage[] = [blank(scene.source)];
    const labels1 = ['source'];
    const labels2 = ['expected'];
    const labels3 = [''];
    for (const m of scene.methods) {
      const r = m.edits.get(c.kind);
      const edited = r?.images[0];
      if (edited) await put(`${prefix}-${c.kind}-${m.method}.png`, edited);
      row1.push(edited ?? blank(scene.source));
      labels1.push(edited ? m.method : `${m.method}: failed`);
      const src = m.maps ? sourceWordOverlay(tokenizer, c, m.maps) : undefined;
      row2.push(src ?? blank(scene.source));
      labels2.push(src ? `map "${c.fromWord}"` : '');
      const att = r?.attention;
      const tgt = edited && att?.maps[1] ? wordOverlay(tokenizer, c.targetCaption, c.toWord, att.maps[1], att.size, edited) : undefined;
      row3.push(tgt ?? blank(scene.source));
      labels3.push(tgt ? `map "${c.toWord}"` : '');
    }
    const grid = await imageGrid([...row1, ...row2, ...row3], { columns: row1.length, labels: [...labels1, ...labels2, ...labels3], cellSize: CELL });
    await put(`${prefix}-${c.kind}-grid.png`, grid);
  }
  return written;
}
