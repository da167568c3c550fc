/**
 * Options of the inversion methods: a discriminated union on `method`, derived from the
 * registry (each method's zod schema holds its options' defaults, ranges and help text; the
 * generated table of docs/inversion.md lists them), validated with errors naming the method,
 * the option, its value and the method's range. Unknown options are refused, never dropped.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { resolveSpecOptions } from './method-options.js';
import type { OptionsInputOf, ResolvedOptionsOf } from './spec.js';
import { getInversionMethod, INVERSION_METHODS, INVERSION_SPECS, inversionMethods, methodChoices, type InversionMethod, type InversionSpecOf, type OptionsShapeOf } from './registry.js';

export { INVERSION_METHODS } from './registry.js';

/** The options shape of registered method `N`. */
export type MethodOptionsShape<N extends InversionMethod> = OptionsShapeOf<InversionSpecOf<N>>;

/** Options of one inversion (what callers write; omitted fields take their defaults). */
export type InversionOptions = { [N in InversionMethod]: { readonly method: N } & OptionsInputOf<MethodOptionsShape<N>> }[InversionMethod];

/** Options with every default filled in (what a record stores). */
export type ResolvedInversionOptions = { [N in InversionMethod]: { readonly method: N } & ResolvedOptionsOf<MethodOptionsShape<N>> }[InversionMethod];

/** `kebab-case` to `camelCase`, at the type level (`ef-ddpm` → `efDdpm`). */
export type KebabToCamel<S extends string> = S extends `${infer A}-${infer B}` ? `${A}${Capitalize<KebabToCamel<B>>}` : S;

/** Defaults of every option, by method (camelCase name; methods without options are absent). */
export type InversionDefaults = {
  readonly [N in InversionMethod as keyof MethodOptionsShape<N> extends never ? never : KebabToCamel<N>]: ResolvedOptionsOf<MethodOptionsShape<N>>;
};

const camel = (name: string): string => name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** Defaults of every option (each method's schema parsing `{}`). */
export const INVERSION_DEFAULTS: InversionDefaults = Object.freeze(
  Object.fromEntries(inversionMethods().filter((s) => Object.keys(s.options.shape).length > 0).map((s) => [camel(s.name), Object.freeze(s.options.parse({}))])),
) as InversionDefaults;

/** zod schema of {@link InversionOptions}, built from every method's schema (unknown keys are rejected; defaults filled in). */
export const inversionOptionsSchema = z.discriminatedUnion(
  'method',
  INVERSION_SPECS.map((s) => s.options.extend({ method: z.literal(s.name) })) as unknown as [z.ZodObject<{ method: z.ZodLiteral<InversionMethod> }>],
  { error: `method must be one of ${methodChoices()}` },
);

function show(v: unknown): string {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : (JSON.stringify(v) ?? String(v));
}

/**
 * Validates options and fills in the defaults.
 * @param input - an {@link InversionOptions} object (any value is checked)
 * @param context - `steps`: the number of sampling steps, for checks against the plan (EF-DDPM's `skip`)
 * @throws ConfigError (CONFIG_INVALID) naming the option, its value and the valid range
 */
export function resolveInversionOptions(input: unknown, context: { readonly steps?: number } = {}): ResolvedInversionOptions {
  if (typeof input !== 'object' || input === null) {
    throw new ConfigError('CONFIG_INVALID', 'method', `inversion options: "method" = ${show(input)}: method must be one of ${methodChoices()}`, `Choose a method: ${INVERSION_METHODS.join(', ')}.`);
  }
  const { method, ...params } = input as { readonly method?: unknown };
  const spec = getInversionMethod(method);
  return { method: spec.name, ...resolveSpecOptions(spec, params, context) } as ResolvedInversionOptions;
}

/** {@link resolveInversionOptions} for one method's parameters (`method` is added), typed by method. */
export function resolveMethodOptions<M extends InversionMethod>(
  method: M,
  params: object,
  context: { readonly steps?: number } = {},
): Extract<ResolvedInversionOptions, { method: M }> {
  return resolveInversionOptions({ ...params, method }, context) as Extract<ResolvedInversionOptions, { method: M }>;
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Every registered method's option schemas, merged by key (`seed` of EF-DDPM and DDCM is one key). */
export type AllMethodOptionsShape = UnionToIntersection<OptionsShapeOf<(typeof INVERSION_SPECS)[number]>>;

/** The method options as optional fields of a flat options object (`Pipeline.invert`, job files): each method's own schema without its default. */
export type MethodOptionFields = { readonly [K in keyof AllMethodOptionsShape]: z.ZodOptional<ReturnType<AllMethodOptionsShape[K]['unwrap']>> };

/**
 * {@link MethodOptionFields} from the registry: for each option key, the first registered
 * method's schema (range and message) with the default removed — the method fills it in.
 */
export function methodOptionFields(): MethodOptionFields {
  const fields: Record<string, z.ZodType> = {};
  for (const spec of inversionMethods()) for (const [key, schema] of Object.entries(spec.options.shape)) fields[key] ??= schema.unwrap().optional();
  return fields as unknown as MethodOptionFields;
}
