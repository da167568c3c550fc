/**
 * Scene specifications: what a scene contains (objects on a background), independent of the
 * image size it is rendered at, plus the zod schema that validates one and its caption.
 */
import { z } from 'zod';
import { RepriseError } from '../../src/errors.js';
import type { PlacedShape } from './geometry.js';
import {
  COLOUR_NAMES,
  POSITIONS,
  SHAPE_NAMES,
  SIZE_NAMES,
  SIZE_RADIUS,
  TEXTURE_ADJECTIVE,
  TEXTURE_NAMES,
  positionName,
} from './vocabulary.js';

/** One object: a coloured shape of a named size centred at `(x, y)`, given as fractions of the frame (origin top left). */
export const sceneObjectSchema = z.object({
  shape: z.enum(SHAPE_NAMES),
  colour: z.enum(COLOUR_NAMES),
  size: z.enum(SIZE_NAMES),
  x: z.number().finite().min(0).max(1),
  y: z.number().finite().min(0).max(1),
});

/** The background: a named colour, flat or textured with a shade of itself. */
export const backgroundSchema = z.object({
  colour: z.enum(COLOUR_NAMES),
  texture: z.enum(TEXTURE_NAMES),
});

/** A scene: 1–4 objects, drawn in order (later objects on top), over a background. */
export const sceneSpecSchema = z.object({
  objects: z.array(sceneObjectSchema).min(1).max(4),
  background: backgroundSchema,
});

/** One object of a {@link SceneSpec}. */
export type SceneObject = z.infer<typeof sceneObjectSchema>;

/** The background of a {@link SceneSpec}. */
export type SceneBackground = z.infer<typeof backgroundSchema>;

/** A scene specification (validated by {@link sceneSpecSchema}). */
export type SceneSpec = z.infer<typeof sceneSpecSchema>;

/** Validates a scene specification, throwing a `RUNTIME_INPUT` {@link RepriseError} that lists the problems. */
export function parseSceneSpec(spec: unknown): SceneSpec {
  const res = sceneSpecSchema.safeParse(spec);
  if (res.success) return res.data;
  const issues = res.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new RepriseError('RUNTIME_INPUT', `Invalid scene spec: ${issues}`, {
    hint: 'Use the names in tools/scenes/vocabulary.ts and positions x, y in [0, 1].',
  });
}

/** What a caption mentions besides colour and shape. */
export interface CaptionOptions {
  /** Prefix each object with its size word ("a small red circle"). Default false. */
  readonly sizes?: boolean;
  /** Follow each object with its position phrase ("… on the left"). Default false. */
  readonly positions?: boolean;
}

function withArticle(phrase: string): string {
  return /^[aeiou]/.test(phrase) ? `an ${phrase}` : `a ${phrase}`;
}

/** The caption of one object, e.g. "an orange star" or "a small red circle on the left". */
export function objectPhrase(obj: SceneObject, options: CaptionOptions = {}): string {
  const words = [options.sizes ? obj.size : undefined, obj.colour, obj.shape].filter((w) => w !== undefined);
  const np = withArticle(words.join(' '));
  return options.positions ? `${np} ${POSITIONS[positionName(obj.x, obj.y)].phrase}` : np;
}

/** The caption of a background, e.g. "a yellow background" or "a yellow striped background". */
export function backgroundPhrase(bg: SceneBackground): string {
  const adj = TEXTURE_ADJECTIVE[bg.texture];
  return withArticle(adj === undefined ? `${bg.colour} background` : `${bg.colour} ${adj} background`);
}

/**
 * The caption of a scene: objects in drawing order joined by commas and "and", then
 * "on <background>": "a red circle and a blue square on a yellow striped background".
 */
export function sceneCaption(spec: SceneSpec, options: CaptionOptions = {}): string {
  const parts = spec.objects.map((o) => objectPhrase(o, options));
  const last = parts.pop() ?? '';
  const objects = parts.length === 0 ? last : `${parts.join(', ')} and ${last}`;
  return `${objects} on ${backgroundPhrase(spec.background)}`;
}

/** Pixel-space placement (centre and circumradius in pixels) of each object of a scene rendered at `size × size`. */
export function placeObjects(spec: SceneSpec, size: number): PlacedShape[] {
  return spec.objects.map((o) => ({ shape: o.shape, cx: o.x * size, cy: o.y * size, r: SIZE_RADIUS[o.size] * size }));
}
