import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { heatmapGrid, tokenHeatmaps } from '../../src/attention/heatmaps.js';
import type { RasterImage } from '../../src/io/image/types.js';
import { readImage, writeImage } from '../../src/io/image/index.js';
import { ClipTokenizer, buildWordVocab } from '../../src/tokenizer/index.js';
import { tempDir } from '../helpers.js';

describe('attention heatmaps', () => {
  const { vocab, merges } = buildWordVocab(['a', 'red', 'cat']);
  const tok = ClipTokenizer.fromFiles({ vocab, merges });
  const image: RasterImage = { width: 32, height: 32, channels: 3, bitDepth: 8, data: new Uint8Array(32 * 32 * 3).fill(128) };

  it('one overlay per prompt token, whose hottest region is where that token attends', async () => {
    const res = 4;
    const T = 77;
    const maps = new Float32Array(res * res * T).fill(0.001);
    maps[(0 * res + 0) * T + 2] = 1; // "red" attends to the top-left cell
    maps[(3 * res + 3) * T + 3] = 1; // "cat" attends to the bottom-right cell
    const hm = tokenHeatmaps(tok, 'a red cat', maps, res, image);
    expect(hm.map((h) => [h.index, h.token])).toEqual([[1, 'a'], [2, 'red'], [3, 'cat']]);
    const brightness = (img: RasterImage, x: number, y: number) => {
      const o = (y * img.width + x) * img.channels;
      return [img.data[o], img.data[o + 1], img.data[o + 2]] as number[];
    };
    const red = hm[1] as (typeof hm)[number];
    const cat = hm[2] as (typeof hm)[number];
    expect(brightness(red.overlay, 2, 2)).not.toEqual(brightness(red.overlay, 29, 29));
    expect(brightness(red.overlay, 2, 2)).toEqual(brightness(cat.overlay, 29, 29));
    const grid = await heatmapGrid(image, hm, { columns: 4 });
    const dir = tempDir();
    const file = path.join(dir, 'grid.png');
    await writeImage(file, grid);
    const back = await readImage(file);
    expect(back.width).toBe(grid.width);
    expect(grid.width).toBeGreaterThanOrEqual(4 * 32);
  });
});
