/**
 * The `Inversion` record (docs/design.md §4): everything needed to regenerate or edit an image's latent —
 * method and options, model id, schedule, prompts, guidance and the text embeddings used, z0, the
 * method's latents, and an optional pixel residual — and its file format.
 *
 * File format: ONE safetensors file. Tensors (float32, little-endian):
 *
 * | name | shape | when |
 * | --- | --- | --- |
 * | `z0` | [C, H, W] | always |
 * | `conditioning.cond`, `conditioning.uncond` | [L·D] | always |
 * | `latents.zT` | [C, H, W] | ddim, negative-prompt |
 * | `latents.xStart`, `latents.noiseMaps` | [C, H, W], [N − skip, C, H, W] | ef-ddpm |
 * | `latents.zN`, `latents.zNMinus1` (+ `.rest`) | [C, H, W] (+ [2, C, H, W]) each | bdia, belm |
 * | `latents.x`, `latents.y` (+ `.rest`) | [C, H, W] (+ [2, C, H, W]) each | edict |
 * | `pixels.residual` | `pixels.shape` | when a pixel residual is stored |
 *
 * The `latents.*` rows are each method spec's `record.tensors` (written and read from the spec,
 * in its field order). BDIA, O-BELM and EDICT keep float64 latents: each is stored as `name` =
 * fround(z) (a float32 reader sees the latent) and `name.rest` = the two float32 remainders,
 * restored exactly as name + rest[0] + rest[1] (`splitFloat64`).
 *
 * `__metadata__`: `format` = "reprise-inversion", `formatVersion` = "1", `record` = the JSON of
 * everything else (non-finite numbers of scheduler configs kept), and `sha256` = hex SHA-256 of
 * `record` ‖ 0x00 ‖ (for each tensor in file order: name ‖ 0x00 ‖ little-endian bytes), so damage
 * anywhere in the file is detected. The file is written atomically (temporary file + rename).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { RepriseError } from '../errors.js';
import { openSafetensors, writeSafetensors, type SafetensorsFile, type TensorToWrite } from '../io/safetensors.js';
import { parseJsonWithNonFinite, SOLVER_IDS } from '../solvers/index.js';
import { joinFloat64, splitFloat64 } from './common.js';
import { INVERSION_METHODS, resolveInversionOptions, type ResolvedInversionOptions } from './options.js';
import { samplingPlanFromConfig, scheduleDifference } from './plan.js';
import { getInversionMethod, type InversionSpecOf, type LatentsOf } from './registry.js';
import type { AnyInversionSpec, RecordTensor, ResolvedOptionsOf, OptionsShape } from './spec.js';
import type { BranchConditioning, InversionMethod } from './types.js';

/** `format` metadata value of inversion records. */
export const INVERSION_FORMAT = 'reprise-inversion';
/** The record format version this code writes and reads. */
export const INVERSION_FORMAT_VERSION = 1;

/** The prompts behind the conditioning (for display and re-encoding; sampling uses the embeddings). */
export interface InversionPrompts {
  readonly source: string;
  readonly negative?: string;
}

/** The schedule an inversion was made on. */
export interface InversionSchedule {
  /** The diffusers scheduler config (JSON), as given. */
  readonly config: unknown;
  readonly steps: number;
  /** The sampling timesteps, noisiest first (checked against config and steps on load). */
  readonly timesteps: readonly number[];
  /**
   * The rule that produced the record: the inversion method, or the registered solver id a
   * generation sampled with (then the record itself is the method's inversion of its result).
   * Absent in records written before it was stored.
   */
  readonly solver?: string;
  /** Whether that solver placed its σ à la Karras (only stored when true). */
  readonly karras?: boolean;
}

/** The VAE residual r = x − decode(z0), stored and restored as is for its owner. */
export interface PixelResidual {
  readonly residual: Float32Array;
  /** Shape of `residual` (e.g. [3, H, W] at the input's own size). */
  readonly shape: readonly number[];
  /** Opaque JSON describing how to map model pixels back to the input (resize, crop...). */
  readonly transform: unknown;
  /** Opaque JSON image metadata (size, colour depth, orientation...). */
  readonly image: unknown;
}

/** The method's latents, tagged by method (each registered spec's latents type). */
export type InversionLatents = { [N in InversionMethod]: { readonly method: N } & LatentsOf<InversionSpecOf<N>> }[InversionMethod];

