/**
 * The inversion flags of `invert`, `edit` and `maps`: prompt, method, steps, resize, residual,
 * and every inversion method's options (derived from the registry). Ranges, choices and defaults
 * come from `invertOptionsSchema` (editing/options.ts) and the method specs.
 */
import { invertOptionsSchema, resizeSchema } from '../../editing/options.js';
import { guidanceDefault } from './common.js';
import type { Flag } from './define.js';
import { methodFlags } from './method-flags.js';

const shape = invertOptionsSchema.shape;

/** The help section of the inversion flags in `edit` and `maps`. */
export const INVERSION_GROUP = 'Inversion (only when the input is an image, not a record)';

/** The inversion flags (without the source guidance, which each command names). */
export const INVERSION_FLAGS = [
  { name: 'prompt', short: 'p', type: 'string', value: '<text>', schema: shape.prompt, help: 'prompt describing the input image' },
  { name: 'negative-prompt', type: 'string', value: '<t>', schema: shape.negativePrompt, help: 'negative prompt of the source branch' },
  { name: 'method', type: 'choice', schema: shape.method, value: '<m>', help: 'inversion method, see docs/inversion.md' },
  { name: 'steps', type: 'number', schema: shape.steps, default: '50; 8 for LCM models', help: 'sampling steps' },
  { name: 'resize', type: 'choice', schema: resizeSchema.shape.policy, help: "how the image is fitted to the model's size multiple" },
  {
    name: 'size',
    type: 'number',
    schema: resizeSchema.shape.size,
    default: "the model's size: UNet sample_size × VAE factor, 512 for SD 1.5",
    help: 'longest side (fit/pad) or square side (crop) in pixels the model works at',
  },
  { name: 'native', type: 'boolean', help: "invert at the input's own size (rounded to the UNet's multiple) instead" },
  { name: 'no-residual', type: 'boolean', help: 'do not store the VAE residual (smaller record; reconstruction is then not bit-identical)' },
] as const satisfies readonly Flag[];

/** The source (inversion) guidance flag, as `name`. */
export function sourceGuidanceFlag<const N extends string>(name: N) {
  return { name, type: 'number', schema: shape.guidance, default: guidanceDefault('invert'), help: 'guidance of the inversion' } as const satisfies Flag;
}

/** The inversion flags, the method flags and the source guidance flag `guidance`, in help section `group`. */
export function inversionFlags<const N extends string>(guidance: N, group?: string): readonly ((typeof INVERSION_FLAGS)[number] | ReturnType<typeof sourceGuidanceFlag<N>> | Flag)[] {
  const flags = [...INVERSION_FLAGS, ...methodFlags(), sourceGuidanceFlag(guidance)];
  return group === undefined ? flags : flags.map((f) => ({ ...f, group }));
}
