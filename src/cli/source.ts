/**
 * The `<image|inv.safetensors>` argument of `edit` and `maps`, and the inversion flags shared by
 * `invert`, `edit` and `maps`.
 */
import { RepriseError } from '../errors.js';
import type { Pipeline } from '../editing/pipeline.js';
import type { InvertOptions } from '../editing/options.js';
import { readImage } from '../io/image/index.js';
import type { RasterImage } from '../io/image/types.js';
import { INVERSION_METHODS } from '../inversion/options.js';
import { loadInversion, type Inversion } from '../inversion/record.js';
import { choiceFlag, intFlag, isRecordPath, numberFlag } from './args.js';
import { UsageError } from './errors.js';
import type { ProgressBar } from './progress.js';
import { workingSizeLine } from '../editing/working-size.js';

/** parseArgs options of the inversion flags. */
export const INVERT_FLAGS = {
  prompt: { type: 'string', short: 'p' },
  'negative-prompt': { type: 'string' },
  method: { type: 'string' },
  steps: { type: 'string' },
  seed: { type: 'string' },
  resize: { type: 'string' },
  size: { type: 'string' },
  native: { type: 'boolean' },
  'no-residual': { type: 'boolean' },
} as const;

/** Help lines of {@link INVERT_FLAGS} (`--guidance` is documented per command). */
export const INVERT_FLAGS_HELP = `  -p, --prompt <text>    prompt describing the input image (default "")
  --negative-prompt <t>  negative prompt of the source branch (default "")
  --method <m>           ${INVERSION_METHODS.join(' | ')} (default ef-ddpm)
  --steps <n>            sampling steps, 1–1000 (default 50; 8 for LCM models)
  --seed <n>             seed of EF-DDPM's draws and DDCM's noise (default 0)
  --resize fit|crop|pad  how the image is fitted to the model's size multiple (default fit)
  --size <n>             longest side (fit/pad) or square side (crop) in pixels the model works at
                         (default the model's size: UNet sample_size × VAE factor, 512 for SD 1.5)
  --native               invert at the input's own size (rounded to the UNet's multiple) instead
  --no-residual          do not store the VAE residual (smaller record; reconstruction is then not bit-identical)`;

type InvertFlagValues = { readonly [K in keyof typeof INVERT_FLAGS]?: (typeof INVERT_FLAGS)[K]['type'] extends 'boolean' ? boolean | undefined : string | undefined };

/** Builds `InvertOptions` from the inversion flags (`guidance` = the source guidance flag's value). */
export function invertOptionsFromFlags(values: InvertFlagValues, guidance: string | undefined, guidanceFlag: string, help: string): InvertOptions {
  const method = choiceFlag(values.method, 'method', INVERSION_METHODS, help);
  const steps = intFlag(values.steps, 'steps', 1, 1000, help);
  const seed = intFlag(values.seed, 'seed', 0, 2 ** 32 - 1, help);
  const g = numberFlag(guidance, guidanceFlag, 0, 50, help);
  const policy = choiceFlag(values.resize, 'resize', ['fit', 'crop', 'pad'], help);
  const given = intFlag(values.size, 'size', 8, 16384, help);
  if (values.native && given !== undefined) throw new UsageError('--native and --size exclude each other (--native keeps the input\'s size)', help);
  const size = values.native ? ('input' as const) : given;
  if (seed !== undefined && method !== undefined && method !== 'ef-ddpm' && method !== 'ddcm') {
    throw new UsageError(`--seed applies to the ef-ddpm and ddcm methods, not ${method}`, help);
  }
  return {
    prompt: values.prompt ?? '',
    ...(values['negative-prompt'] !== undefined ? { negativePrompt: values['negative-prompt'] } : {}),
    ...(method !== undefined ? { method } : {}),
    ...(steps !== undefined ? { steps } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(g !== undefined ? { guidance: g } : {}),
    ...(policy !== undefined || size !== undefined ? { resize: { ...(policy !== undefined ? { policy } : {}), ...(size !== undefined ? { size } : {}) } } : {}),
    ...(values['no-residual'] ? { residual: false } : {}),
  };
}

/** Which of `keys` were given on the command line, as `--flag` strings (for "not with a record" errors). */
export function givenFlags(values: object, keys: readonly string[]): string[] {
  const all = values as Readonly<Record<string, unknown>>;
  return keys.filter((k) => all[k] !== undefined && all[k] !== false).map((k) => `--${k}`);
}

/** The input of `edit`/`maps`, read before the model is loaded (so a bad file fails fast). */
export type SourceInput =
  | { readonly kind: 'record'; readonly file: string; readonly record: Inversion }
  | { readonly kind: 'image'; readonly file: string; readonly image: RasterImage };

/**
 * Reads `<image|inv.safetensors>`: a `.safetensors` file is loaded as an inversion record
 * (checked; the model is checked later), anything else is decoded as an image.
 */
export async function readSourceInput(file: string): Promise<SourceInput> {
  if (isRecordPath(file)) return { kind: 'record', file, record: loadInversion(file) };
  return { kind: 'image', file, image: await readImage(file) };
}

/** Throws the "record made with another model" error when `record` does not belong to `pipe`'s model. */
export function checkRecordModel(record: Inversion, pipe: Pipeline, file: string, modelFolder: string): void {
  const id = pipe.modelId();
  if (record.modelId !== id) {
    throw new RepriseError('RUNTIME_INPUT', `inversion record ${file} was made with another model (${record.modelId}), not with ${modelFolder} (${id})`, {
      hint: `Pass the --model the record was made with, or invert the image again with this model (reprise invert <image> --model ${modelFolder}).`,
    });
  }
}

/** The inversion of the input: the record (model-checked), or the image inverted now. */
export async function sourceInversion(input: SourceInput, pipe: Pipeline, modelFolder: string, options: InvertOptions, bar: ProgressBar): Promise<Inversion> {
  if (input.kind === 'record') {
    checkRecordModel(input.record, pipe, input.file, modelFolder);
    return input.record;
  }
  const inv = await pipe.invert(input.image, { ...options, onProgress: bar.pipeline() });
  process.stderr.write(`${workingSizeLine(input.image, inv.latentShape, pipe.model.vaeScaleFactor)}\n`);
  return inv;
}
