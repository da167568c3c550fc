/**
 * The random-weights test model (tooling, not product: the embedded default model is the trained
 * `models/reprise-scenes`, src/models/bundled-model.ts): a small diffusers folder with **random
 * weights**, generated deterministically on first use, so machinery tests run on a fresh machine
 * without downloading anything.
 *
 * What it is good for: it runs the same code paths as a real Stable Diffusion folder (VAE,
 * CLIP text encoder, SD 1.x-style UNet with cross-attention at 16×16 and 8×8, the SD 1.x DDIM
 * scheduler), so bit-exact inversion, prompt-to-prompt attention control, local blend and
 * attention maps can all be exercised and checked. What it is not: a trained model — its
 * images and edits are noise-like and carry no meaning, and its attention maps follow the
 * image's shapes only by accident of random features (the trained model for that is
 * `models/reprise-scenes`). Its cross-attention query/key weights are scaled up
 * ({@link DEFAULT_MODEL_ATTENTION_SHARPNESS}) so attention is not uniform over the tokens.
 *
 * Size: a 3-block VAE (latents are the image size ÷ 4) and a UNet with `sample_size` 32, so the
 * native image size is 128×128. On 2 CPU cores a 20-step inversion + reconstruction + edit +
 * attention maps of a 128×128 image takes a few seconds (see README).
 *
 * Where it goes: `ensureDefaultModel(dir)` writes to `dir`; without one, to
 * `$REPRISE_DEFAULT_MODEL_DIR` if set, else `$XDG_CACHE_HOME/reprise/default-model-v1`
 * (`~/.cache/reprise/default-model-v1` when XDG_CACHE_HOME is unset) — next to the compiled-graph
 * cache `~/.cache/reprise/graphs`, outside the repository.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RepriseError } from '../../src/errors.js';
import { openSafetensors, writeSafetensors, type TensorToWrite } from '../../src/io/safetensors.js';
import { SD1_SCHEDULER_CONFIG, writeRandomModel, type RandomModelOptions } from '../../src/models/random-model.js';

/** Version of the default model; bump it (and the folder name follows) whenever its weights or configs change. */
export const DEFAULT_MODEL_VERSION = 'default-model-v1';

/** File written last into a finished default-model folder; its content names the version. */
export const DEFAULT_MODEL_MARKER = 'reprise-default-model.json';

/**
 * Words the default model's tokenizer knows as whole tokens (others split into characters).
 * Longest first: the word-level BPE gives earlier words' merges priority, and a short word's
 * merge ("r e" of "red") must not break a longer word ("g r e e n") into pieces.
 */
export const DEFAULT_MODEL_WORDS: readonly string[] = [
  'a', 'an', 'the', 'and', 'of', 'on', 'in', 'with', 'photo', 'picture', 'drawing',
  'red', 'green', 'blue', 'yellow', 'orange', 'purple', 'white', 'black', 'gray',
  'big', 'small', 'bright', 'dark',
  'circle', 'square', 'triangle', 'star', 'ball', 'box', 'background', 'sky', 'grass',
  'cat', 'dog', 'bench', 'tree', 'house',
].sort((a, b) => b.length - a.length); // stable: ties keep the order above

/**
 * Everything `writeRandomModel` is given, every config value spelled out (so a change of
 * `writeRandomModel`'s own defaults cannot silently change the model): the folder is a pure
 * function of these, the seed and the text-encoder shape `writeRandomModel` derives from `hidden`
 * (bump {@link DEFAULT_MODEL_VERSION} if that derivation or the weight initialization changes).
 */
export const DEFAULT_MODEL_OPTIONS: RandomModelOptions = Object.freeze({
  seed: 20_260_101,
  words: DEFAULT_MODEL_WORDS,
  hidden: 32,
  scheduler: SD1_SCHEDULER_CONFIG,
  unet: Object.freeze({
    _class_name: 'UNet2DConditionModel',
    in_channels: 4,
    out_channels: 4,
    cross_attention_dim: 32,
    block_out_channels: [32, 48, 64],
    down_block_types: ['DownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D'],
    up_block_types: ['CrossAttnUpBlock2D', 'CrossAttnUpBlock2D', 'UpBlock2D'],
    layers_per_block: 1,
    attention_head_dim: 4,
    norm_num_groups: 8,
    sample_size: 32,
  }),
  vae: Object.freeze({
    _class_name: 'AutoencoderKL',
    in_channels: 3,
    out_channels: 3,
    latent_channels: 4,
    scaling_factor: 0.18215,
    block_out_channels: [16, 32, 32],
    down_block_types: ['DownEncoderBlock2D', 'DownEncoderBlock2D', 'DownEncoderBlock2D'],
    up_block_types: ['UpDecoderBlock2D', 'UpDecoderBlock2D', 'UpDecoderBlock2D'],
    layers_per_block: 1,
    norm_num_groups: 8,
    sample_size: 128,
  }),
});

/**
 * Cross-attention query and key weights are multiplied by this factor after generation (the
 * logits by its square). With default-initialized random weights the cross-attention is
 * nearly uniform over the 77 tokens, so every map looks the same and a local-blend mask covers
 * the whole picture; sharper attention gives maps that differ from token to token and across
 * the image, so local blend and attention maps have something to show.
 */
