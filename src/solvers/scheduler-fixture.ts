/**
 * Scheduler conformance: runs one `schedulers*.json` fixture run (format in the reference
 * fixtures' README) with the deterministic dummy model and compares the result.
 *
 * Dummy model: eps(x, t) = 0.3 · x · t/(t+1) + 0.05 · sin(3x); x = x_init · init_noise_sigma; for
 * each t: x = step(eps(scale_model_input(x, t), t), t, x, **step_kwargs), all in float64.
 */
import { z } from 'zod';
import { RepriseError } from '../errors.js';
import { Random } from '../util/random.js';
import { absMean, sum, type FloatArray } from './arrays.js';
import { parseJsonWithNonFinite } from './json.js';
import { createScheduler, type Scheduler, type SchedulerStepOptions } from './scheduler.js';

/** One run of a scheduler fixture file. */
export const schedulerFixtureRunSchema = z.looseObject({
  class: z.string(),
  config: z.record(z.string(), z.unknown()),
  steps: z.number().int().positive(),
  timesteps: z.array(z.number()),
  step_kwargs: z.record(z.string(), z.unknown()).default({}),
  traj_sums: z.array(z.number()),
  final_sum: z.number(),
  final_abs_mean: z.number(),
  final_first8: z.array(z.number()),
  compare: z.string().optional(),
  /** Model calls of the run (the solver fixtures record it; PNDM and Heun make more calls than steps). */
  model_calls: z.number().int().nonnegative().optional(),
});

export type SchedulerFixtureRun = z.infer<typeof schedulerFixtureRunSchema>;

/** A parsed fixture file: its runs by name, and the ā table when present. */
export interface SchedulerFixtureFile {
  readonly runs: ReadonlyMap<string, SchedulerFixtureRun>;
  readonly alphasCumprod: readonly number[] | null;
}

/** Tensors from `scheduler-inputs.safetensors`. */
export interface SchedulerFixtureInputs {
  /** x_init, e.g. [1,4,8,8]. */
  readonly xInit: FloatArray;
  /** variance_noises flattened ([K, …x_init shape]); step i uses slice i. */
  readonly varianceNoises?: FloatArray;
}

/** What a run produces, in the fixture's terms. */
export interface SchedulerRunResult {
  readonly timesteps: readonly number[];
  /** Model calls made (one per visited timestep). */
  readonly modelCalls: number;
  readonly trajSums: readonly number[];
  readonly finalSum: number;
  readonly finalAbsMean: number;
  readonly finalFirst8: readonly number[];
}

