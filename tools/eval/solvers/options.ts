/** Options of `npm run eval:solvers`, from the command line's strings (zod; errors name the flag). */
import { z } from 'zod';

const list = (integer: boolean) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => Number(v.trim())))
    .pipe(z.array(integer ? z.number().int().positive() : z.number().min(0).max(50)).min(1));

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** The flags, as parseArgs gives them (strings), with defaults. */
export const solverEvalOptionsSchema = z.strictObject({
  model: z.string().optional(),
  prompts: count(1, 1000).default(4),
  /** Seeds of the prompts' scenes and z_T: seed + k (tests use small seeds; this default is not among them). */
  seed: count(0, 2 ** 31 - 1).default(7_000_000),
  guidance: list(false).default([3, 7.5]),
  nfe: list(true).default([5, 6, 8, 10, 15, 20]),
  /** Steps of the DDIM reference. */
  reference: count(2, 1000).default(500),
  /**
   * timestep_spacing for every solver and the reference. Default trailing: every solver starts at
   * t = T − 1 like the reference. With `leading` the first timestep depends on the class and the
   * steps (DDIM at 5 steps starts at 801, UniPC at 831; DPM-Solver++ at 500 steps at 501, so
   * even its 500-step run is 0.085 from DDIM's on the bundled model), which measures the start,
   * not the solver.
   */
  spacing: z.enum(['leading', 'linspace', 'trailing']).default('trailing'),
  /** Also run a 500-step DPM-Solver++ and report its MSE to the DDIM reference: the floor of solvers that end at σ = 0 (DDIM ends at ᾱ_0). */
  referenceCheck: z.boolean().default(false),
  /** Scenes judged per solver at NFE `judgeNfe` (eval:samples' colour/shape judge); 0: none. */
  judge: count(0, 1000).default(8),
  judgeNfe: count(1, 1000).default(10),
  /** Time-shift cases `<id>+ts` of every solver that takes it: "window,cutoff", or "off". */
  timeShift: z
    .union([z.literal('off'), z.string().regex(/^\d+,\d+$/, 'window,cutoff (integers) or off')])
    .default('30,300')
    .transform((s) => (s === 'off' ? null : { window: Number(s.split(',')[0]), cutoff: Number(s.split(',')[1]) })),
  json: z.boolean().default(false),
  /** Write the tables into docs/solvers.md (between its eval-solvers markers) and the picture to docs/solvers-mse.svg. */
  docs: z.boolean().default(false),
  /** Write the picture (SVG) here. */
  plot: z.string().optional(),
});

export type SolverEvalOptions = z.output<typeof solverEvalOptionsSchema>;

/** Parses the flags; throws an Error naming the flag and what it takes. */
export function parseSolverEvalOptions(values: Readonly<Record<string, unknown>>): SolverEvalOptions {
  const r = solverEvalOptionsSchema.safeParse(values);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const key = String(issue?.path[0] ?? '');
  throw new Error(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${issue?.message ?? 'invalid'} (got ${JSON.stringify(values[key])})`);
}
