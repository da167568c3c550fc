/**
 * Checks of a record's fields against the model that will use it, before any of them reaches a
 * graph or an allocation: a tampered record (with a recomputed file checksum) is a typed input
 * error (RUNTIME_INPUT, exit 2), never a crash. The record's own consistency is `checkInversion`'s.
 */
import { z } from 'zod';
import { RepriseError } from '../errors.js';
import type { ModelTransform } from '../io/image/tensor.js';
import type { Inversion } from '../inversion/record.js';

/** Largest image side a record may describe (pixels). */
export const MAX_RECORD_SIDE = 32768;
/** Largest number of pixels a record may describe. */
export const MAX_RECORD_PIXELS = 1 << 28;

function bad(message: string): RepriseError {
  return new RepriseError('RUNTIME_INPUT', `inversion record: ${message}`, { hint: 'The record does not fit this model or was changed; invert the image again with this model.' });
}

const side = z.number().int().min(1).max(MAX_RECORD_SIDE);
const coord = z.number().int().min(0).max(MAX_RECORD_SIDE);
const rect = z.strictObject({ x: coord, y: coord, width: side, height: side });
const layout = { width: side, height: side, channels: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]), bitDepth: z.union([z.literal(8), z.literal(16)]) };

const imageSchema = z.looseObject(layout);
const transformSchema = z.strictObject({
  ...layout,
  geometry: z.strictObject({
    policy: z.enum(['fit', 'crop', 'pad']),
    kernel: z.enum(['lanczos3', 'bicubic', 'bilinear', 'nearest']),
    originalWidth: side,
    originalHeight: side,
    modelWidth: side,
    modelHeight: side,
    source: rect,
    content: rect,
  }),
  alpha: z.union([
    z.strictObject({ mode: z.literal('none') }),
    z.strictObject({ mode: z.literal('composite'), background: z.tuple([z.number(), z.number(), z.number()]) }),
    z.strictObject({ mode: z.literal('drop') }),
  ]),
  alphaSamples: z.strictObject({ bits: z.union([z.literal(8), z.literal(16)]), base64: z.string() }).optional(),
});

/** The stored JSON form of a {@link ModelTransform} (alpha samples base64-encoded). */
export type StoredTransform = Omit<ModelTransform, 'alphaSamples'> & { readonly alphaSamples?: { readonly bits: 8 | 16; readonly base64: string } };

function firstIssue(e: z.ZodError): string {
  const i = e.issues[0];
  return i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'invalid';
}

/** Validates a record's pixel transform JSON (sizes bounded, rectangles inside their images). */
export function parseStoredTransform(json: unknown): StoredTransform {
  const r = transformSchema.safeParse(json);
  if (!r.success) throw bad(`pixels.transform is invalid (${firstIssue(r.error)})`);
  const t = r.data;
  const g = t.geometry;
  const inside = (q: { x: number; y: number; width: number; height: number }, w: number, h: number): boolean => q.x + q.width <= w && q.y + q.height <= h;
  if (g.originalWidth !== t.width || g.originalHeight !== t.height) throw bad(`pixels.transform: geometry ${g.originalWidth}×${g.originalHeight} is not the image's ${t.width}×${t.height}`);
  if (!inside(g.source, g.originalWidth, g.originalHeight) || !inside(g.content, g.modelWidth, g.modelHeight)) throw bad('pixels.transform: a geometry rectangle lies outside its image');
  if (t.width * t.height > MAX_RECORD_PIXELS || g.modelWidth * g.modelHeight > MAX_RECORD_PIXELS) throw bad(`pixels.transform: more than ${MAX_RECORD_PIXELS} pixels`);
  if (t.alphaSamples !== undefined && Buffer.byteLength(t.alphaSamples.base64, 'base64') !== t.width * t.height * (t.alphaSamples.bits / 8)) throw bad('pixels.transform: alpha samples of the wrong size');
  return t as StoredTransform;
}

/** What a model offers a record. */
export interface RecordModelFacts {
  /** UNet latent channels (in_channels). */
  readonly latentChannels: number;
  /** VAE pixels per latent cell. */
  readonly vaeScaleFactor: number;
  /** Prompt-embedding length L · D (tokens × text width). */
  readonly conditioningLength: number;
}

/**
 * Checks a record's latent shape, conditioning and pixel residual fields against the model.
 * @throws RepriseError (RUNTIME_INPUT) naming the field
 */
export function checkRecordFields(record: Inversion, m: RecordModelFacts): void {
  const [c, h, w] = record.latentShape;
  if (c !== m.latentChannels) throw bad(`latentShape [${record.latentShape.join(', ')}] has ${c} channels, the model's UNet takes ${m.latentChannels}`);
  if (h * m.vaeScaleFactor > MAX_RECORD_SIDE || w * m.vaeScaleFactor > MAX_RECORD_SIDE) {
    throw bad(`latentShape [${record.latentShape.join(', ')}]: sides must be at most ${MAX_RECORD_SIDE / m.vaeScaleFactor}`);
  }
  const cl = record.conditioning.cond.length;
  if (cl !== m.conditioningLength) throw bad(`the conditioning holds ${cl} values, the model's prompt embeddings ${m.conditioningLength} (tokens × text width)`);
  const p = record.pixels;
  if (p === undefined) return;
  const img = imageSchema.safeParse(p.image);
  if (!img.success) throw bad(`pixels.image is invalid (${firstIssue(img.error)})`);
  const t = parseStoredTransform(p.transform);
  const i = img.data;
  if (t.width !== i.width || t.height !== i.height || t.channels !== i.channels || t.bitDepth !== i.bitDepth) throw bad('pixels.transform and pixels.image describe different images');
  if (t.geometry.modelWidth !== w * m.vaeScaleFactor || t.geometry.modelHeight !== h * m.vaeScaleFactor) {
    throw bad(`pixels.transform: model size ${t.geometry.modelWidth}×${t.geometry.modelHeight} is not the latent's ${w * m.vaeScaleFactor}×${h * m.vaeScaleFactor}`);
  }
  const expected = [i.height, i.width, i.channels];
  if (p.shape.length !== 3 || p.shape.some((d, k) => d !== expected[k])) throw bad(`pixels.shape [${p.shape.join(', ')}] is not the image's [${expected.join(', ')}]`);
}