/** An inversion record. `method`, `options.method` and `latents.method` agree. */
export interface Inversion {
  readonly method: InversionMethod;
  readonly options: ResolvedInversionOptions;
  /** Identity of the model weights (e.g. the UNet WeightSource's `id`). */
  readonly modelId: string;
  readonly schedule: InversionSchedule;
  readonly prompts: InversionPrompts;
  /** The source branch's conditioning used (embeddings [L·D], guidance), so reconstruction needs no text encoder. */
  readonly conditioning: BranchConditioning;
  /**
   * The guidance w of the time-conditioning embedding (LCM UNets with `time_cond_proj_dim`),
   * which reconstruction and edits must feed again; absent for UNets without one.
   */
  readonly embeddedGuidance?: number;
  /** [C, H, W] of z0. */
  readonly latentShape: readonly [number, number, number];
  readonly z0: Float32Array;
  readonly latents: InversionLatents;
  readonly pixels?: PixelResidual;
}

/** What {@link loadInversion} checks the record against. */
export interface InversionExpectation {
  readonly modelId?: string;
  readonly schedule?: { readonly config: unknown; readonly steps: number };
}

const NON_FINITE_TOKENS = { pos: '__reprise_pos_inf__', neg: '__reprise_neg_inf__', nan: '__reprise_nan__' } as const;

/** JSON.stringify keeping ±Infinity and NaN (read back by parseJsonWithNonFinite). */
function toJson(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? NON_FINITE_TOKENS.nan : v > 0 ? NON_FINITE_TOKENS.pos : NON_FINITE_TOKENS.neg) : v,
  );
}

function badInput(message: string, hint = 'Build the record with invert() and keep its arrays unchanged.'): RepriseError {
  return new RepriseError('RUNTIME_INPUT', `inversion record: ${message}`, { hint });
}

/** The latent fields a method stores as tensors (`latents.<field>`), in file order. */
function tensorFields(spec: AnyInversionSpec): [string, RecordTensor<ResolvedOptionsOf<OptionsShape>>][] {
  return Object.entries(spec.record.tensors).filter((e): e is [string, RecordTensor<ResolvedOptionsOf<OptionsShape>>] => e[1] !== undefined);
}

/** Each stored tensor of a record with its shape. */
function recordTensors(record: Inversion): TensorToWrite[] {
  const shape = [...record.latentShape];
  const size = shape.reduce((a, b) => a * b, 1);
  const f32 = (name: string, data: Float32Array, dims: number[] = shape): TensorToWrite => {
    const n = dims.reduce((a, b) => a * b, 1);
    if (!(data instanceof Float32Array) || data.length !== n) throw badInput(`${name} must be a Float32Array of ${n} values ([${dims.join(', ')}]), got ${data instanceof Float32Array ? data.length : typeof data}`);
    return { name, dtype: 'F32', shape: dims, data };
  };
  const f64 = (name: string, data: Float64Array): TensorToWrite[] => {
    if (!(data instanceof Float64Array) || data.length !== size) throw badInput(`${name} must be a Float64Array of ${size} values ([${shape.join(', ')}])`);
    const { hi, rest } = splitFloat64(data);
    return [f32(name, hi), f32(`${name}.rest`, rest, [2, ...shape])];
  };
  const c = record.conditioning;
  const out = [f32('z0', record.z0), f32('conditioning.cond', c.cond, [c.cond.length]), f32('conditioning.uncond', c.uncond, [c.cond.length])];
  const spec = getInversionMethod(record.method as string); // the erased spec: dispatch by name
  const fields = record.latents as unknown as Readonly<Record<string, unknown>>;
  for (const [field, tensor] of tensorFields(spec)) {
    const name = `latents.${field}`;
    const value = fields[field];
    if (tensor.kind === 'latent') out.push(f32(name, value as Float32Array));
    else if (tensor.kind === 'latent64') out.push(...f64(name, value as Float64Array));
    else {
      if (!Array.isArray(value)) throw badInput(`${name} must be an array of latents`);
      const stack = new Float32Array(value.length * size);
      value.forEach((m: unknown, j) => {
        if (!(m instanceof Float32Array) || m.length !== size) throw badInput(`${name}[${j}] must be a Float32Array of ${size} values`);
        stack.set(m, j * size);
      });
      out.push(f32(name, stack, [value.length, ...shape]));
    }
  }
  if (record.pixels !== undefined) out.push(f32('pixels.residual', record.pixels.residual, [...record.pixels.shape]));
  return out;
}