/** Parses a `schedulers*.json` file: every object entry with a `class` is a run. */
export function parseSchedulerFixtures(text: string): SchedulerFixtureFile {
  const data = parseJsonWithNonFinite(text);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new RepriseError('SCHEDULER_INVALID', 'scheduler fixture file is not a JSON object of runs');
  }
  const runs = new Map<string, SchedulerFixtureRun>();
  let alphasCumprod: number[] | null = null;
  for (const [name, value] of Object.entries(data as Record<string, unknown>)) {
    if (name === 'alphas_cumprod_sd' && Array.isArray(value)) {
      alphasCumprod = value as number[];
      continue;
    }
    if (typeof value !== 'object' || value === null || !('class' in value)) continue;
    const parsed = schedulerFixtureRunSchema.safeParse(value);
    if (!parsed.success) {
      throw new RepriseError('SCHEDULER_INVALID', `scheduler fixture run "${name}" is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    runs.set(name, parsed.data);
  }
  return { runs, alphasCumprod };
}

/** The fixture's dummy model: eps(x, t) = 0.3 · x · t/(t+1) + 0.05 · sin(3x). */
export function dummyModel(x: Float64Array, t: number): Float64Array {
  const k = t / (t + 1);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = 0.3 * x[i]! * k + 0.05 * Math.sin(3 * x[i]!);
  return out;
}

const NOISE_REF = /^variance_noises\[i\]$/;

function stepOptionsFor(run: SchedulerFixtureRun, i: number, inputs: SchedulerFixtureInputs, size: number, generator: Random, scheduler: Scheduler): SchedulerStepOptions {
  let eta: number | undefined;
  let varianceNoise: FloatArray | undefined;
  let useClippedModelOutput: boolean | undefined;
  for (const [key, value] of Object.entries(run.step_kwargs)) {
    if (value === null) continue;
    if (key === 'eta' && typeof value === 'number') eta = value;
    else if (key === 'use_clipped_model_output' && typeof value === 'boolean') useClippedModelOutput = value;
    else if (key === 'variance_noise' && typeof value === 'string' && NOISE_REF.test(value)) {
      const all = inputs.varianceNoises;
      if (all === undefined || (i + 1) * size > all.length) {
        throw new RepriseError('SCHEDULER_INVALID', `scheduler fixture: step ${i} needs variance_noises[${i}], which the inputs do not hold`);
      }
      varianceNoise = all.subarray(i * size, (i + 1) * size);
    } else {
      throw new RepriseError('SCHEDULER_INVALID', `scheduler fixture: step_kwargs "${key}" = ${JSON.stringify(value)} is not supported`);
    }
  }
  const needsGenerator = varianceNoise === undefined && scheduler.isStochastic(eta === undefined ? {} : { eta });
  return {
    ...(eta === undefined ? {} : { eta }),
    ...(varianceNoise === undefined ? {} : { varianceNoise }),
    ...(useClippedModelOutput === undefined ? {} : { useClippedModelOutput }),
    ...(needsGenerator ? { generator } : {}),
  };
}

/**
 * Runs a fixture run with the dummy model in float64. Where the reference drew its own noise
 * (no `variance_noise` given), a seeded Random stands in and only the timesteps can match.
 */
export function runSchedulerFixture(run: SchedulerFixtureRun, inputs: SchedulerFixtureInputs): SchedulerRunResult {
  const scheduler = createScheduler(run.config, run.class);
  scheduler.setTimesteps(run.steps);
  const sigma0 = scheduler.initNoiseSigma;
  let x = Float64Array.from(inputs.xInit, (v) => v * sigma0);
  const size = x.length;
  const generator = new Random(0);
  const trajSums: number[] = [];
  scheduler.timesteps.forEach((t, i) => {
    const eps = dummyModel(scheduler.scaleModelInput(x, t), t);
    x = scheduler.step(eps, t, x, stepOptionsFor(run, i, inputs, size, generator, scheduler)).prevSample;
    trajSums.push(sum(x));
  });
  return {
    timesteps: [...scheduler.timesteps],
    modelCalls: trajSums.length,
    trajSums,
    finalSum: sum(x),
    finalAbsMean: absMean(x),
    finalFirst8: Array.from(x.subarray(0, 8)),
  };
}

/** How a result compares with its fixture run. */
export interface SchedulerRunComparison {
  readonly timestepsIdentical: boolean;
  /** The run's `model_calls` equals ours (true where the fixture does not record it). */
  readonly modelCallsMatch: boolean;
  /** False where the fixture says to compare timesteps only (e.g. LCM with fresh torch noise). */
  readonly trajectoryCompared: boolean;
  /**
   * The error fields below are NaN when `trajectoryCompared` is false.
   *
   * max_i |ours_i − ref_i| / max(|ref_i|, final_abs_mean) over traj_sums: relative, except that a
   * sum passing near zero is judged against one element's magnitude rather than against ~0
   * (NaN when the lengths differ).
   */
  readonly maxStepRelError: number;
  /** The same without the guard: max_i |ours_i − ref_i| / |ref_i|. */
  readonly maxStepRelErrorRaw: number;
  /** |ours − ref| / max(|ref|, final_abs_mean) for final_sum. */
  readonly finalSumRelError: number;
  readonly finalAbsMeanRelError: number;
  /** Max over the 8 values of |ours − ref| / max(|ref|, final_abs_mean). */
  readonly finalFirst8MaxRelError: number;
  readonly tolerance: number;
  readonly pass: boolean;
}

function rel(a: number, b: number, floor = 0): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(b), floor);
}

function maxRel(ours: readonly number[], ref: readonly number[], floor: number): number {
  if (ours.length !== ref.length) return Number.NaN;
  let m = 0;
  ref.forEach((r, i) => {
    m = Math.max(m, rel(ours[i]!, r, floor));
  });
  return m;
}

/** Compares a run's result with the fixture: timesteps identical, sums and values within `tolerance` relative. */
export function compareSchedulerRun(run: SchedulerFixtureRun, result: SchedulerRunResult, tolerance = 1e-5): SchedulerRunComparison {
  const timestepsIdentical = run.timesteps.length === result.timesteps.length && run.timesteps.every((t, i) => t === result.timesteps[i]);
  const trajectoryCompared = !(run.compare ?? '').startsWith('timesteps only');
  const scale = Math.abs(run.final_abs_mean);
  // Not measured (NaN) where the fixture compares timesteps only.
  const measured = (e: number): number => (trajectoryCompared ? e : Number.NaN);
  const maxStepRelError = measured(maxRel(result.trajSums, run.traj_sums, scale));
  const maxStepRelErrorRaw = measured(maxRel(result.trajSums, run.traj_sums, 0));
  const finalFirst8MaxRelError = measured(maxRel(result.finalFirst8, run.final_first8, scale));
  const finalSumRelError = measured(rel(result.finalSum, run.final_sum, scale));
  const finalAbsMeanRelError = measured(rel(result.finalAbsMean, run.final_abs_mean));
  const within = (e: number): boolean => e <= tolerance;
  const modelCallsMatch = run.model_calls === undefined || run.model_calls === result.modelCalls;
  const pass =
    timestepsIdentical &&
    modelCallsMatch &&
    (!trajectoryCompared ||
      (within(maxStepRelError) && within(finalSumRelError) && within(finalAbsMeanRelError) && within(finalFirst8MaxRelError)));
  return {
    timestepsIdentical,
    modelCallsMatch,
    trajectoryCompared,
    maxStepRelError,
    maxStepRelErrorRaw,
    finalSumRelError,
    finalAbsMeanRelError,
    finalFirst8MaxRelError,
    tolerance,
    pass,
  };
}
