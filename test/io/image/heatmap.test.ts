import { beforeAll, describe, expect, it } from 'vitest';
import { RepriseError } from '../../../src/errors.js';
import { colormap, getImageBackend, GRID_LABEL_HEIGHT, heatmapOverlay, imageGrid, type ImageBackend, type RasterImage } from '../../../src/io/image/index.js';
import { randomRaster } from './helpers.js';

function grayImage(width: number, height: number, value: number): RasterImage {
  return { width, height, channels: 3, bitDepth: 8, data: new Uint8Array(width * height * 3).fill(value) };
}

let sharpBackend: ImageBackend;
let jimpBackend: ImageBackend;
beforeAll(async () => {
  sharpBackend = await getImageBackend('sharp');
  jimpBackend = await getImageBackend('jimp');
});

describe('heatmapOverlay', () => {
  it('keeps the image size, and the hottest map cell gives the strongest colour', () => {
    const img = grayImage(64, 48, 128);
    const map = new Float32Array(8 * 6);
    for (let i = 0; i < map.length; i++) map[i] = (i % 5) * 0.01;
    // Hot 2×2 block (rows 2-3, columns 5-6): pixels between those cell centres, x in [44, 52) and
    // y in [20, 28), upsample to exactly the maximum.
    for (const [r, c] of [[2, 5], [2, 6], [3, 5], [3, 6]] as const) map[r * 8 + c] = 3;
    const out = heatmapOverlay(img, map, 8, 6, { opacity: 0.7 });
    expect([out.width, out.height, out.channels, out.bitDepth]).toEqual([64, 48, 3, 8]);
    // viridis is brightest (yellow) at 1: find the most yellow pixel (R + G − B).
    let best = -Infinity;
    let bestAt = -1;
    for (let p = 0; p < 64 * 48; p++) {
      const score = (out.data[p * 3] ?? 0) + (out.data[p * 3 + 1] ?? 0) - (out.data[p * 3 + 2] ?? 0);
      if (score > best) {
        best = score;
        bestAt = p;
      }
    }
    const [bx, by] = [bestAt % 64, Math.floor(bestAt / 64)];
    expect(bx).toBeGreaterThanOrEqual(44);
    expect(bx).toBeLessThan(52);
    expect(by).toBeGreaterThanOrEqual(20);
    expect(by).toBeLessThan(28);
    const hot = colormap('viridis', 1);
    const centre = (24 * 64 + 48) * 3;
    for (let k = 0; k < 3; k++) expect(Math.abs((out.data[centre + k] ?? 0) - (128 * 0.3 + (hot[k] ?? 0) * 0.7))).toBeLessThanOrEqual(2);
    // Far from the hot cell, the map is near its minimum: the cold end of the colormap.
    const cold = colormap('viridis', 0);
    expect(Math.abs((out.data[0] ?? 0) - (128 * 0.3 + cold[0] * 0.7))).toBeLessThanOrEqual(3);
  });

  it('accepts gray, alpha and 16-bit images and a constant map; rejects a size mismatch', () => {
    for (const img of [randomRaster(10, 6, 1, 8), randomRaster(10, 6, 4, 16), randomRaster(10, 6, 2, 8)]) {
      const out = heatmapOverlay(img, new Float32Array(4).fill(2), 2, 2, { colormap: 'jet' });
      expect([out.width, out.height, out.channels, out.bitDepth]).toEqual([10, 6, 3, 8]);
    }
    expect(() => heatmapOverlay(grayImage(4, 4, 0), new Float32Array(3), 2, 2)).toThrow(RepriseError);
    expect(() => heatmapOverlay(grayImage(4, 4, 0), new Float32Array(4), 2, 2, { opacity: 2 })).toThrow(/opacity/);
  });
});

describe('imageGrid', () => {
  const images = [randomRaster(40, 30, 3, 8, 1), randomRaster(20, 40, 4, 8, 2), randomRaster(64, 64, 1, 16, 3), randomRaster(10, 10, 2, 8, 4), randomRaster(50, 20, 3, 8, 5)];

  it('lays out cells with gaps; labels add a caption band with sharp', async () => {
    const plain = await imageGrid(images, { columns: 3, cellSize: 32, gap: 4 });
    expect([plain.width, plain.height, plain.channels, plain.bitDepth]).toEqual([3 * 32 + 4 * 4, 2 * 32 + 3 * 4, 3, 8]);
    const labels = ['source', 'reconstruction', 'edit: dog', '<&"special">', ''];
    const labelled = await imageGrid(images, { columns: 3, cellSize: 32, gap: 4, labels, backend: sharpBackend });
    expect([labelled.width, labelled.height]).toEqual([3 * 32 + 4 * 4, 2 * (32 + GRID_LABEL_HEIGHT) + 3 * 4]);
  });

  it('draws SVG over an image with sharp, keeping the layout (the mechanism behind grid labels)', async () => {
    for (const img of [grayImage(20, 10, 255), randomRaster(20, 10, 1, 16, 6), randomRaster(20, 10, 2, 8, 7)]) {
      const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect x="0" y="0" width="5" height="10" fill="#000"/></svg>';
      const out = await sharpBackend.overlaySvg!(img, svg);
      expect([out.width, out.height, out.channels, out.bitDepth]).toEqual([20, 10, img.channels, img.bitDepth]);
      expect(out.data[0]).toBe(0);
      const right = (5 * 20 + 15) * img.channels;
      expect(out.data[right]).toBe(img.data[right]);
    }
    expect(jimpBackend.overlaySvg).toBeUndefined();
  });

  it('omits labels with jimp (no SVG rendering) and defaults the cell to the largest image', async () => {
    const grid = await imageGrid(images, { columns: 2, labels: images.map((_, i) => `#${i}`), backend: jimpBackend });
    expect([grid.width, grid.height]).toEqual([2 * 64 + 3 * 8, 3 * 64 + 4 * 8]);
  });

  it('rejects bad options', async () => {
    await expect(imageGrid([], { columns: 2 })).rejects.toThrow(/no images/);
    await expect(imageGrid(images, { columns: 0 })).rejects.toThrow(/columns/);
    await expect(imageGrid(images, { columns: 2, labels: ['a'] })).rejects.toThrow(/labels/);
  });
});
