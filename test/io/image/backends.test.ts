import * as path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { RepriseError } from '../../../src/errors.js';
import {
  getImageBackend,
  probeImageBackends,
  readImage,
  selectImageBackend,
  type ImageBackend,
  type RasterImage,
} from '../../../src/io/image/index.js';
import { imageTempDir, pixelAt, pngWithSharp, quadrantRaster, randomRaster, sharpFromRaster, writeFile } from './helpers.js';
import { expectRepriseError, rejectionOf } from '../../helpers.js';

let dir: string;
let sharpBackend: ImageBackend;
let jimpBackend: ImageBackend;
let backends: ImageBackend[];

beforeAll(async () => {
  dir = imageTempDir();
  sharpBackend = await getImageBackend('sharp');
  jimpBackend = await getImageBackend('jimp');
  backends = [sharpBackend, jimpBackend];
});

function expectSamePixels(a: RasterImage, b: RasterImage): void {
  expect({ w: a.width, h: a.height, c: a.channels, d: a.bitDepth }).toEqual({ w: b.width, h: b.height, c: b.channels, d: b.bitDepth });
  expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength))).toBe(true);
}

/** Mean absolute difference of two same-layout rasters. */
function meanAbsDiff(a: RasterImage, b: RasterImage): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs((a.data[i] ?? 0) - (b.data[i] ?? 0));
  return s / a.data.length;
}

const expectInputError = async (p: Promise<unknown>, ...parts: (string | RegExp)[]): Promise<RepriseError> => expectRepriseError(await rejectionOf(p), { code: 'RUNTIME_INPUT', hint: true, message: parts });

