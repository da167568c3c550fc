/**
 * Options of the inversion methods: a discriminated union on `method`, validated with zod, and
 * resolved to complete values with the defaults of DESIGN §4.
 *
 * | method | option | default | valid | source |
 * | --- | --- | --- | --- | --- |
 * | `ef-ddpm` | `eta` η | 1 | (0, 1] | Huberman-Spiegelglas et al. 2024 |
 * | `ef-ddpm` | `skip` (first sampling step edited) | 0 | 0 … steps−1 | the reference edits with skip 36/100 (12 with P2P) |
 * | `ef-ddpm` | `seed` (draws of x_t) | 0 | integer in [0, 2³²) | |
 * | `bdia` | `gamma` γ | 1 | (0, 1] | Zhang et al. 2024; editing samples with γ ∈ [0.92, 1] |
 * | `edict` | `p` (mixing) | 0.93 | (0, 1) | Wallace et al. 2023 |
 * | `ddcm` | `seed` (shared noise) | 0 | integer in [0, 2³²) | Xu et al. 2024 (InfEdit) |
 *
 * `ddim` and `negative-prompt` take no options.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { InversionMethod } from './types.js';

/** Every inversion method, in the order documentation lists them. */
export const INVERSION_METHODS = ['ddim', 'ef-ddpm', 'bdia', 'edict', 'ddcm', 'negative-prompt'] as const satisfies readonly InversionMethod[];

/** Defaults of every option (DESIGN §4). */
export const INVERSION_DEFAULTS = Object.freeze({
  efDdpm: Object.freeze({ eta: 1, skip: 0, seed: 0 }),
  bdia: Object.freeze({ gamma: 1 }),
  edict: Object.freeze({ p: 0.93 }),
  ddcm: Object.freeze({ seed: 0 }),
});

/** Options of one inversion (what callers write; omitted fields take their defaults). */
export type InversionOptions =
  | { readonly method: 'ddim' }
  | { readonly method: 'ef-ddpm'; readonly eta?: number; readonly skip?: number; readonly seed?: number }
  | { readonly method: 'bdia'; readonly gamma?: number }
  | { readonly method: 'edict'; readonly p?: number }
  | { readonly method: 'ddcm'; readonly seed?: number }
  | { readonly method: 'negative-prompt' };

/** Options with every default filled in (what a record stores). */
export type ResolvedInversionOptions =
  | { readonly method: 'ddim' }
  | { readonly method: 'ef-ddpm'; readonly eta: number; readonly skip: number; readonly seed: number }
  | { readonly method: 'bdia'; readonly gamma: number }
  | { readonly method: 'edict'; readonly p: number }
  | { readonly method: 'ddcm'; readonly seed: number }
  | { readonly method: 'negative-prompt' };

const seed = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be an integer' })
  .min(0, { error: 'must be ≥ 0' })
  .max(2 ** 32 - 1, { error: 'must be < 2^32' });

/** zod schema of {@link InversionOptions} (unknown keys are rejected). */
export const inversionOptionsSchema = z.discriminatedUnion(
  'method',
  [
    z.strictObject({ method: z.literal('ddim') }),
    z.strictObject({
      method: z.literal('ef-ddpm'),
      eta: z.number({ error: 'must be a number' }).gt(0, { error: 'must lie in (0, 1] (η = 0 encodes nothing: use DDIM)' }).lte(1, { error: 'must lie in (0, 1]' }).optional(),
      skip: z.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).min(0, { error: 'must be ≥ 0' }).optional(),
      seed: seed.optional(),
    }),
    z.strictObject({
      method: z.literal('bdia'),
      gamma: z.number({ error: 'must be a number' }).gt(0, { error: 'must lie in (0, 1]' }).lte(1, { error: 'must lie in (0, 1]' }).optional(),
    }),
    z.strictObject({
      method: z.literal('edict'),
      p: z.number({ error: 'must be a number' }).gt(0, { error: 'must lie in the open interval (0, 1)' }).lt(1, { error: 'must lie in the open interval (0, 1)' }).optional(),
    }),
    z.strictObject({ method: z.literal('ddcm'), seed: seed.optional() }),
    z.strictObject({ method: z.literal('negative-prompt') }),
  ],
  { error: `method must be one of ${INVERSION_METHODS.map((m) => `"${m}"`).join(', ')}` },
);