/** The JSON part of a record. */
function recordJson(record: Inversion): string {
  const c = record.conditioning;
  const json = toJson({
    method: record.method,
    options: record.options,
    modelId: record.modelId,
    schedule: scheduleJson(record.schedule),
    prompts: record.prompts,
    guidance: c.guidance,
    ...(c.guidanceRescale !== undefined ? { guidanceRescale: c.guidanceRescale } : {}),
    ...(record.embeddedGuidance !== undefined ? { embeddedGuidance: record.embeddedGuidance } : {}),
    latentShape: [...record.latentShape],
    conditioningLength: c.cond.length,
    ...(record.pixels !== undefined ? { pixels: { shape: [...record.pixels.shape], transform: record.pixels.transform ?? null, image: record.pixels.image ?? null } } : {}),
  });
  if (json === undefined) throw badInput('cannot be written as JSON');
  return json;
}

/** The JSON of a schedule: config, steps, timesteps, then the solver fields when set. */
function scheduleJson(s: InversionSchedule): InversionSchedule {
  return { config: s.config, steps: s.steps, timesteps: [...s.timesteps], ...(s.solver !== undefined ? { solver: s.solver } : {}), ...(s.karras === true ? { karras: true } : {}) };
}

/** Names a record's `schedule.solver` may hold: the inversion methods and the registered solver ids. */
const RECORD_SOLVERS: ReadonlySet<string> = new Set([...INVERSION_METHODS, ...SOLVER_IDS]);

function checksum(json: string, tensors: readonly { readonly name: string; readonly bytes: Uint8Array }[]): string {
  const h = createHash('sha256').update(json).update('\0');
  for (const t of tensors) h.update(t.name).update('\0').update(t.bytes);
  return h.digest('hex');
}

const bytesOf = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Checks a record's internal consistency (methods agree, options valid, schedule and shapes
 * match, finite guidance, JSON-able pixel metadata).
 * @throws RepriseError (RUNTIME_INPUT) saying what is inconsistent; ConfigError (CONFIG_INVALID) for bad options
 */
export function checkInversion(record: Inversion): void {
  if (record.method !== record.options.method || record.method !== record.latents.method) {
    throw badInput(`method "${record.method}", options.method "${record.options.method}" and latents.method "${record.latents.method}" differ`);
  }
  const steps = record.schedule.steps;
  const options = resolveInversionOptions(record.options, { steps });
  if (typeof record.modelId !== 'string' || record.modelId.length === 0) throw badInput('modelId must be a non-empty string', 'Pass the id of the model weights (e.g. the UNet WeightSource id).');
  const plan = samplingPlanFromConfig(record.schedule.config, steps, record.latentShape);
  if (plan.timesteps.join(',') !== record.schedule.timesteps.join(',')) {
    throw badInput(`timesteps [${record.schedule.timesteps.join(', ')}] are not those of the scheduler config with ${steps} steps ([${plan.timesteps.join(', ')}])`);
  }
  const { solver, karras } = record.schedule;
  if (solver !== undefined && !RECORD_SOLVERS.has(solver)) throw badInput(`schedule.solver ${JSON.stringify(solver)} is neither an inversion method nor a registered solver (${[...RECORD_SOLVERS].join(', ')})`);
  if (karras !== undefined && (karras !== true || solver === undefined)) throw badInput('schedule.karras may only be true, with schedule.solver set');
  const c = record.conditioning;
  if (c.cond.length === 0 || c.uncond.length !== c.cond.length) throw badInput(`conditioning.cond (${c.cond.length}) and .uncond (${c.uncond.length}) must be non-empty and of equal length`);
  if (!Number.isFinite(c.guidance)) throw badInput(`guidance must be finite, got ${c.guidance}`);
  if (record.embeddedGuidance !== undefined && !Number.isFinite(record.embeddedGuidance)) throw badInput(`embeddedGuidance must be finite, got ${record.embeddedGuidance}`);
  if (c.guidanceRescale !== undefined && !(c.guidanceRescale >= 0 && c.guidanceRescale <= 1)) throw badInput(`guidanceRescale must lie in [0, 1], got ${c.guidanceRescale}`);
  const spec = getInversionMethod(record.method as string); // the erased spec: dispatch by name
  const fields = record.latents as unknown as Readonly<Record<string, unknown>>;
  for (const [field, tensor] of tensorFields(spec)) {
    const value = fields[field];
    if (tensor.kind !== 'stack' || !Array.isArray(value)) continue;
    const n = tensor.count(options, steps);
    if (value.length !== n) throw badInput(`${spec.label} with ${steps} steps needs ${n} latents in latents.${field} (${tensor.shape}), the record holds ${value.length}`);
  }
  const problem = spec.record.check?.(record.latents, { z0: record.z0, options, steps });
  if (problem !== undefined) throw badInput(problem);
  if (record.pixels !== undefined) {
    const p = record.pixels;
    if (!Array.isArray(p.shape) || !p.shape.every((d) => Number.isInteger(d) && d >= 0)) throw badInput(`pixels.shape must hold non-negative integers, got ${JSON.stringify(p.shape)}`);
    if (toJson(p.transform ?? null) === undefined || toJson(p.image ?? null) === undefined) throw badInput('pixels.transform and pixels.image must be JSON values');
  }
  recordTensors(record);
}

