/**
 * Time-shift cases for solver benchmarks: `timeShiftedSolvers` lists, for each registered solver
 * that takes the time shift (Li et al. 2024, src/solvers/time-shift.ts), the case `<id>+ts` with
 * the options to hand to `sampleWithScheduler` (`timeShift`), so `eval:solvers` can run them next
 * to the plain solvers; `sampleSolverCase` samples one case on a model's predictor.
 */
import { sampleWithScheduler } from '../../src/editing/scheduler-sampling.js';
import type { BranchPredict } from '../../src/inversion/types.js';
import { specForName, TIME_SHIFT_SOLVER_IDS, type TimeShiftOptions } from '../../src/solvers/index.js';
import { solverCase } from './solvers/cases.js';

/** One benchmark case: a registered solver, plain or time-shifted. */
export interface SolverCase {
  /** `<solver id>` or `<solver id>+ts`. */
  readonly label: string;
  readonly solver: string;
  readonly timeShift?: TimeShiftOptions;
}

/**
 * Default time-shift options of the benchmark: the authors' DPM-Solver setting (CIFAR-10, 5 steps:
 * window 30, cutoff 300, TS-DPM README); docs/solvers.md "Time-shift sampling" has the measurements.
 */
export const DEFAULT_TIME_SHIFT: TimeShiftOptions = { window: 30, cutoff: 300 };

/** The `<id>+ts` case of every solver that takes the time shift (or of `ids`, in their order). */
export function timeShiftedSolvers(options: TimeShiftOptions = DEFAULT_TIME_SHIFT, ids: readonly string[] = TIME_SHIFT_SOLVER_IDS): SolverCase[] {
  return ids.filter((id) => TIME_SHIFT_SOLVER_IDS.includes(id)).map((id) => ({ label: `${id}+ts`, solver: id, timeShift: options }));
}

/** The final latent of sampling `steps` steps of a case from z_T with the folder's scheduler config. */
export async function sampleSolverCase(c: SolverCase, folderConfig: Readonly<Record<string, unknown>>, steps: number, predict: BranchPredict, start: Float32Array, seed: number): Promise<Float32Array> {
  const spec = specForName(c.solver);
  if (spec === undefined) throw new Error(`unknown solver ${c.solver}`);
  const scheduler = solverCase(folderConfig, { id: spec.id }).config;
  const [z] = await sampleWithScheduler(predict, { scheduler, steps, start, branches: 1, seed, ...(c.timeShift ? { timeShift: c.timeShift } : {}) });
  return z as Float32Array;
}
