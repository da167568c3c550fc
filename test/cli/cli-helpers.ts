/** Helpers of the CLI tests: capture stdout/stderr of a command function, tiny test pictures, models. */
import * as path from 'node:path';
import { vi } from 'vitest';
import { readImage, readPngText, writeImage } from '../../src/io/image/index.js';
import type { RasterImage } from '../../src/io/image/types.js';
import { writeRandomModel } from '../../src/models/random-model.js';
import * as fs from 'node:fs';
import { tempDir } from '../helpers.js';

/** What a command printed, and its exit code. */
export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command function with process.stdout/stderr captured. `onStdout` sees every chunk
 * written to stdout (e.g. to interrupt a batch after its first item).
 */
export async function capture(run: () => Promise<number> | number, onStdout?: (chunk: string) => void): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    const text = typeof s === 'string' ? s : Buffer.from(s).toString('utf8');
    out.push(text);
    onStdout?.(text);
    return true;
  });
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(typeof s === 'string' ? s : Buffer.from(s).toString('utf8')), true));
  try {
    const code = await run();
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
}

/** The JSON lines of a captured stdout. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** An 8-bit RGB picture with structure (gradient, a square), varied by `seed`. */
export function picture(width: number, height: number, seed = 0): RasterImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inSquare = x > width / 3 && x < (2 * width) / 3 && y > height / 3 && y < (2 * height) / 3;
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = inSquare ? 200 - 40 * c : ((x * 255) / width + y * 3 + c * 40 + seed * 50) % 256 | 0;
    }
  }
  return { width, height, channels: 3, bitDepth: 8, data };
}

/** Writes `picture(...)` as a PNG and returns its path. */
export async function writePicture(file: string, width = 40, height = 30, seed = 0): Promise<string> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await writeImage(file, picture(width, height, seed));
  return file;
}

/** Whether two images have the same layout and the same samples. */
export function samePixels(a: RasterImage, b: RasterImage): boolean {
  return a.width === b.width && a.height === b.height && a.channels === b.channels && a.bitDepth === b.bitDepth && Buffer.compare(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength), Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)) === 0;
}

/** Reads two image files and compares their pixels. */
export async function sameImageFiles(a: string, b: string): Promise<boolean> {
  return samePixels(await readImage(a), await readImage(b));
}

/** The PNG text chunks of a file. */
export function pngText(file: string): Record<string, string> {
  return readPngText(fs.readFileSync(file));
}

/** A fresh temp folder with a random model in `<dir>/model`. */
export function modelDir(seed = 11, options: { hidden?: number } = {}): { dir: string; model: string } {
  const dir = tempDir('reprise-cli-');
  const model = writeRandomModel(path.join(dir, 'model'), { seed, ...options });
  return { dir, model };
}