const OPTION_HINT: Readonly<Record<InversionMethod, string>> = {
  ddim: 'DDIM inversion takes no options: pass { method: "ddim" }.',
  'ef-ddpm': 'EF-DDPM takes eta ∈ (0, 1] (default 1), skip ∈ [0, steps) (default 0) and an integer seed (default 0).',
  bdia: 'BDIA takes gamma ∈ (0, 1] (default 1; editing uses 0.92–1).',
  edict: 'EDICT takes p ∈ (0, 1) (default 0.93).',
  ddcm: 'DDCM takes an integer seed (default 0).',
  'negative-prompt': 'Negative-prompt inversion takes no options: pass { method: "negative-prompt" }.',
};

function show(v: unknown): string {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : (JSON.stringify(v) ?? String(v));
}

/**
 * Validates options and fills in the defaults.
 * @param input - an {@link InversionOptions} object (any value is checked)
 * @param context - `steps`: the number of sampling steps, to check EF-DDPM's `skip` against
 * @throws ConfigError (CONFIG_INVALID) naming the option, its value and the valid range
 */
export function resolveInversionOptions(input: unknown, context: { readonly steps?: number } = {}): ResolvedInversionOptions {
  const r = inversionOptionsSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    const key = issue && issue.path.length > 0 ? issue.path.join('.') : 'method';
    const method = typeof input === 'object' && input !== null ? (input as { method?: unknown }).method : undefined;
    const known = (INVERSION_METHODS as readonly unknown[]).includes(method) ? (method as InversionMethod) : undefined;
    const value = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[key] : input;
    const what = issue?.code === 'unrecognized_keys' ? `unknown option(s) ${(issue as { keys?: string[] }).keys?.map((k) => `"${k}"`).join(', ')}` : `"${key}" = ${show(value)}: ${issue?.message ?? 'invalid'}`;
    throw new ConfigError(
      'CONFIG_INVALID',
      key,
      `inversion options${known ? ` (${known})` : ''}: ${what}`,
      known ? OPTION_HINT[known] : `Choose a method: ${INVERSION_METHODS.join(', ')}.`,
    );
  }
  const o = r.data;
  switch (o.method) {
    case 'ddim':
    case 'negative-prompt':
      return { method: o.method };
    case 'ef-ddpm': {
      const d = INVERSION_DEFAULTS.efDdpm;
      const skip = o.skip ?? d.skip;
      const steps = context.steps;
      if (steps !== undefined && skip >= steps) {
        throw new ConfigError('CONFIG_INVALID', 'skip', `inversion options (ef-ddpm): "skip" = ${skip} must be smaller than the number of steps (${steps})`, OPTION_HINT['ef-ddpm']);
      }
      return { method: 'ef-ddpm', eta: o.eta ?? d.eta, skip, seed: o.seed ?? d.seed };
    }
    case 'bdia':
      return { method: 'bdia', gamma: o.gamma ?? INVERSION_DEFAULTS.bdia.gamma };
    case 'edict':
      return { method: 'edict', p: o.p ?? INVERSION_DEFAULTS.edict.p };
    case 'ddcm':
      return { method: 'ddcm', seed: o.seed ?? INVERSION_DEFAULTS.ddcm.seed };
  }
}

/** {@link resolveInversionOptions} for one method's parameters (`method` is added), typed by method. */
export function resolveMethodOptions<M extends InversionMethod>(
  method: M,
  params: object,
  context: { readonly steps?: number } = {},
): Extract<ResolvedInversionOptions, { method: M }> {
  return resolveInversionOptions({ ...params, method }, context) as Extract<ResolvedInversionOptions, { method: M }>;
}
