/**
 * The embedded default model: `models/reprise-scenes/`, a small text-to-image model trained by
 * `training/` on rendered scenes (tools/scenes) — coloured shapes on plain or textured backgrounds,
 * 64×64 pixels — shipped in the repository as an ordinary diffusers folder (fp16 safetensors,
 * SD 1.x-style UNet with cross-attention at 16×16 and 8×8 latents, AutoencoderKL with a factor-4
 * latent, CLIP text encoder whose tokenizer has every caption word as one token, SD 1.x DDIM
 * scheduler). The demo, the examples and the evaluation scripts use it when no model is given.
 *
 * It knows the caption vocabulary only (tools/scenes/caption-vocab.ts): colours, shapes, sizes,
 * positions and background textures, e.g. "a red circle and a blue square on a yellow background".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RepriseError } from '../errors.js';

/** Folder name of the embedded model under `models/` (bump with retraining). */
export const BUNDLED_MODEL_NAME = 'reprise-scenes';

/**
 * Path of the embedded default model: `$REPRISE_MODEL_DIR` when set, else `models/reprise-scenes`
 * of this package (the same relative place from `src/models/` and `dist/models/`).
 * @throws RepriseError `MODEL_FOLDER` when the folder has no model_index.json.
 */
export function bundledModelDir(): string {
  const env = process.env.REPRISE_MODEL_DIR;
  const dir = env !== undefined && env !== '' ? path.resolve(env) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'models', BUNDLED_MODEL_NAME);
  if (!fs.existsSync(path.join(dir, 'model_index.json'))) {
    throw new RepriseError('MODEL_FOLDER', `The embedded default model is missing: ${dir} has no model_index.json`, {
      hint: 'Run from a full checkout of the repository (models/ is part of it), set REPRISE_MODEL_DIR, or pass a model folder (--model).',
    });
  }
  return dir;
}
