/**
 * The inversion-method spec: everything Reprise knows about one inversion method, in one object.
 * A method file (ddim.ts, ef-ddpm.ts, …) exports one spec; the registry (registry.ts) lists them;
 * option validation, the record's tensors, reconstruction, sampling for edits, generation, the
 * Pipeline's and job files' options, the CLI's `--method` choices and flags and the docs table
 * are all derived from it. Adding a method: one file exporting a spec, and one registry line.
 *
 * Options are a strict zod object whose every field is a plain `z.number()`, `z.boolean()` or
 * `z.enum()` with its range checks (each with its own message), a `.default()` and a
 * `.describe()` help text — so that flags, help and docs can be read off the shape
 * ({@link optionFacts}).
 */
import type { z } from 'zod';
import type { Random } from '../util/random.js';
import type { BranchPredict, SamplingPlan, StepEndHook } from './types.js';

/** One option of a method: a plain number, boolean or enum with a default (and a description). */
export type OptionSchema = z.ZodDefault<z.ZodNumber> | z.ZodDefault<z.ZodBoolean> | z.ZodDefault<z.ZodEnum>;

/** The options of a method, by name. */
export type OptionsShape = { readonly [key: string]: OptionSchema };

/** The options object a method's `options` schema parses (strict: unknown keys are refused). */
export type OptionsSchema<S extends OptionsShape = OptionsShape> = z.ZodObject<S, z.core.$strict>;

/** A method's options as callers write them (every option optional). */
export type OptionsInputOf<S extends OptionsShape> = { readonly [K in keyof S]?: z.input<S[K]> };

/** A method's options with every default filled in. */
export type ResolvedOptionsOf<S extends OptionsShape> = { readonly [K in keyof S]: z.output<S[K]> };

/**
 * How one field of a method's latents is stored in the record (tensor `latents.<field>`):
 * `latent` a Float32Array of one latent [C, H, W]; `latent64` a Float64Array of one latent,
 * stored exactly as float32 parts (`latents.<field>` [C, H, W] = fround(z) and
 * `latents.<field>.rest` [2, C, H, W], see `splitFloat64`); `stack` an array of latents stored as
 * one [n, C, H, W] tensor, n given by the options and the step count.
 */
export type RecordTensor<O> =
  | { readonly kind: 'latent' }
  | { readonly kind: 'latent64' }
  | { readonly kind: 'stack'; count(options: O, steps: number): number; readonly shape: string };

/** What a record stores of a method's latents. */
export interface RecordLayout<O, L> {
  /** The latent fields stored as tensors, in file order. */
  readonly tensors: { readonly [K in keyof L]?: RecordTensor<O> };
  /** The latent fields that are not tensors, rebuilt from the record's z0 and options (DDCM). */
  restore?(context: { readonly z0: Float32Array; readonly options: O }): Partial<L>;
  /** A consistency check of latents against the record (a message, or undefined when consistent). */
  check?(latents: L, context: { readonly z0: Float32Array; readonly options: O; readonly steps: number }): string | undefined;
}

/** What generation with a method's own rule starts from (see `canGenerate`). */
export interface GenerationStart {
  readonly plan: SamplingPlan;
  /** The 1-branch predictor of the prompt. */
  readonly predict: BranchPredict;
  /** The starting latent z_T (unit variance). */
  readonly start: Float32Array;
  /** The seeded generator, after z_T was drawn from it (for any further noise). */
  readonly rng: Random;
}

/** Attention controls of an edit (`attention` options of `Pipeline.edit`). */
export const ATTENTION_CONTROLS = ['replace', 'refine', 'reweight', 'local-blend', 'mutual'] as const;
/** One attention control. */
export type AttentionControlName = (typeof ATTENTION_CONTROLS)[number];

/** A problem of options against the plan, naming the key. */
export interface OptionProblem {
  readonly key: string;
  readonly message: string;
}

/** One inversion method. */
export interface InversionSpec<N extends string = string, S extends OptionsShape = OptionsShape, L extends object = object> {
  /** The option / CLI name (`method: 'bdia'`, `--method bdia`). */
  readonly name: N;
  /** The name in messages ("BDIA", "EF-DDPM"). */
  readonly label: string;
  /** What it is and how it edits, one sentence for the docs table. */
  readonly summary: string;
  /** Paper (authors, venue, arXiv link). */
  readonly paper: string;
  /** The options (strict; defaults and ranges; every field described). */
  readonly options: OptionsSchema<S>;
  /** Checks of resolved options against the plan (EF-DDPM's skip < steps). */
  checkOptions?(options: ResolvedOptionsOf<S>, context: { readonly steps: number }): OptionProblem | undefined;
  /** Whether the method claims exact reconstruction (the contract test holds it to it). */
  readonly exact: boolean;
  /** How exact, in words, for the docs ("by construction", "with deterministic kernels", …). */
  readonly exactness: string;
  /** UNet calls per step, inversion / sampling, per branch (docs). */
  readonly calls: { readonly invert: string; readonly sample: string };
  /** Inverts z0 with the source conditioning baked into `predict` (1 branch). */
  invert(plan: SamplingPlan, predict: BranchPredict, z0: Float32Array, options: ResolvedOptionsOf<S>): Promise<L>;
  /** Samples `branches` branches from the latents (branch 0 = source); returns each branch's final latent. */
  sample(plan: SamplingPlan, latents: L, predict: BranchPredict, branches: number, options: ResolvedOptionsOf<S>, onStepEnd?: StepEndHook): Promise<Float32Array[]>;
  /** Option keys an edit may set for sampling only (BDIA's γ). */
  readonly samplingOverrides?: readonly (keyof S & string)[];
  /** The record's tensors of the latents. */
  readonly record: RecordLayout<ResolvedOptionsOf<S>, L>;
  /** Generation with the method's own rule: the latents that sample an image from z_T (absent: the method cannot generate). */
  generate?(start: GenerationStart): Promise<L>;
  /** `source-as-uncond`: sampling replaces the unconditional embedding by the source prompt's (negative-prompt inversion). */
  readonly conditioning: 'standard' | 'source-as-uncond';
  /** Solvers of an edit's target branches: `any` registered solver (the latent is a DDIM z_T), or only the method's `own` rule. */
  readonly solvers: 'any' | 'own';
  /** The attention controls an edit of this method's records supports. */
  readonly attention: readonly AttentionControlName[];
  /** Default classifier-free guidance of `Pipeline.invert` and `Pipeline.edit`. */
  readonly guidance: { readonly invert: number; readonly edit: number };
}

/** A spec with its types erased (dispatch by name). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyInversionSpec = InversionSpec<string, OptionsShape, any>;

/** Identity helper that keeps a spec's literal types. */
export function defineInversionMethod<N extends string, S extends OptionsShape, L extends object>(spec: InversionSpec<N, S, L>): InversionSpec<N, S, L> {
  return spec;
}

/** Whether a method can generate images with its own rule. */
export function canGenerate(spec: AnyInversionSpec): boolean {
  return spec.generate !== undefined;
}
