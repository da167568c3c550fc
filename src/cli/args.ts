/** What the commands share beyond their tables (options/): positionals, the model flags' checks and loading, output paths. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RepriseError } from '../errors.js';
import { Pipeline } from '../editing/pipeline.js';
import type { ModelLoadOptions } from '../editing/model.js';
import { resolveDeviceSpec, type Device } from '../runtime/device.js';
import { UsageError } from './errors.js';
import type { ModelDType } from '../models/build-options.js';
import { ignoredComponentsNote } from '../models/hub-folder.js';

/** Exactly one positional argument, named `what` in the error. */
export function onePositional(positionals: readonly string[], what: string, help: string): string {
  if (positionals.length === 0) throw new UsageError(`missing ${what}`, help);
  if (positionals.length > 1) throw new UsageError(`expected one ${what}, got ${positionals.length} arguments: ${positionals.join(' ')}`, help);
  return positionals[0] as string;
}

/** What the model flags resolve to. */
export interface ModelFlags {
  readonly folder: string;
  readonly device: Device;
  /** CUDA GPU index from `--device cuda:N` (absent: onnxruntime's default, 0). */
  readonly deviceId?: number;
  readonly load: ModelLoadOptions;
}

/** Checks the model flags (folder exists and looks like a diffusers folder, device usable, dtype valid). */
export function modelFlags(values: { model?: string | undefined; device?: string | undefined; dtype?: string | undefined; 'no-cache'?: boolean | undefined }, help: string, fallbackModel?: string): ModelFlags {
  const folder = values.model ?? fallbackModel;
  if (folder === undefined) throw new UsageError('missing --model <folder> (a diffusers model folder)', help);
  checkModelFolder(folder);
  const { device, deviceId } = resolveDeviceSpec(values.device ?? 'cpu');
  // --dtype is one of the table's choices (options/common.ts), checked when parsed.
  const dtype = (values.dtype as ModelDType | undefined) ?? (device === 'cuda' ? 'fp16' : 'fp32');
  const id = deviceId !== undefined ? { deviceId } : {};
  return { folder, device, ...id, load: { device, ...id, dtype, ...(values['no-cache'] ? { cache: false as const } : {}) } };
}

/** A clear error for a model folder that does not exist or is not a diffusers folder (before any loading). */
export function checkModelFolder(folder: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(folder);
  } catch {
    throw new RepriseError('MODEL_FOLDER', `model folder not found: ${folder} (looked for ${path.resolve(folder)})`, {
      hint: 'Pass --model with the path of a diffusers model folder (the one holding model_index.json).',
    });
  }
  if (!st.isDirectory()) {
    throw new RepriseError('MODEL_FOLDER', `--model ${folder} is a file, not a model folder`, { hint: 'Pass the folder holding model_index.json, unet/, vae/, text_encoder/, tokenizer/ and scheduler/.' });
  }
}

/** Loads the pipeline of the model flags. */
export function loadPipeline(flags: ModelFlags): Promise<Pipeline> {
  const note = ignoredComponentsNote(flags.folder);
  if (note !== undefined) process.stderr.write(`${note}\n`);
  return Pipeline.load(flags.folder, flags.load);
}

/** Whether `file` names an inversion record (by extension) rather than an image. */
export function isRecordPath(file: string): boolean {
  return file.toLowerCase().endsWith('.safetensors');
}

/** The file name stem: `photos/cat.jpg` → `cat`, `cat.inv.safetensors` → `cat`. */
export function fileStem(file: string): string {
  const base = path.basename(file);
  const lower = base.toLowerCase();
  for (const ext of ['.inv.safetensors', '.safetensors']) if (lower.endsWith(ext) && base.length > ext.length) return base.slice(0, -ext.length);
  const ext = path.extname(base);
  return ext !== '' && base.length > ext.length ? base.slice(0, -ext.length) : base;
}

/** Refuses an output path that is one of the inputs (never overwrite what is being read). */
export function assertNotInput(output: string, inputs: readonly string[], help: string): void {
  const real = (p: string): string => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const out = real(output);
  for (const input of inputs) {
    if (real(input) === out) throw new UsageError(`refusing to overwrite the input ${input} with an output; choose another output name`, help);
  }
}

/** Refuses an output folder path that exists as a file (checked early; the folder is created when writing). */
export function checkOutputFolder(dir: string): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir);
  } catch {
    return;
  }
  if (!st.isDirectory()) throw new RepriseError('RUNTIME_INPUT', `${dir} exists and is not a folder`, { hint: 'Choose an output folder.' });
}

/** Creates an output folder (and its parents) if missing. */
export function ensureFolder(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new RepriseError('RUNTIME_INPUT', `cannot create the output folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      hint: 'Choose an output folder you can write to.',
      cause: e,
    });
  }
  if (!fs.statSync(dir).isDirectory()) throw new RepriseError('RUNTIME_INPUT', `${dir} is not a folder`, { hint: 'Choose an output folder.' });
}

/** Checks the folder of an output file exists (so the error comes before hours of work, not after). */
export function checkOutputFile(file: string): void {
  const dir = path.dirname(path.resolve(file));
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir);
  } catch {
    st = undefined;
  }
  if (st === undefined || !st.isDirectory()) {
    throw new RepriseError('RUNTIME_INPUT', `cannot write ${file}: the folder ${dir} does not exist`, { hint: 'Create the folder first, or choose another output path.' });
  }
  try {
    if (fs.statSync(file).isDirectory()) throw new RepriseError('RUNTIME_INPUT', `cannot write ${file}: a folder has that name`, { hint: 'Choose a file name that is not a folder.' });
  } catch (e) {
    if (e instanceof RepriseError) throw e;
  }
}