describe('decoding with both backends', () => {
  it('decodes the same 8-bit PNG to identical pixels (RGB, RGBA, gray, gray+alpha)', async () => {
    for (const channels of [3, 4, 1, 2] as const) {
      const src = randomRaster(37, 23, channels, 8, channels);
      const file = writeFile(dir, `same-${channels}.png`, await pngWithSharp(src));
      const [a, b] = await Promise.all(backends.map((backend) => readImage(file, { backend })));
      expectSamePixels(a!, src);
      expectSamePixels(b!, src);
      expect(a!.source).toEqual({ format: 'png', path: file });
    }
  });

  it('decodes a palette PNG with transparency to RGBA with both backends', async () => {
    const src = randomRaster(16, 9, 4, 8, 9);
    for (let i = 3; i < src.data.length; i += 4) src.data[i] = i % 8 === 3 ? 0 : 255;
    const bytes = await sharpFromRaster(src).png({ palette: true, colours: 256, dither: 0 }).toBuffer();
    const [a, b] = await Promise.all(backends.map((backend) => backend.decode(bytes, { maxPixels: 1e6 })));
    expect(a!.channels).toBe(4);
    expectSamePixels(a!, b!);
  });

  it('applies EXIF orientation 6 (JPEG): dimensions swapped and the picture turned clockwise, both backends', async () => {
    const src = quadrantRaster(40, 24);
    const bytes = await sharpFromRaster(src).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(bytes).metadata()).orientation).toBe(6);
    const file = writeFile(dir, 'orient6.jpg', bytes);
    for (const backend of backends) {
      const img = await readImage(file, { backend });
      expect([img.width, img.height]).toEqual([24, 40]);
      // Rotated 90° clockwise: the stored bottom-left (blue) is now top-left, the stored top-left (red) top-right.
      const near = (px: number[], want: number[]): boolean => px.every((v, k) => Math.abs(v - (want[k] ?? 0)) < 40);
      expect(near(pixelAt(img, 3, 3), [30, 30, 230]), `${backend.name} top-left`).toBe(true);
      expect(near(pixelAt(img, 20, 3), [230, 30, 30]), `${backend.name} top-right`).toBe(true);
      expect(near(pixelAt(img, 3, 36), [230, 230, 30]), `${backend.name} bottom-left`).toBe(true);
      expect(near(pixelAt(img, 20, 36), [30, 230, 30]), `${backend.name} bottom-right`).toBe(true);
    }
  });

  it('applies EXIF orientation in PNG and TIFF identically with both backends (jimp does not do it itself)', async () => {
    const src = randomRaster(11, 7, 3, 8, 4);
    for (const orientation of [2, 3, 5, 6, 7, 8]) {
      for (const format of ['png', 'tiff'] as const) {
        const encoder = format === 'png' ? sharpFromRaster(src).png() : sharpFromRaster(src).tiff({ compression: 'lzw' });
        const bytes = await encoder.withMetadata({ orientation }).toBuffer();
        const [a, b] = await Promise.all(backends.map((backend) => backend.decode(bytes, { maxPixels: 1e6 })));
        expect([a!.width, a!.height]).toEqual(orientation >= 5 ? [7, 11] : [11, 7]);
        expectSamePixels(a!, b!);
      }
    }
  });

  it('round-trips alpha, gray, gray+alpha and 16-bit PNGs through sharp bit for bit', async () => {
    const cases = [
      randomRaster(19, 13, 4, 8, 11),
      randomRaster(19, 13, 1, 8, 12),
      randomRaster(19, 13, 2, 8, 13),
      randomRaster(19, 13, 3, 16, 14),
      randomRaster(19, 13, 4, 16, 15),
      randomRaster(19, 13, 1, 16, 16),
      randomRaster(19, 13, 2, 16, 17),
    ];
    for (const src of cases) {
      const encoded = await sharpBackend.encode(src, { format: 'png' });
      const meta = await sharp(encoded).metadata();
      expect(meta.channels).toBe(src.channels);
      expect(meta.depth).toBe(src.bitDepth === 16 ? 'ushort' : 'uchar');
      expectSamePixels(await sharpBackend.decode(encoded, { maxPixels: 1e6 }), src);
    }
  });

  it('jimp keeps 8-bit alpha and gray layouts but reduces 16-bit to 8-bit', async () => {
    for (const channels of [1, 2, 4] as const) {
      const src = randomRaster(9, 5, channels, 8, 20 + channels);
      const encoded = await jimpBackend.encode(src, { format: 'png' });
      expect((await sharp(encoded).metadata()).channels).toBe(channels);
      expectSamePixels(await jimpBackend.decode(encoded, { maxPixels: 1e6 }), src);
    }
    const src16 = randomRaster(9, 5, 3, 16, 30);
    const decoded = await jimpBackend.decode(await pngWithSharp(src16), { maxPixels: 1e6 });
    expect(decoded.bitDepth).toBe(8);
    expect(decoded.channels).toBe(3);
    for (let i = 0; i < src16.data.length; i++) expect(Math.abs((decoded.data[i] ?? 0) - (src16.data[i] ?? 0) / 257)).toBeLessThanOrEqual(1);
  });

  it('decodes a CMYK JPEG to RGB', async () => {
    const src = quadrantRaster(16, 16);
    const bytes = await sharpFromRaster(src).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(bytes).metadata()).space).toBe('cmyk');
    for (const backend of backends) {
      const img = await backend.decode(bytes, { maxPixels: 1e6 });
      expect([img.width, img.height, img.channels, img.bitDepth]).toEqual([16, 16, 3, 8]);
      // Colours survive the CMYK round trip well enough to tell the quadrants apart (not inverted ink values).
      const [r1, g1, b1] = pixelAt(img, 3, 3) as [number, number, number];
      const [r2, g2, b2] = pixelAt(img, 3, 12) as [number, number, number];
      expect(r1 > g1 + 100 && r1 > b1 + 100, `${backend.name} red quadrant ${[r1, g1, b1]}`).toBe(true);
      expect(b2 > r2 + 60 && b2 > g2 + 60, `${backend.name} blue quadrant ${[r2, g2, b2]}`).toBe(true);
    }
  });

  it('decodes a 1-component JPEG to gray with both backends', async () => {
    const src = randomRaster(16, 8, 1, 8, 40);
    const bytes = await sharpFromRaster(src).toColourspace('b-w').jpeg({ quality: 100 }).toBuffer();
    for (const backend of backends) {
      const img = await backend.decode(bytes, { maxPixels: 1e6 });
      expect(img.channels).toBe(1);
      expect(meanAbsDiff(img, src)).toBeLessThan(4);
    }
  });

  it('decodes WebP with sharp and refuses it with jimp, saying to install sharp', async () => {
    const src = randomRaster(8, 8, 3, 8, 41);
    const bytes = await sharpBackend.encode(src, { format: 'webp', lossless: true });
    expectSamePixels(await sharpBackend.decode(bytes, { maxPixels: 1e6 }), src);
    const err = await expectInputError(jimpBackend.decode(bytes, { maxPixels: 1e6, label: 'x.webp' }), 'x.webp', /WEBP/);
    expect(err.hint).toMatch(/sharp/);
  });
});

