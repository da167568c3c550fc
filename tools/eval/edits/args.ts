/**
 * Command-line flags of `npm run eval:edits` (scripts/eval-edits.ts): node:util parseArgs for the
 * syntax, zod for the values. Every problem becomes one {@link EditEvalUsageError} (exit code 2).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { INVERSION_METHODS } from '../../../src/inversion/options.js';
import type { InversionMethod } from '../../../src/inversion/types.js';
import { DEVICES } from '../../../src/runtime/device.js';
import { EDIT_KINDS, type EditKind } from './cases.js';
import { DEFAULT_FIRST_SEED, EVAL_METHODS } from './run.js';

/** Usage text of the script. */
export const EDIT_EVAL_USAGE = `usage: npm run eval:edits -- [options]

Edit-quality benchmark on rendered scenes with known answers (docs/edit-quality.md).

  --scenes N          scenes to render and edit (default 4)
  --seed S            first scene seed (default ${DEFAULT_FIRST_SEED}; training uses seeds below it)
  --steps K           sampling steps of every inversion (default: the pipeline's, 50; 8 for LCM)
  --model DIR         diffusers folder (default: the embedded default model)
  --size PX           scene side in pixels (default 64)
  --model-size PX     resize.size of Pipeline.invert (default: the model's native size)
  --methods LIST      comma-separated inversion methods (default ${EVAL_METHODS.join(',')})
  --edits LIST        comma-separated edit types (default ${EDIT_KINDS.join(',')})
  --guidance W       classifier-free guidance of the edits (default: the pipeline's per method)
  --blend-threshold T local-blend threshold (default 0.3, the reference's for trained models)
  --blend-start F     fraction of the steps before blending starts (default 0.2)
  --no-blend          edit without local blend
  --reweight W        weight of the reweighted colour word (default 2)
  --margin PX         edge band left out of the measured regions (default 2)
  --device cpu|cuda   (default cpu)    --dtype fp32|fp16 (default fp32)
  --json              print one JSON object instead of the Markdown tables
  --markdown FILE     also write the Markdown report to FILE
  --pictures DIR      write PNGs of the first scenes (source, expected, edits, attention maps)
  --picture-scenes N  how many scenes get pictures (default 2)
  --quiet             no progress lines on stderr
  --help              this text

Exit status: 0 done, 1 an inversion or edit failed (the report says which), 2 usage or input error, 3 internal error.`;

/** A usage or input error of the script. */
export class EditEvalUsageError extends Error {
  override readonly name = 'EditEvalUsageError';
}

/** The parsed and validated flags. */
export interface EditEvalArgs {
  readonly help: boolean;
  readonly scenes: number;
  readonly seed: number;
  readonly steps?: number;
  readonly model?: string;
  readonly size: number;
  readonly modelSize?: number;
  readonly methods: readonly InversionMethod[];
  readonly kinds: readonly EditKind[];
  readonly blend: { readonly threshold: number; readonly start: number } | false;
  readonly reweight: number;
  readonly guidance?: number;
  readonly margin: number;
  readonly device: (typeof DEVICES)[number];
  readonly dtype: 'fp32' | 'fp16';
  readonly json: boolean;
  readonly markdown?: string;
  readonly pictures?: string;
  readonly pictureScenes: number;
  readonly quiet: boolean;
}

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\s*\d+\s*$/, { error: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` }));

const num = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(1, { error: 'must be a number' })
    .transform(Number)
    .pipe(z.number({ error: 'must be a number' }).min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` }));

const list = <T extends string>(allowed: readonly T[]) =>
  z
    .string()
    .transform((s) => s.split(',').map((w) => w.trim()).filter((w) => w !== ''))
    .pipe(
      z
        .array(z.enum(allowed as unknown as [T, ...T[]], { error: (i) => `unknown value "${String(i.input)}" (one of ${allowed.join(', ')})` }))
        .min(1, { error: 'needs at least one value' })
        .transform((xs) => [...new Set(xs)]),
    );

const schema = z.strictObject({
  help: z.boolean().default(false),
  scenes: int(1, 10_000).default(4),
  seed: int(0, 2 ** 31 - 1).default(DEFAULT_FIRST_SEED),
  steps: int(1, 1000).optional(),
  model: z.string().min(1, { error: 'must not be empty' }).optional(),
  size: int(8, 4096).default(64),
  'model-size': int(8, 4096).optional(),
  methods: list(INVERSION_METHODS).optional(),
  edits: list(EDIT_KINDS).optional(),
  'blend-threshold': num(0, 1).default(0.3),
  'blend-start': num(0, 1).default(0.2),
  'no-blend': z.boolean().default(false),
  reweight: num(-100, 100).default(2),
  guidance: num(0, 50).optional(),
  margin: int(0, 64).default(2),
  device: z.enum(DEVICES, { error: `must be one of ${DEVICES.join(', ')}` }).default('cpu'),
  dtype: z.enum(['fp32', 'fp16'], { error: 'must be fp32 or fp16' }).default('fp32'),
  json: z.boolean().default(false),
  markdown: z.string().min(1, { error: 'must not be empty' }).optional(),
  pictures: z.string().min(1, { error: 'must not be empty' }).optional(),
  'picture-scenes': int(0, 10_000).default(2),
  quiet: z.boolean().default(false),
});

const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;

/**
 * Parses the script's arguments (without `node` and the script path).
 *
 * @throws EditEvalUsageError on unknown flags, positionals, or invalid values.
 */
export function parseEditEvalArgs(argv: readonly string[]): EditEvalArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: bool, scenes: str, seed: str, steps: str, model: str, size: str, 'model-size': str, methods: str, edits: str,
        'blend-threshold': str, 'blend-start': str, 'no-blend': bool, reweight: str, guidance: str, margin: str, device: str, dtype: str,
        json: bool, markdown: str, pictures: str, 'picture-scenes': str, quiet: bool,
      },
    }));
  } catch (e) {
    throw new EditEvalUsageError((e instanceof Error ? e.message : String(e)).replace(/\. To specify a positional argument.*$/s, '.'));
  }
  const r = schema.safeParse(values);
  if (!r.success) {
    throw new EditEvalUsageError(r.error.issues.map((i) => `--${i.path[0] === undefined ? '(arguments)' : String(i.path[0])} ${i.message}`).join('; '));
  }
  const v = r.data;
  return {
    help: v.help,
    scenes: v.scenes,
    seed: v.seed,
    ...(v.steps !== undefined ? { steps: v.steps } : {}),
    ...(v.model !== undefined ? { model: v.model } : {}),
    size: v.size,
    ...(v['model-size'] !== undefined ? { modelSize: v['model-size'] } : {}),
    methods: v.methods ?? EVAL_METHODS,
    kinds: v.edits ?? EDIT_KINDS,
    blend: v['no-blend'] ? false : { threshold: v['blend-threshold'], start: v['blend-start'] },
    reweight: v.reweight,
    ...(v.guidance !== undefined ? { guidance: v.guidance } : {}),
    margin: v.margin,
    device: v.device,
    dtype: v.dtype,
    json: v.json,
    ...(v.markdown !== undefined ? { markdown: v.markdown } : {}),
    ...(v.pictures !== undefined ? { pictures: v.pictures } : {}),
    pictureScenes: v['picture-scenes'],
    quiet: v.quiet,
  };
}
