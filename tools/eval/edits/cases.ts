/**
 * Edit cases with known answers, built from a scene spec: each case names the target caption, the
 * attention options a user would give `Pipeline.edit`, and the spec of the expected result, so
 * the right answer is itself renderable with `renderScene(case.target)`.
 *
 * - `colour`: one object's colour word → a colour not in the scene;
 * - `shape`: the same object's shape word → a shape not in the scene;
 * - `background`: the background colour word → a colour not in the scene;
 * - `reweight`: the same object's colour word weighted ×2 (prompt unchanged): the expected result
 *   is the unchanged scene.
 *
 * Choices are deterministic in the scene seed. The plain caption puts "a"/"an" before the colour
 * word, so colours keep their article class where they can ("orange" is the only vowel colour):
 * the edited object is a non-orange one when the scene has one, and a non-orange colour is never
 * swapped for orange. Only an orange source word (a scene whose objects are all orange, or an
 * orange background) changes its article too.
 */
import type { AttentionOptions } from '../../../src/editing/options.js';
import { RepriseError } from '../../../src/errors.js';
import { sceneCaption, type SceneSpec } from '../../scenes/spec.js';
import { COLOUR_NAMES, SHAPE_NAMES, type ColourName, type ShapeName } from '../../scenes/vocabulary.js';
import { Random } from '../../../src/util/random.js';

/** The edit types, in report order. */
export const EDIT_KINDS = ['colour', 'shape', 'background', 'reweight'] as const;

/** One edit type. */
export type EditKind = (typeof EDIT_KINDS)[number];

/** Local blend settings of the cases (`threshold`, `start` as in `attention.localBlend`). */
export interface BlendSettings {
  readonly threshold: number;
  readonly start: number;
}

/** Options of {@link buildEditCases}. */
export interface CaseOptions {
  /** Local blend on the edited words (default: threshold 0.3, start 0.2, the reference's values); `false`: no local blend. */
  readonly blend?: BlendSettings | false;
  /** Weight of the reweighted colour word (default 2). */
  readonly reweight?: number;
  /** Which edit types to build (default all, in {@link EDIT_KINDS} order). */
  readonly kinds?: readonly EditKind[];
}

/** The reference's local-blend threshold for trained models and its start fraction. */
export const DEFAULT_BLEND: BlendSettings = { threshold: 0.3, start: 0.2 };

/**
 * Step windows of the word swaps (fractions of the steps, as `attention.crossReplace` /
 * `selfReplace`): colour, background and reweight use prompt-to-prompt's word-swap defaults
 * (cross 0.8, self 0.4); a shape swap must change the layout, so the new shape word gets its own
 * cross-attention after 40 % of the steps (a per-word window, as the reference does for object
 * swaps) and self-attention is replaced for the first 20 % only.
 */
export const SCHEDULES = {
  colour: { crossReplace: 0.8, selfReplace: 0.4 },
  shape: { crossReplace: 0.8, wordCrossReplace: 0.4, selfReplace: 0.2 },
  background: { crossReplace: 0.8, selfReplace: 0.4 },
  reweight: { crossReplace: 0.8, selfReplace: 0.4 },
} as const;

/** One edit with its known answer. */
export interface EditCase {
  readonly kind: EditKind;
  /** The source scene. */
  readonly source: SceneSpec;
  /** The scene the edit should produce (`reweight`: the source itself). */
  readonly target: SceneSpec;
  readonly sourceCaption: string;
  /** The prompt given to `Pipeline.edit` (`reweight`: the source caption). */
  readonly targetCaption: string;
  /** Index of the edited object in `source.objects`; undefined for `background`. */
  readonly objectIndex?: number;
  /** The word edited, as a vocabulary word: the swapped-out word (`reweight`: the reweighted word). */
  readonly fromWord: string;
  /** The word put in (`reweight`: the same word). */
  readonly toWord: string;
  /** The `attention` option of `Pipeline.edit`. */
  readonly attention: AttentionOptions;
}

const VOWEL = /^[aeiou]/;

function sameArticle(a: string, b: string): boolean {
  return VOWEL.test(a) === VOWEL.test(b);
}

function pick<T>(rng: Random, items: readonly T[]): T {
  const item = items[Math.floor(rng.uniform() * items.length)];
  if (item === undefined) throw new RepriseError('RUNTIME_INPUT', 'edit cases: nothing to choose from');
  return item;
}

/** A colour not in `used`, keeping the article of `from` when one is left. */
function pickColour(rng: Random, from: ColourName, used: ReadonlySet<string>): ColourName {
  const free = COLOUR_NAMES.filter((c) => !used.has(c));
  const keep = free.filter((c) => sameArticle(c, from));
  return pick(rng, keep.length > 0 ? keep : free);
}

/** The positions (in `text.split(' ')`) where two captions of equal word count differ. */
export function changedWords(source: string, target: string): number[] {
  const a = source.split(' ');
  const b = target.split(' ');
  if (a.length !== b.length) throw new RepriseError('RUNTIME_INPUT', `changedWords: "${source}" and "${target}" differ in word count`);
  return a.flatMap((w, i) => (w !== b[i] ? [i] : []));
}

/**
 * `word` as written in `caption` (split on spaces, so "circle," in a three-object caption):
 * the form attention options must use to find the word's tokens.
 */
