/**
 * Draws the bundled example picture `examples/assets/scene.png`: a 128×128 synthetic scene — a
 * soft coloured background with a red circle on the left and a blue square on the right —
 * computed in code (4×4 supersampled edges, integer arithmetic only, so it is the same on every
 * machine) and written with `writeImage`.
 *
 * Regenerate it with:
 *
 *   npx tsx examples/make-scene.ts [output.png]
 *
 * The prompt that describes it, used by the demo and the examples, is {@link SCENE_PROMPT}.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeImage, type RasterImage } from '../src/index.js';

/** The prompt describing the scene. */
export const SCENE_PROMPT = 'a red circle and a blue square';

/** Side of the scene in pixels (the default model's native size). */
export const SCENE_SIZE = 128;

/** Where the bundled picture lives. */
export const SCENE_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets', 'scene.png');

type Rgb = readonly [number, number, number];

const RED: Rgb = [214, 40, 40];
const BLUE: Rgb = [38, 70, 200];

/** Background: a vertical gradient from warm sand (top) to pale teal (bottom). */
function background(y: number, size: number): Rgb {
  const top: Rgb = [244, 226, 188];
  const bottom: Rgb = [176, 222, 214];
  const t = y / (size - 1);
  return [0, 1, 2].map((c) => Math.round(top[c]! + (bottom[c]! - top[c]!) * t)) as unknown as Rgb;
}

/** Draws the scene as an 8-bit RGB raster. */
export function drawScene(size: number = SCENE_SIZE): RasterImage {
  const s = size / 128; // every coordinate below is given for 128×128
  const circle = { cx: 40 * s, cy: 62 * s, r: 24 * s };
  const square = { x0: 74 * s, y0: 44 * s, x1: 110 * s, y1: 80 * s };
  const sub = 4;
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const bg = background(y, size);
    for (let x = 0; x < size; x++) {
      let inCircle = 0;
      let inSquare = 0;
      for (let j = 0; j < sub; j++) {
        for (let i = 0; i < sub; i++) {
          const px = x + (i + 0.5) / sub;
          const py = y + (j + 0.5) / sub;
          if ((px - circle.cx) ** 2 + (py - circle.cy) ** 2 <= circle.r ** 2) inCircle++;
          else if (px >= square.x0 && px < square.x1 && py >= square.y0 && py < square.y1) inSquare++;
        }
      }
      const n = sub * sub;
      for (let c = 0; c < 3; c++) {
        const v = (bg[c]! * (n - inCircle - inSquare) + RED[c]! * inCircle + BLUE[c]! * inSquare) / n;
        data[(y * size + x) * 3 + c] = Math.round(v);
      }
    }
  }
  return { width: size, height: size, channels: 3, bitDepth: 8, data };
}

/** Writes the scene to `file` (default: the bundled asset path). */
export async function main(file: string = SCENE_PATH): Promise<string> {
  const written = await writeImage(file, drawScene());
  return written.path;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2]).then(
    (file) => console.log(`wrote ${file}`),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
}