export const DEFAULT_MODEL_ATTENTION_SHARPNESS = 8;

/** Contents of the marker file. */
interface Marker {
  readonly version: string;
  readonly optionsHash: string;
}

function optionsHash(): string {
  return createHash('sha256').update(JSON.stringify({ ...DEFAULT_MODEL_OPTIONS, sharpness: DEFAULT_MODEL_ATTENTION_SHARPNESS })).digest('hex').slice(0, 16);
}

/**
 * Rewrites one component's weights file: tensors matching `scale` are multiplied by `factor`,
 * and the header gets a `reprise.default_model` metadata entry (version and options hash).
 * Weight identities (and so compiled-graph cache keys and the model id in inversion records)
 * are derived from the file header, so the stamp keeps two versions of the default model from
 * ever sharing cached graphs or records, even where their tensor names and shapes agree.
 */
function rewriteComponent(file: string, scale: RegExp | undefined, factor: number): void {
  const source = openSafetensors(file);
  let tensors: TensorToWrite[];
  let metadata: Record<string, string>;
  try {
    metadata = { ...source.metadata, 'reprise.default_model': `${DEFAULT_MODEL_VERSION}:${optionsHash()}` };
    tensors = source.names().map((name) => {
      const data = source.readFloat32(name);
      if (scale?.test(name)) for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) * factor;
      return { name, dtype: 'F32', shape: [...(source.info(name)?.shape ?? [data.length])], data };
    });
  } finally {
    source.close();
  }
  const tmp = `${file}.tmp`;
  writeSafetensors(tmp, tensors, metadata);
  fs.renameSync(tmp, file);
}

/**
 * Where the default model lives when no folder is given: `$REPRISE_DEFAULT_MODEL_DIR`, else
 * `$XDG_CACHE_HOME/reprise/default-model-v1`, else `~/.cache/reprise/default-model-v1`.
 */
export function defaultModelDir(): string {
  const env = process.env.REPRISE_DEFAULT_MODEL_DIR;
  if (env !== undefined && env !== '') return path.resolve(env);
  const cache = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(cache, 'reprise', DEFAULT_MODEL_VERSION);
}

function readMarker(dir: string): Marker | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, DEFAULT_MODEL_MARKER), 'utf8')) as Partial<Marker>;
    return typeof m.version === 'string' && typeof m.optionsHash === 'string' ? { version: m.version, optionsHash: m.optionsHash } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `dir` holds a finished default model of this version. */
export function isDefaultModel(dir: string): boolean {
  const m = readMarker(dir);
  return m !== undefined && m.version === DEFAULT_MODEL_VERSION && m.optionsHash === optionsHash();
}

/**
 * Returns the path of the default model folder, generating it first when it is missing or of
 * another version. Generation is deterministic (fixed seed) and takes well under a second; it
 * is written into a temporary sibling folder and renamed into place, so an interrupted run or
 * a concurrent one never leaves a half-written model.
 *
 * @param dir - target folder (default {@link defaultModelDir}). An existing folder without the
 * marker file is never overwritten: that is an error, as it may be someone else's data.
 * @throws RepriseError (`MODEL_FOLDER`) when `dir` exists, is not empty and is not a default model.
 */
export function ensureDefaultModel(dir: string = defaultModelDir()): string {
  const target = path.resolve(dir);
  if (isDefaultModel(target)) return target;
  const stale = readMarker(target) !== undefined;
  if (fs.existsSync(target) && !stale) {
    const st = fs.statSync(target);
    if (!st.isDirectory() || fs.readdirSync(target).length > 0) {
      throw new RepriseError('MODEL_FOLDER', `${target} exists and is not a Reprise default model (no ${DEFAULT_MODEL_MARKER})`, {
        hint: 'Choose an empty or missing folder for the default model, or remove this one.',
      });
    }
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}.tmp-`));
  try {
    writeRandomModel(tmp, DEFAULT_MODEL_OPTIONS);
    rewriteComponent(path.join(tmp, 'unet', 'diffusion_pytorch_model.safetensors'), /\.attn2\.to_[qk]\.weight$/, DEFAULT_MODEL_ATTENTION_SHARPNESS);
    rewriteComponent(path.join(tmp, 'vae', 'diffusion_pytorch_model.safetensors'), undefined, 1);
    rewriteComponent(path.join(tmp, 'text_encoder', 'model.safetensors'), undefined, 1);
    const marker: Marker & { readonly note: string } = {
      version: DEFAULT_MODEL_VERSION,
      optionsHash: optionsHash(),
      note: 'Generated by Reprise (tools/models/default-model.ts): random weights, for demos and tests only.',
    };
    fs.writeFileSync(path.join(tmp, DEFAULT_MODEL_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    if (fs.existsSync(target)) {
      if (isDefaultModel(target)) return target; // another process finished first
      // An empty folder, or an older default model: replace it.
      fs.rmSync(target, { recursive: true, force: true });
    }
    try {
      fs.renameSync(tmp, target);
    } catch (e) {
      if (isDefaultModel(target)) return target; // lost a race to a concurrent writer
      throw e;
    }
    return target;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
