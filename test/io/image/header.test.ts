import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { RepriseError } from '../../../src/errors.js';
import { applyOrientation, orientedSize, parseImageHeader, readImageHeader, type RasterImage } from '../../../src/io/image/index.js';
import { randomRaster, sharpFromRaster } from './helpers.js';

async function encodeAll(img: RasterImage): Promise<Record<string, Buffer>> {
  const s = () => sharpFromRaster(img);
  return {
    png: await s().png().toBuffer(),
    jpeg: await s().jpeg().toBuffer(),
    webp: await s().webp().toBuffer(),
    webpLossless: await s().webp({ lossless: true }).toBuffer(),
    gif: await s().gif().toBuffer(),
    tiff: await s().tiff().toBuffer(),
  };
}

/** A minimal 24-bit BMP (BITMAPINFOHEADER), bottom-up. */
function bmp(width: number, height: number): Uint8Array {
  const row = Math.ceil((width * 3) / 4) * 4;
  const out = new Uint8Array(54 + row * height);
  const dv = new DataView(out.buffer);
  out.set([0x42, 0x4d]);
  dv.setUint32(2, out.length, true);
  dv.setUint32(10, 54, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, width, true);
  dv.setInt32(22, height, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 24, true);
  return out;
}

describe('header sniffer', () => {
  it('reads format and size of PNG, JPEG, WebP (lossy, lossless, extended), GIF, BMP and TIFF', async () => {
    const img = randomRaster(37, 23, 4, 8);
    const all = await encodeAll(img);
    for (const [name, bytes] of Object.entries(all)) {
      const h = readImageHeader(bytes, name);
      expect([h.width, h.height], name).toEqual([37, 23]);
      expect(h.format).toBe(name.startsWith('webp') ? 'webp' : name);
      expect(h.orientation).toBe(1);
    }
    expect(readImageHeader(all.png!).hasAlpha).toBe(true);
    expect(readImageHeader(all.webpLossless!).hasAlpha).toBe(true);
    const rgbWebp = await sharpFromRaster(randomRaster(37, 23, 3, 8)).webp().toBuffer();
    expect(readImageHeader(rgbWebp)).toMatchObject({ width: 37, height: 23, hasAlpha: false });
    const withExif = await sharpFromRaster(randomRaster(37, 23, 3, 8)).webp().withMetadata({ orientation: 8 }).toBuffer();
    expect(readImageHeader(withExif)).toMatchObject({ width: 37, height: 23, orientation: 8 });
    expect(readImageHeader(bmp(5, 3))).toMatchObject({ format: 'bmp', width: 5, height: 3 });
  });

  it('reports layout hints: gray, 16-bit, CMYK', async () => {
    const gray16 = await sharpFromRaster(randomRaster(8, 4, 1, 16)).toColourspace('grey16').png().toBuffer();
    expect(readImageHeader(gray16)).toMatchObject({ colour: 'gray', bitsPerSample: 16, hasAlpha: false });
    const cmyk = await sharpFromRaster(randomRaster(8, 4, 3, 8)).toColourspace('cmyk').jpeg().toBuffer();
    expect(readImageHeader(cmyk)).toMatchObject({ format: 'jpeg', colour: 'cmyk', bitsPerSample: 8 });
  });

  it('reads EXIF orientation from JPEG, PNG and TIFF and the oriented size', async () => {
    const img = randomRaster(30, 10, 3, 8);
    for (const orientation of [1, 2, 3, 4, 5, 6, 7, 8]) {
      for (const format of ['jpeg', 'png', 'tiff'] as const) {
        const bytes = await sharpFromRaster(img)[format]().withMetadata({ orientation }).toBuffer();
        const h = readImageHeader(bytes);
        expect(h.orientation, `${format} ${orientation}`).toBe((await sharp(bytes).metadata()).orientation ?? 1);
        expect(orientedSize(h)).toEqual(orientation >= 5 ? { width: 10, height: 30 } : { width: 30, height: 10 });
      }
    }
  });

  it('fails clearly on unknown, empty and corrupt data', async () => {
    expect(parseImageHeader(new TextEncoder().encode('hello world'))).toMatchObject({ ok: false, reason: 'unknown-format' });
    expect(parseImageHeader(new Uint8Array(0))).toMatchObject({ ok: false, reason: 'unknown-format', message: 'the data is empty' });
    const png = await sharpFromRaster(randomRaster(8, 8, 3, 8)).png().toBuffer();
    const badCrc = Buffer.from(png);
    badCrc[20] = 0xff; // height high byte: IHDR CRC no longer matches
    expect(parseImageHeader(badCrc)).toMatchObject({ ok: false, reason: 'corrupt', message: expect.stringMatching(/CRC/) });
    expect(parseImageHeader(png.subarray(0, 20))).toMatchObject({ ok: false, reason: 'corrupt' });
    const jpeg = await sharpFromRaster(randomRaster(8, 8, 3, 8)).jpeg().toBuffer();
    expect(parseImageHeader(jpeg.subarray(0, 30))).toMatchObject({ ok: false, reason: 'corrupt' });
    expect(parseImageHeader(new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0, 0]))).toMatchObject({ ok: false, reason: 'corrupt' });
    expect(parseImageHeader(new Uint8Array([0x49, 0x49, 0x2a, 0, 0xff, 0xff, 0, 0]))).toMatchObject({ ok: false, reason: 'corrupt' });
    const err = (() => {
      try {
        readImageHeader(new TextEncoder().encode('nope nope'), 'photo.jpg');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(RepriseError);
    expect((err as RepriseError).message).toMatch(/photo\.jpg is not an image/);
  });
});

describe('applyOrientation', () => {
  it('matches sharp for all eight EXIF orientations', async () => {
    const img = randomRaster(5, 3, 3, 8, 4);
    for (const orientation of [1, 2, 3, 4, 5, 6, 7, 8] as const) {
      const bytes = await sharpFromRaster(img).png().withMetadata({ orientation }).toBuffer();
      const { data, info } = await sharp(bytes).rotate().raw().toBuffer({ resolveWithObject: true });
      const ours = applyOrientation(img, orientation);
      expect([ours.width, ours.height]).toEqual([info.width, info.height]);
      expect(Buffer.compare(Buffer.from(ours.data), data), `orientation ${orientation}`).toBe(0);
    }
  });
});