export function captionWord(caption: string, word: string): string {
  const hit = caption.split(' ').find((w) => w === word || w.replace(/[,.]$/, '') === word);
  if (hit === undefined) throw new RepriseError('RUNTIME_INPUT', `edit cases: "${word}" is not a word of "${caption}"`);
  return hit;
}

/** How many times `word` occurs in `caption`. */
function occurrences(caption: string, word: string): number {
  return caption.split(' ').filter((w) => w.replace(/[,.]$/, '') === word).length;
}

function localBlend(blend: BlendSettings | false, words: readonly string[], subtract?: readonly string[]): Pick<AttentionOptions, 'localBlend'> {
  if (blend === false) return {};
  return { localBlend: { words: [...new Set(words)], threshold: blend.threshold, start: blend.start, ...(subtract && subtract.length > 0 ? { subtract: [...new Set(subtract)] } : {}) } };
}

/**
 * The edit cases of one scene, deterministic in `seed` (the scene's seed). All cases edit the
 * same object; local blend (unless disabled) uses the edited object's words — its colour word,
 * its shape word when no other object shares it, and the new word — or, for the background, the
 * old and new background colour words and "background", minus the objects' words.
 *
 * @throws RepriseError `RUNTIME_INPUT` when the scene has no object.
 */
export function buildEditCases(spec: SceneSpec, seed: number, options: CaseOptions = {}): EditCase[] {
  const blend = options.blend ?? DEFAULT_BLEND;
  const weight = options.reweight ?? 2;
  const kinds = options.kinds ?? EDIT_KINDS;
  const rng = Random.forName(seed, 'reprise.eval.edits.cases');
  const caption = sceneCaption(spec);
  const nonOrange = spec.objects.flatMap((o, i) => (VOWEL.test(o.colour) ? [] : [i]));
  const all = spec.objects.map((_, i) => i);
  const k = pick(rng, nonOrange.length > 0 ? nonOrange : all);
  const obj = spec.objects[k];
  if (obj === undefined) throw new RepriseError('RUNTIME_INPUT', 'edit cases: the scene has no object');
  const usedColours = new Set<string>([spec.background.colour, ...spec.objects.map((o) => o.colour)]);
  const usedShapes = new Set<string>(spec.objects.map((o) => o.shape));
  // Every choice is drawn whatever `kinds` holds, so a case does not depend on which others are built.
  const newColour = pickColour(rng, obj.colour, usedColours);
  const newShape: ShapeName = pick(rng, SHAPE_NAMES.filter((s) => !usedShapes.has(s)));
  const newBackground = pickColour(rng, spec.background.colour, usedColours);
  const withObject = (change: Partial<SceneSpec['objects'][number]>): SceneSpec => ({
    ...spec,
    objects: spec.objects.map((o, i) => (i === k ? { ...o, ...change } : o)),
  });
  const objectWords = (c: string): string[] => [captionWord(c, obj.colour), ...(occurrences(c, obj.shape) === 1 ? [captionWord(c, obj.shape)] : [])];

  const build = (kind: EditKind): EditCase => {
    switch (kind) {
      case 'colour': {
        const target = withObject({ colour: newColour });
        const t = sceneCaption(target);
        const s = SCHEDULES.colour;
        return {
          kind, source: spec, target, sourceCaption: caption, targetCaption: t, objectIndex: k, fromWord: obj.colour, toWord: newColour,
          attention: { edit: 'replace', crossReplace: s.crossReplace, selfReplace: s.selfReplace, ...localBlend(blend, [...objectWords(caption), captionWord(t, newColour)]) },
        };
      }
      case 'shape': {
        const target = withObject({ shape: newShape });
        const t = sceneCaption(target);
        const s = SCHEDULES.shape;
        const word = captionWord(t, newShape);
        return {
          kind, source: spec, target, sourceCaption: caption, targetCaption: t, objectIndex: k, fromWord: obj.shape, toWord: newShape,
          attention: {
            edit: 'replace',
            crossReplace: { default: s.crossReplace, words: { [word]: s.wordCrossReplace } },
            selfReplace: s.selfReplace,
            ...localBlend(blend, [...objectWords(caption), word]),
          },
        };
      }
      case 'background': {
        const target: SceneSpec = { ...spec, background: { ...spec.background, colour: newBackground } };
        const t = sceneCaption(target);
        const s = SCHEDULES.background;
        const subtract = spec.objects.flatMap((o) => [captionWord(caption, o.colour), captionWord(caption, o.shape)]);
        return {
          kind, source: spec, target, sourceCaption: caption, targetCaption: t, fromWord: spec.background.colour, toWord: newBackground,
          attention: {
            edit: 'replace',
            crossReplace: s.crossReplace,
            selfReplace: s.selfReplace,
            ...localBlend(blend, [captionWord(caption, spec.background.colour), captionWord(t, newBackground), captionWord(caption, 'background')], subtract),
          },
        };
      }
      case 'reweight': {
        const s = SCHEDULES.reweight;
        return {
          kind, source: spec, target: spec, sourceCaption: caption, targetCaption: caption, objectIndex: k, fromWord: obj.colour, toWord: obj.colour,
          attention: {
            edit: 'replace',
            crossReplace: s.crossReplace,
            selfReplace: s.selfReplace,
            reweight: { [captionWord(caption, obj.colour)]: weight },
            ...localBlend(blend, objectWords(caption)),
          },
        };
      }
    }
  };
  return kinds.map(build);
}
