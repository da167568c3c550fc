/**
 * Options of the public editing API (zod-validated; defaults from the reference
 * implementations, docs/design.md §4). Everything from outside — code, CLI flags, job files — goes
 * through these schemas.
 */
import { z } from 'zod';
import { crossReplaceSchema, selfReplaceSchema } from '../attention/alignment/index.js';
import { ConfigError } from '../errors.js';
import { INVERSION_METHODS, methodOptionFields, resolveInversionOptions, type InversionOptions } from '../inversion/options.js';
import { GENERATION_METHODS, inversionMethods } from '../inversion/registry.js';
import type { InversionMethod } from '../inversion/types.js';
import { SOLVER_IDS, specForName, timeShiftSchema } from '../solvers/index.js';

const methodSchema = z.enum(INVERSION_METHODS as unknown as [InversionMethod, ...InversionMethod[]]);
const fraction = z.number().min(0).max(1);
const seed = z.number().int().min(0).max(2 ** 32 - 1);

/** How an input image is fitted to the model's size multiple. */
export const resizeSchema = z.strictObject({
  policy: z.enum(['fit', 'crop', 'pad']).default('fit'),
  /** Longest side (fit/pad) or square side (crop/pad); 'input' keeps the input's size; default the model's working size (editing/working-size.ts). */
  size: z.union([z.number().int().positive(), z.literal('input')]).optional(),
});

/** Options of `Pipeline.invert`. */
export const invertOptionsSchema = z.strictObject({
  /** Prompt describing the input image. */
  prompt: z.string().default(''),
  negativePrompt: z.string().default(''),
  method: methodSchema.default('ef-ddpm'),
  /** Sampling steps (default 50; 8 for LCM models). */
  steps: z.number().int().min(1).max(1000).optional(),
  /** Source guidance (default: 3.5 for EF-DDPM as the reference, 1 otherwise). */
  guidance: z.number().min(0).max(50).optional(),
  // Method options: each method's own schema (range, message) from the registry, without the
  // default (the method fills it in); a key the chosen method does not take is refused by
  // `methodOptionsOf`, never dropped.
  ...methodOptionFields(),
  resize: resizeSchema.prefault({}),
  /** Store the VAE residual so reconstruction is bit-identical (default true). */
  residual: z.boolean().default(true),
});
export type InvertOptions = z.input<typeof invertOptionsSchema>;

/** Every option key some registered method takes (the method options of {@link invertOptionsSchema}). */
export const METHOD_OPTION_KEYS: readonly string[] = [...new Set(inversionMethods().flatMap((s) => Object.keys(s.options.shape)))];

/**
 * The inversion options of parsed invert options: the chosen method and the method options given.
 * A method option the method does not take (`gamma` with EF-DDPM, `eta` with BDIA) is refused with
 * the method's own message, never silently dropped.
 * @throws ConfigError (CONFIG_INVALID) naming the option and the method, with the options it takes
 */
