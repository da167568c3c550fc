/**
 * The inversion-method registry: one line per method. Everything that lists or dispatches on
 * inversion methods (option validation, the record's tensors, reconstruction and edit sampling,
 * generation, the Pipeline's and job files' options, the CLI's `--method` choices, the eval
 * lists, the docs table, the contract test) reads this list.
 * Adding a method: one file exporting an {@link InversionSpec}, and one line here.
 */
import { ConfigError } from '../errors.js';
import { bdiaMethod } from './bdia.js';
import { belmMethod } from './belm.js';
import { ddcmMethod } from './ddcm.js';
import { ddimMethod } from './ddim.js';
import { edictMethod } from './edict.js';
import { efDdpmMethod } from './ef-ddpm.js';
import { negativePromptMethod } from './negative-prompt.js';
import type { AnyInversionSpec, InversionSpec, OptionsShape } from './spec.js';

/** Every registered method, in the order documentation lists them. */
export const INVERSION_SPECS = [
  ddimMethod,
  efDdpmMethod,
  bdiaMethod,
  belmMethod,
  edictMethod,
  ddcmMethod,
  negativePromptMethod,
] as const;

/** The union of every registered spec. */
export type RegisteredInversionSpec = (typeof INVERSION_SPECS)[number];

/** Names of the inversion methods. */
export type InversionMethod = RegisteredInversionSpec['name'];

/** The registered spec of method `N`. */
export type InversionSpecOf<N extends InversionMethod> = Extract<RegisteredInversionSpec, { readonly name: N }>;

/** The options shape of a spec. */
export type OptionsShapeOf<T> = T extends InversionSpec<string, infer S, object> ? S : never;

/** The latents of a spec. */
export type LatentsOf<T> = T extends InversionSpec<string, OptionsShape, infer L> ? L : never;

/** Every method's name, in registry order. */
export const INVERSION_METHODS: readonly InversionMethod[] = INVERSION_SPECS.map((s) => s.name);

/** The methods that generate images with their own rule (a spec with `generate`), in registry order. */
export const GENERATION_METHODS: readonly InversionMethod[] = INVERSION_SPECS.filter((s) => (s as AnyInversionSpec).generate !== undefined).map((s) => s.name);

/** Every registered spec, in registry order. */
export function inversionMethods(): readonly AnyInversionSpec[] {
  return INVERSION_SPECS as readonly AnyInversionSpec[];
}

/** The spec of `name`, or undefined when no method has that name. */
export function findInversionMethod(name: unknown): AnyInversionSpec | undefined {
  return inversionMethods().find((s) => s.name === name);
}

/** True when `name` is a registered method. */
export function isInversionMethod(name: unknown): name is InversionMethod {
  return findInversionMethod(name) !== undefined;
}

/** The quoted method names, for messages. */
export function methodChoices(): string {
  return INVERSION_METHODS.map((m) => `"${m}"`).join(', ');
}

/**
 * The spec of `name`.
 * @throws ConfigError (CONFIG_INVALID, key `method`) naming the value and the registered methods
 */
export function getInversionMethod<N extends InversionMethod>(name: N): InversionSpecOf<N>;
export function getInversionMethod(name: unknown): AnyInversionSpec;
export function getInversionMethod(name: unknown): AnyInversionSpec | RegisteredInversionSpec {
  const spec = findInversionMethod(name);
  if (spec === undefined) {
    const shown = typeof name === 'string' ? JSON.stringify(name) : String(name);
    throw new ConfigError('CONFIG_INVALID', 'method', `inversion options: "method" = ${shown}: method must be one of ${methodChoices()}`, `Choose a method: ${INVERSION_METHODS.join(', ')}.`);
  }
  return spec;
}