describe('input errors', () => {
  it('refuses a 5000×5000 PNG over a 1e6-pixel cap before decoding, naming the file', async () => {
    const bytes = await sharp({ create: { width: 5000, height: 5000, channels: 3, background: '#808080' } }).png().toBuffer();
    const file = writeFile(dir, 'huge.png', bytes);
    for (const backend of backends) {
      const started = performance.now();
      await expectInputError(readImage(file, { maxPixels: 1e6, backend }), file, '5000×5000', '25000000', 'limit of 1000000', 'not decoded');
      expect(performance.now() - started).toBeLessThan(1000);
      await expectInputError(backend.decode(bytes, { maxPixels: 1e6, label: 'huge' }), 'huge', 'limit');
    }
  });

  it('reports a corrupt file (garbage with a PNG signature, truncated PNG) naming it', async () => {
    const good = await pngWithSharp(randomRaster(32, 32, 3, 8, 50));
    const truncated = writeFile(dir, 'truncated.png', good.subarray(0, good.length - 40));
    const garbage = writeFile(dir, 'garbage.png', Buffer.concat([good.subarray(0, 16), Buffer.alloc(40, 7)]));
    for (const backend of backends) {
      await expectInputError(readImage(truncated, { backend }), truncated, /decode/);
      await expectInputError(readImage(garbage, { backend }), garbage);
    }
  });

  it('reports data that is not an image, and an empty file', async () => {
    const text = writeFile(dir, 'notes.png', new TextEncoder().encode('just some text, not pixels'));
    const empty = writeFile(dir, 'empty.jpg', new Uint8Array(0));
    for (const backend of backends) {
      await expectInputError(readImage(text, { backend }), text, 'not an image');
      await expectInputError(readImage(empty, { backend }), empty, 'empty');
    }
  });

  it('reports a missing file and a folder passed as a file', async () => {
    const missing = path.join(dir, 'nope', 'missing.png');
    const e = await expectInputError(readImage(missing), 'not found', missing);
    expect(e.hint).toMatch(/path/);
    await expectInputError(readImage(dir), dir, 'folder');
  });

  it('reads a file larger than the sniffed prefix completely', async () => {
    const src = randomRaster(700, 600, 3, 8, 60);
    const bytes = await pngWithSharp(src);
    expect(bytes.length).toBeGreaterThan(1 << 20);
    expectSamePixels(await readImage(writeFile(dir, 'big.png', bytes)), src);
  });
});

describe('backend selection', () => {
  it('prefers sharp and reports both backends', async () => {
    expect((await getImageBackend()).name).toBe('sharp');
    const report = await probeImageBackends();
    expect(report.selected).toBe('sharp');
    expect(report.sharp.available).toBe(true);
    expect(report.jimp.available).toBe(true);
  });

  it('falls back to jimp with the reason when sharp cannot load', async () => {
    const broken = {
      sharp: () => Promise.reject(new Error('Could not load the "sharp" module using the linux-x64 runtime')),
      jimp: () => Promise.resolve({ backend: jimpBackend, version: 'jimp' }),
    };
    const selection = await selectImageBackend(broken);
    expect(selection.selected).toBe('jimp');
    expect(selection.reason).toMatch(/sharp cannot load.*linux-x64/);
    expect(selection.attempts.sharp).toEqual({ available: false, error: expect.stringContaining('sharp') });
    const report = await probeImageBackends(broken);
    expect(report.selected).toBe('jimp');
    const err = await selectImageBackend(broken, 'sharp').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RepriseError);
    expect((err as RepriseError).message).toMatch(/sharp: Could not load/);
  });

  it('resizes with the same kernels on both backends, keeping layout and depth', async () => {
    for (const src of [randomRaster(20, 10, 2, 8, 70), randomRaster(20, 10, 4, 16, 71), randomRaster(20, 10, 1, 8, 72)]) {
      for (const backend of backends) {
        for (const kernel of ['lanczos3', 'bicubic', 'nearest'] as const) {
          const out = await backend.resize(src, 13, 17, kernel);
          expect([out.width, out.height, out.channels, out.bitDepth]).toEqual([13, 17, src.channels, src.bitDepth]);
          expect(out.data.length).toBe(13 * 17 * src.channels);
        }
      }
    }
    const flat16: RasterImage = { width: 12, height: 8, channels: 3, bitDepth: 16, data: new Uint16Array(12 * 8 * 3).fill(40000) };
    for (const backend of backends) {
      const out = await backend.resize(flat16, 7, 5, 'lanczos3');
      // Within 0.2% (libvips' reduce ripples slightly), and not squeezed through 8 bits (multiples of 257).
      expect(out.data.every((v) => Math.abs(v - 40000) <= 131), `${backend.name} keeps the value`).toBe(true);
      expect(out.data.some((v) => v % 257 !== 0), `${backend.name} keeps 16-bit precision`).toBe(true);
    }
    const smooth = quadrantRaster(32, 32);
    const [a, b] = await Promise.all(backends.map((backend) => backend.resize(smooth, 16, 16, 'bicubic')));
    expect(meanAbsDiff(a!, b!)).toBeLessThan(6);
  });
});
