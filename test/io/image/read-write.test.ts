import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { RepriseError } from '../../../src/errors.js';
import { crc32, crc32Fallback } from '../../../src/io/image/crc32.js';
import { getImageBackend, insertPngText, readImage, readPngText, writeImage, type ImageBackend } from '../../../src/io/image/index.js';
import { imageTempDir, randomRaster } from './helpers.js';

let dir: string;
let backends: ImageBackend[];

beforeAll(async () => {
  dir = imageTempDir();
  backends = [await getImageBackend('sharp'), await getImageBackend('jimp')];
});

describe('PNG text metadata', () => {
  it('round-trips prompt, method and seed, and the file still decodes', async () => {
    const img = randomRaster(21, 13, 3, 8, 1);
    const pngText = { prompt: 'a cat on a bench, golden hour', method: 'ef-ddpm', seed: '7' };
    for (const backend of backends) {
      const file = path.join(dir, `meta-${backend.name}.png`);
      const written = await writeImage(file, img, { pngText, backend });
      expect(written).toEqual({ path: file, format: 'png', bytes: fs.statSync(file).size });
      const bytes = fs.readFileSync(file);
      expect(readPngText(bytes)).toEqual(pngText);
      // sharp (libpng/libspng) accepts the chunks: valid CRCs, valid placement.
      const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([21, 13, 3]);
      expect(Buffer.compare(data, Buffer.from(img.data))).toBe(0);
      const comments = (await sharp(bytes).metadata()).comments ?? [];
      expect(comments).toEqual(expect.arrayContaining([{ keyword: 'prompt', text: pngText.prompt }]));
      expect((await readImage(file, { backend })).data).toEqual(img.data);
    }
  });

  it('writes non-Latin-1 text as iTXt and reads it back', async () => {
    const png = await backends[0]!.encode(randomRaster(4, 4, 1, 8), { format: 'png' });
    const withText = insertPngText(png, { prompt: 'un chat sur un banc — 猫', note: 'café' });
    expect(Buffer.from(withText).includes(Buffer.from('iTXt'))).toBe(true);
    expect(readPngText(withText)).toEqual({ prompt: 'un chat sur un banc — 猫', note: 'café' });
    await sharp(withText).raw().toBuffer();
  });

  it('rejects invalid keywords and non-PNG data; reads {} from a non-PNG', () => {
    const png = new Uint8Array(fs.readFileSync(path.join(dir, 'meta-sharp.png')));
    expect(() => insertPngText(png, { ' bad': 'x' })).toThrow(RepriseError);
    expect(() => insertPngText(png, { ['k'.repeat(80)]: 'x' })).toThrow(/keyword/);
    expect(() => insertPngText(new Uint8Array(40), { a: 'b' })).toThrow(/not a PNG/);
    expect(readPngText(new Uint8Array([1, 2, 3]))).toEqual({});
  });

  it('computes CRC-32 identically with the native and the fallback implementation', () => {
    const data = new TextEncoder().encode('IHDR and friends');
    expect(crc32(data)).toBe(crc32Fallback(data));
    expect(crc32Fallback(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('writeImage', () => {
  it('picks the format from the extension and keeps 16-bit and alpha in PNG', async () => {
    const img16 = randomRaster(9, 7, 4, 16, 3);
    const file = path.join(dir, 'deep.PNG');
    await writeImage(file, img16);
    const back = await readImage(file);
    expect([back.bitDepth, back.channels]).toEqual([16, 4]);
    expect(back.data).toEqual(img16.data);
    for (const [name, format] of [
      ['photo.jpg', 'jpeg'],
      ['photo.jpeg', 'jpeg'],
      ['photo.webp', 'webp'],
    ] as const) {
      const written = await writeImage(path.join(dir, name), img16, { quality: 80 });
      expect(written.format).toBe(format);
      expect((await sharp(path.join(dir, name)).metadata()).format).toBe(format);
    }
  });

  it('refuses an unknown extension and pngText for JPEG', async () => {
    const img = randomRaster(4, 4, 3, 8);
    await expect(writeImage(path.join(dir, 'x.bmpx'), img)).rejects.toThrow(/extension/);
    await expect(writeImage(path.join(dir, 'x.jpg'), img, { pngText: { a: 'b' } })).rejects.toThrow(/pngText needs PNG/);
    await expect(writeImage(path.join(dir, 'x.png'), { ...img, channels: 4 })).rejects.toThrow(/samples/);
  });

  it('writing into a folder that does not exist fails clearly and leaves nothing behind', async () => {
    const img = randomRaster(4, 4, 3, 8);
    const target = path.join(dir, 'no-such-folder', 'out.png');
    const err = await writeImage(target, img).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RepriseError);
    expect((err as RepriseError).code).toBe('RUNTIME_INPUT');
    expect((err as RepriseError).message).toContain(target);
    expect((err as RepriseError).message).toMatch(/does not exist/);
    expect(fs.existsSync(path.join(dir, 'no-such-folder'))).toBe(false);
  });

  it('removes the temporary file when the final rename fails, and never touches the target', async () => {
    const img = randomRaster(4, 4, 3, 8);
    const sub = fs.mkdtempSync(path.join(dir, 'atomic-'));
    // The target is an existing folder: the temp file is written, the rename fails.
    const target = path.join(sub, 'out.png');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep.txt'), 'untouched');
    const err = await writeImage(target, img).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RepriseError);
    expect((err as RepriseError).message).toContain(target);
    expect(fs.readdirSync(sub)).toEqual(['out.png']);
    expect(fs.readFileSync(path.join(target, 'keep.txt'), 'utf8')).toBe('untouched');
  });

  it('replaces an existing file atomically and leaves no temporary files', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'replace-'));
    const target = path.join(sub, 'out.png');
    await writeImage(target, randomRaster(4, 4, 3, 8, 1));
    const second = randomRaster(6, 5, 3, 8, 2);
    await writeImage(target, second);
    expect(fs.readdirSync(sub)).toEqual(['out.png']);
    expect((await readImage(target)).data).toEqual(second.data);
  });
});
