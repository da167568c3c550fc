/**
 * Draws the bundled example picture `examples/assets/scene.png`: a 64×64 synthetic scene — a red
 * circle on the left and a blue square on the right on a plain yellow background — with the
 * project's scene renderer (tools/scenes: 4×4 supersampled edges, the same on every machine), in
 * the style the embedded default model (models/reprise-scenes) was trained on, and written with
 * `writeImage`.
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
import { renderScene, type SceneSpec } from '../tools/scenes/index.js';

/** What the picture shows. */
export const SCENE_SPEC: SceneSpec = {
  objects: [
    { shape: 'circle', colour: 'red', size: 'medium', x: 0.3, y: 0.5 },
    { shape: 'square', colour: 'blue', size: 'medium', x: 0.72, y: 0.5 },
  ],
  background: { colour: 'yellow', texture: 'plain' },
};

/** The prompt describing the scene (its caption). */
export const SCENE_PROMPT = 'a red circle and a blue square on a yellow background';

/** Side of the scene in pixels (the default model's native size). */
export const SCENE_SIZE = 64;

/** Where the bundled picture lives. */
export const SCENE_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets', 'scene.png');

/** Draws the scene as an 8-bit RGB raster. */
export function drawScene(size: number = SCENE_SIZE): RasterImage {
  return renderScene(SCENE_SPEC, size).image;
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
