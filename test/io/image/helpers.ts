/** Shared helpers for the image tests: a temp folder and test images generated with sharp. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll } from 'vitest';
import { Random } from '../../../src/util/random.js';
import type { BitDepth, ChannelCount, RasterImage } from '../../../src/io/image/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp folder (`reprise-img-…`), removed when the test file finishes. */
export function imageTempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-img-'));
  dirs.push(dir);
  return dir;
}

/** A raster of seeded random samples. */
export function randomRaster(width: number, height: number, channels: ChannelCount, bitDepth: BitDepth, seed = 1): RasterImage {
  const rng = new Random(seed);
  const n = width * height * channels;
  const max = bitDepth === 16 ? 65536 : 256;
  const data = bitDepth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.floor(rng.uniform() * max);
  return { width, height, channels, bitDepth, data };
}

/** A smooth 8-bit RGB gradient with a distinct colour per quadrant (for orientation checks). */
export function quadrantRaster(width: number, height: number): RasterImage {
  const data = new Uint8Array(width * height * 3);
  const colours = [
    [230, 30, 30], // top-left: red
    [30, 230, 30], // top-right: green
    [30, 30, 230], // bottom-left: blue
    [230, 230, 30], // bottom-right: yellow
  ] as const;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const q = (y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1);
      data.set(colours[q] ?? [0, 0, 0], (y * width + x) * 3);
    }
  }
  return { width, height, channels: 3, bitDepth: 8, data };
}

/** A sharp pipeline reading a raster as raw input. */
export function sharpFromRaster(img: RasterImage): Sharp {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } });
}

/** Encodes a raster as PNG with sharp, keeping gray/alpha/16-bit layouts. */
export async function pngWithSharp(img: RasterImage): Promise<Buffer> {
  const gray = img.channels <= 2;
  const space = img.bitDepth === 16 ? (gray ? 'grey16' : 'rgb16') : gray ? 'b-w' : 'srgb';
  return sharpFromRaster(img).toColourspace(space).png().toBuffer();
}

/** Writes bytes to `dir/name` and returns the path. */
export function writeFile(dir: string, name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** RGB triple of pixel (x, y) of an 8-bit RGB(A) raster. */
export function pixelAt(img: RasterImage, x: number, y: number): number[] {
  const i = (y * img.width + x) * img.channels;
  return Array.from(img.data.subarray(i, i + Math.min(3, img.channels)));
}