/**
 * Writes a record to ONE safetensors file, atomically (never a half-written file).
 * @throws RepriseError (RUNTIME_INPUT) for an inconsistent record; (SAFETENSORS_IO) when the file cannot be written
 */
export function saveInversion(path: string, record: Inversion): void {
  checkInversion(record);
  const tensors = recordTensors(record);
  const json = recordJson(record);
  const sha256 = checksum(json, tensors.map((t) => ({ name: t.name, bytes: bytesOf(t.data as Float32Array) })));
  writeSafetensors(path, tensors, { format: INVERSION_FORMAT, formatVersion: String(INVERSION_FORMAT_VERSION), record: json, sha256 });
}

const posInt = z.number().int().positive();
const recordJsonSchema = z.strictObject({
  method: z.enum(INVERSION_METHODS),
  options: z.looseObject({ method: z.string() }),
  modelId: z.string().min(1),
  schedule: z.strictObject({ config: z.unknown(), steps: posInt, timesteps: z.array(z.number().int()), solver: z.string().optional(), karras: z.literal(true).optional() }),
  prompts: z.strictObject({ source: z.string(), negative: z.string().optional() }),
  guidance: z.number(),
  guidanceRescale: z.number().min(0).max(1).optional(),
  embeddedGuidance: z.number().optional(),
  latentShape: z.tuple([posInt, posInt, posInt]),
  conditioningLength: posInt,
  pixels: z.strictObject({ shape: z.array(z.number().int().nonnegative()), transform: z.unknown(), image: z.unknown() }).optional(),
});

const DAMAGED_HINT = 'The file is damaged or was changed after it was saved (records are written atomically); run the inversion again to recreate it.';

function damaged(path: string, message: string, cause?: unknown): RepriseError {
  return new RepriseError('SAFETENSORS_INVALID', `Cannot load inversion record ${path}: ${message}`, { hint: DAMAGED_HINT, cause });
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

/** Reads every tensor (F32 only) in header order. */
function readTensors(path: string, file: SafetensorsFile): Map<string, { shape: readonly number[]; data: Float32Array }> {
  const out = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const name of file.names()) {
    const e = file.entry(name);
    if (e === undefined) continue;
    if (e.dtype !== 'F32') throw damaged(path, `tensor "${name}" is ${e.dtype}, records store F32`);
    out.set(name, { shape: e.shape, data: file.readFloat32(name) });
  }
  return out;
}

/**
 * Loads a record written by {@link saveInversion} and checks it, and (with `expect`) that it was
 * made for this model and schedule.
 * @throws RepriseError (SAFETENSORS_INVALID) for a damaged file, another format or version, missing
 *   or misshapen tensors; (RUNTIME_INPUT) for a record of another model or schedule; (SAFETENSORS_IO)
 *   when the file cannot be read
 */
export function loadInversion(path: string, expect: InversionExpectation = {}): Inversion {
  let file: SafetensorsFile;
  try {
    file = openSafetensors(path);
  } catch (e) {
    if (e instanceof RepriseError && e.code === 'SAFETENSORS_INVALID') throw damaged(path, `not a valid safetensors file (${firstLine(e)})`, e);
    throw e;
  }
  let record: Inversion;
  try {
    record = readRecord(path, file);
  } finally {
    file.close();
  }
  if (expect.modelId !== undefined && expect.modelId !== record.modelId) {
    throw new RepriseError('RUNTIME_INPUT', `inversion record ${path} was made with model "${record.modelId}", not with the loaded model "${expect.modelId}"`, {
      hint: 'Load the model the record was made with, or invert the image again with this model.',
    });
  }
  if (expect.schedule !== undefined) {
    const diff = scheduleDifference(record.schedule, expect.schedule);
    if (diff !== undefined) {
      throw new RepriseError('RUNTIME_INPUT', `inversion record ${path} was made for another schedule: ${diff} (record vs requested)`, {
        hint: `Sample with the record's scheduler config and ${record.schedule.steps} steps, or invert the image again with the new schedule.`,
      });
    }
  }
  return record;
}

