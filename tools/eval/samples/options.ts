/**
 * Options of the sample-quality evaluation, validated with zod (the CLI passes its flags'
 * strings through {@link parseSampleEvalOptions}, which coerces numbers).
 */
import { z } from 'zod';
import { RepriseError } from '../../../src/errors.js';

/** First scene seed by default: the demo model was trained on seeds below 1,000,000. */
export const DEFAULT_FIRST_SEED = 1_000_000;

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** The evaluation's settings. */
export const sampleEvalOptionsSchema = z.strictObject({
  /** Scenes (each generated once per caption variant). */
  n: int(1, 100_000).default(100),
  /** Seed of the first scene; scene i uses seed + i, for the scene and for the generation noise. */
  seed: int(0, 2 ** 31 - 1).default(DEFAULT_FIRST_SEED),
  /** DDIM steps per image. */
  steps: int(1, 1000).default(30),
  /** Classifier-free guidance scale. */
  guidance: z.coerce.number().finite().min(0).max(50).default(6),
  /** Image side in pixels (the scenes are rendered at the same size). */
  size: int(16, 1024).default(64),
});

/** Validated settings. */
export type SampleEvalOptions = z.output<typeof sampleEvalOptionsSchema>;

/** Settings as given (every field optional; numbers may be strings). */
export type SampleEvalInput = z.input<typeof sampleEvalOptionsSchema>;

/**
 * Validates settings, throwing a `RUNTIME_INPUT` {@link RepriseError} that names every bad field
 * as its flag (`--steps: …`).
 */
export function parseSampleEvalOptions(input: unknown): SampleEvalOptions {
  const r = sampleEvalOptionsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `--${i.path.join('.') || '(options)'}: ${i.message}`);
  throw new RepriseError('RUNTIME_INPUT', `Invalid options: ${issues.join('; ')}`, {
    hint: 'The flags and their ranges are in docs/sample-quality.md.',
  });
}
