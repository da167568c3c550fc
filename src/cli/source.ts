/**
 * The `<image|inv.safetensors>` argument of `edit` and `maps`, and the options the inversion
 * flags of `invert`, `edit` and `maps` (options/inversion.ts) give.
 */
import { RepriseError } from '../errors.js';
import type { Pipeline } from '../editing/pipeline.js';
import { invertOptionsSchema, type InvertOptions } from '../editing/options.js';
import { readImage } from '../io/image/index.js';
import type { RasterImage } from '../io/image/types.js';
import type { InversionMethod } from '../inversion/types.js';
import { loadInversion, type Inversion } from '../inversion/record.js';
import { isRecordPath } from './args.js';
import { UsageError } from './errors.js';
import type { FlagValues } from './options/define.js';
import type { INVERSION_FLAGS } from './options/inversion.js';
import { methodOptionsFromFlags } from './options/method-flags.js';
import type { ProgressBar } from './progress.js';
import { workingSizeLine } from '../editing/working-size.js';

/** The method when `--method` is not given (the API's default). */
const DEFAULT_METHOD = invertOptionsSchema.shape.method.parse(undefined);

/** What {@link invertOptionsFromFlags} reads of a parsed command line. */
export interface InversionFlagsParsed {
  readonly values: FlagValues<typeof INVERSION_FLAGS>;
  /** Every value by flag name (the method flags). */
  readonly all: Readonly<Record<string, unknown>>;
  readonly usage: string;
}

/** Builds `InvertOptions` from the parsed inversion flags (`guidance`: the source guidance flag's value). */
export function invertOptionsFromFlags(parsed: InversionFlagsParsed, guidance: number | undefined): InvertOptions {
  const v = parsed.values;
  if (v.native && v.size !== undefined) throw new UsageError('--native and --size exclude each other (--native keeps the input\'s size)', parsed.usage);
  const method = (v.method ?? DEFAULT_METHOD) as InversionMethod;
  const methodOptions = methodOptionsFromFlags(parsed.all, method, v.method === undefined, parsed.usage, v.steps);
  const size = v.native ? ('input' as const) : v.size;
  const policy = v.resize as 'fit' | 'crop' | 'pad' | undefined;
  return {
    prompt: v.prompt ?? '',
    ...(v['negative-prompt'] !== undefined ? { negativePrompt: v['negative-prompt'] } : {}),
    ...(v.method !== undefined ? { method } : {}),
    ...(v.steps !== undefined ? { steps: v.steps } : {}),
    ...methodOptions,
    ...(guidance !== undefined ? { guidance } : {}),
    ...(policy !== undefined || size !== undefined ? { resize: { ...(policy !== undefined ? { policy } : {}), ...(size !== undefined ? { size } : {}) } } : {}),
    ...(v['no-residual'] ? { residual: false } : {}),
  };
}

/** Which of `names` were given on the command line, as `--flag` strings (for "not with a record" errors). */
export function givenFlags(all: Readonly<Record<string, unknown>>, names: readonly string[]): string[] {
  return names.filter((k) => all[k] !== undefined && all[k] !== false).map((k) => `--${k}`);
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