function readRecord(path: string, file: SafetensorsFile): Inversion {
  const meta = file.metadata;
  if (meta.format !== INVERSION_FORMAT) {
    throw new RepriseError('SAFETENSORS_INVALID', `${path} is not an inversion record (format ${meta.format === undefined ? 'missing' : JSON.stringify(meta.format)}, expected "${INVERSION_FORMAT}")`, {
      hint: 'Pass a file written by saveInversion (e.g. `reprise invert`), not model weights or other safetensors files.',
    });
  }
  if (meta.formatVersion !== String(INVERSION_FORMAT_VERSION)) {
    throw new RepriseError('SAFETENSORS_INVALID', `inversion record ${path} has format version ${JSON.stringify(meta.formatVersion ?? null)}; this Reprise reads version ${INVERSION_FORMAT_VERSION}`, {
      hint: 'Use the Reprise version that wrote it, or invert the image again.',
    });
  }
  const json = meta.record;
  if (json === undefined) throw damaged(path, 'the metadata holds no "record"');
  const tensors = readTensors(path, file);
  const sum = checksum(json, [...tensors].map(([name, t]) => ({ name, bytes: bytesOf(t.data) })));
  if (meta.sha256 !== sum) throw damaged(path, 'checksum mismatch (the data or metadata changed after saving)');
  let raw: unknown;
  try {
    raw = parseJsonWithNonFinite(json);
  } catch (e) {
    throw damaged(path, `the record metadata is not valid JSON (${firstLine(e)})`, e);
  }
  const parsed = recordJsonSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw damaged(path, `the record metadata is invalid: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown problem'}`);
  }
  const r = parsed.data;
  let options: ResolvedInversionOptions;
  try {
    options = resolveInversionOptions(r.options, { steps: r.schedule.steps });
  } catch (e) {
    throw damaged(path, `its options are invalid (${firstLine(e)})`, e);
  }
  const shape = r.latentShape;
  const size = shape[0] * shape[1] * shape[2];
  const take = (name: string, dims: readonly number[]): Float32Array => {
    const t = tensors.get(name);
    if (t === undefined) throw damaged(path, `tensor "${name}" is missing`);
    tensors.delete(name);
    if (t.shape.length !== dims.length || t.shape.some((d, i) => d !== dims[i])) {
      throw damaged(path, `tensor "${name}" has shape [${t.shape.join(', ')}], expected [${dims.join(', ')}]`);
    }
    return t.data;
  };
  const take64 = (name: string): Float64Array => joinFloat64(take(name, shape), take(`${name}.rest`, [2, ...shape]));
  const z0 = take('z0', shape);
  const cond = take('conditioning.cond', [r.conditioningLength]);
  const uncond = take('conditioning.uncond', [r.conditioningLength]);
  const spec = getInversionMethod(options.method as string); // the erased spec: dispatch by name
  const fields: Record<string, unknown> = {};
  for (const [field, tensor] of tensorFields(spec)) {
    const name = `latents.${field}`;
    if (tensor.kind === 'latent') fields[field] = take(name, shape);
    else if (tensor.kind === 'latent64') fields[field] = take64(name);
    else {
      const m = tensor.count(options, r.schedule.steps);
      const stack = take(name, [m, ...shape]);
      fields[field] = Array.from({ length: m }, (_, j) => stack.slice(j * size, (j + 1) * size));
    }
  }
  const latents = { method: options.method, ...fields, ...spec.record.restore?.({ z0, options }) } as InversionLatents;
  let pixels: PixelResidual | undefined;
  if (r.pixels !== undefined) pixels = { residual: take('pixels.residual', r.pixels.shape), shape: r.pixels.shape, transform: r.pixels.transform, image: r.pixels.image };
  if (tensors.size > 0) throw damaged(path, `unexpected tensor(s) ${[...tensors.keys()].map((k) => `"${k}"`).join(', ')} for a ${options.method} record`);
  const record: Inversion = {
    method: r.method,
    options,
    modelId: r.modelId,
    schedule: scheduleJson(r.schedule),
    prompts: r.prompts.negative === undefined ? { source: r.prompts.source } : { source: r.prompts.source, negative: r.prompts.negative },
    conditioning: { cond, uncond, guidance: r.guidance, ...(r.guidanceRescale !== undefined ? { guidanceRescale: r.guidanceRescale } : {}) },
    ...(r.embeddedGuidance !== undefined ? { embeddedGuidance: r.embeddedGuidance } : {}),
    latentShape: shape,
    z0,
    latents,
    ...(pixels !== undefined ? { pixels } : {}),
  };
  try {
    checkInversion(record);
  } catch (e) {
    throw damaged(path, `it is inconsistent (${firstLine(e)})`, e);
  }
  return record;
}