export function methodOptionsOf(o: { readonly method: InversionMethod } & Readonly<Record<string, unknown>>): InversionOptions {
  const given = Object.fromEntries(METHOD_OPTION_KEYS.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
  resolveInversionOptions({ method: o.method, ...given });
  return { method: o.method, ...given } as InversionOptions;
}

const localBlendSchema = z.union([
  z.array(z.string()).min(1),
  z.strictObject({
    /** Words of the source and/or target prompts whose attention defines the edited region. */
    words: z.array(z.string()).min(1),
    threshold: fraction.default(0.3),
    /** Fraction of the steps after which blending starts (reference 0.2). */
    start: fraction.default(0.2),
    /** Words whose region is excluded. */
    subtract: z.array(z.string()).optional(),
  }),
]);

/** Attention control of an edit. */
export const attentionOptionsSchema = z.strictObject({
  /** replace (same word count), refine (NW alignment) or auto (replace when word counts match). */
  edit: z.enum(['auto', 'replace', 'refine', 'none']).default('auto'),
  crossReplace: crossReplaceSchema.default(0.8),
  selfReplace: selfReplaceSchema.default(0.4),
  /** Self-attention replacement only on layers with at most this many query tokens (16² as the reference; 32² option). */
  selfMaxTokens: z.union([z.literal(256), z.literal(1024), z.literal(4096)]).default(256),
  /** Word → weight of its cross-attention columns (prompt-to-prompt reweight). */
  reweight: z.record(z.string(), z.number()).optional(),
  localBlend: localBlendSchema.optional(),
  /** Mutual self-attention (targets attend to the source's keys/values): step window as fractions, decoder layers by default. */
  mutual: z.strictObject({ from: fraction.default(0.25), to: fraction.default(1), places: z.array(z.enum(['down', 'mid', 'up'])).default(['up']) }).optional(),
  /** Cross-attention map resolution kept for local blend and maps (default 16, or the nearest available). */
  resolution: z.number().int().positive().optional(),
});
export type AttentionOptions = z.input<typeof attentionOptionsSchema>;

/** Options of `Pipeline.edit`. */
/** A solver of the registry: its id, an alias or the diffusers class name. */
export const solverName = z.string().refine((n) => specForName(n) !== undefined, {
  error: (issue) => `unknown scheduler ${JSON.stringify(issue.input)} (choices: ${SOLVER_IDS.join(', ')}, or a diffusers class name of one)`,
});

export const editOptionsSchema = z.strictObject({
  /** Target prompt, or several (one pass edits them all). */
  prompt: z.union([z.string(), z.array(z.string()).min(1)]),
  /** Target guidance (default: 9 for EF-DDPM with P2P as the reference, 2 for DDCM, else 7.5). */
  guidance: z.number().min(0).max(50).optional(),
  negativePrompt: z.string().optional(),
  attention: attentionOptionsSchema.prefault({}),
  /** BDIA: γ used while editing (0.92–1). */
  gamma: z.number().gt(0).lte(1).optional(),
  /** DDIM-family records (ddim, negative-prompt): the registered solver of the target branches (the source keeps DDIM). */
  scheduler: solverName.optional(),
  /** Karras σ placement for that scheduler. */
  karras: z.boolean().optional(),
});
export type EditOptions = z.input<typeof editOptionsSchema>;

/** Options of `Pipeline.generate`. */
export const generateOptionsSchema = z.strictObject({
  seed: seed.default(0),
  steps: z.number().int().min(1).max(1000).optional(),
  guidance: z.number().min(0).max(50).default(7.5),
  negativePrompt: z.string().default(''),
  /** Sample with this inversion method's own rule; its record is exact by construction. Default: the folder's scheduler (DDIM folders: 'ddim'). */
  method: z.enum(GENERATION_METHODS as unknown as [InversionMethod, ...InversionMethod[]]).optional(),
  /** Or any registered solver (`pndm`, `unipc`, `dpm-solver++`, … or a diffusers class name): the image is then EF-DDPM-inverted for its record. */
  scheduler: solverName.optional(),
  /** Karras σ placement for the scheduler (classes with `use_karras_sigmas`). */
  karras: z.boolean().optional(),
  /**
   * Time-shift sampling with the scheduler (Li et al. 2024; docs/solvers.md "Time-shift sampling"):
   * `{ window, cutoff }`; window 0 or absent: plain sampling. Needs a scheduler that takes it
   * (ddim, ddpm, dpm-solver++, deis, unipc, dpm-solver-singlestep); the record is the EF-DDPM inversion as usual.
   */
  timeShift: timeShiftSchema.optional(),
  /** The starting latent z_T ([C·H·W] unit-variance noise), as diffusers' `latents=`; default: drawn from `seed`. */
  latents: z.custom<Float32Array>((v) => v instanceof Float32Array, { error: 'latents must be a Float32Array' }).optional(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
});
export type GenerateOptions = z.input<typeof generateOptionsSchema>;

/** Parses options with a schema; every problem becomes one ConfigError naming the keys. */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`);
  throw new ConfigError('CONFIG_INVALID', r.error.issues[0]?.path.join('.') ?? what, `Invalid ${what} options:\n  ${issues.join('\n  ')}`, `See the ${what} options in the API reference (docs/api) or \`reprise ${what} --help\`.`);
}
