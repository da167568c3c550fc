/**
 * The sample-quality side of eval:solvers: each solver generates eval:samples' scenes (plain
 * captions: colours and shapes) at one NFE, and the judge of tools/eval/samples scores them.
 */
import type { DiffusionModel } from '../../../src/editing/model.js';
import { decodeToImage } from '../../../src/editing/pixels.js';
import { sampleWithScheduler } from '../../../src/editing/scheduler-sampling.js';
import { RepriseError } from '../../../src/errors.js';
import type { BranchConditioning, BranchPredict } from '../../../src/inversion/types.js';
import type { SchedulerConfig } from '../../../src/solvers/index.js';
import { Random } from '../../../src/util/random.js';
import { runSampleEval, type SampleGenerator } from '../samples/run.js';
import { summarizeVariant } from '../samples/summary.js';
import { stepsForNfe, type SolverCase } from './cases.js';

/** One solver's judged samples. */
export interface JudgeRow {
  readonly solver: string;
  readonly nfe: number;
  readonly scenes: number;
  /** Rates in [0, 1]: background colour, object colour, object shape, every check of a scene. */
  readonly background: number;
  readonly colour: number;
  readonly shape: number;
  readonly allCorrect: number;
}

/** A generator sampling with one solver case at `steps`. */
export function solverGenerator(model: DiffusionModel, c: SolverCase, config: SchedulerConfig, steps: number, guidance: number, predictor: (conditioning: BranchConditioning) => BranchPredict): SampleGenerator {
  const side = model.nativeSize;
  const f = model.vaeScaleFactor;
  const shape = [4, side / f, side / f] as const;
  return async (caption, seed) => {
    const [cond, uncond] = await model.encodePrompts([caption, '']);
    const start = Random.forName(seed, 'eval:solvers:judge').normals(shape[0] * shape[1] * shape[2]);
    const [z] = await sampleWithScheduler(predictor({ cond: cond as Float32Array, uncond: uncond as Float32Array, guidance }), { scheduler: config, steps, start, branches: 1, seed, ...(c.timeShift ? { timeShift: c.timeShift } : {}) });
    return decodeToImage(model, z as Float32Array, shape, undefined);
  };
}

/** Judges every case at `nfe` on `scenes` scenes from `seed`. */
export async function judgeSolvers(
  model: DiffusionModel,
  cases: readonly SolverCase[],
  o: { readonly nfe: number; readonly scenes: number; readonly seed: number; readonly guidance: number },
  predictor: (conditioning: BranchConditioning) => BranchPredict,
  onRow?: (row: JudgeRow) => void,
  /** The config of a case at (steps, guidance), as in runSolverEval (fitted solvers; a RepriseError skips the case). */
  configFor: (c: SolverCase, steps: number, guidance: number) => SchedulerConfig = (c) => c.config,
): Promise<JudgeRow[]> {
  const rows: JudgeRow[] = [];
  for (const c of cases) {
    const fit = stepsForNfe(c.config, o.nfe);
    if (!fit) continue;
    let config: SchedulerConfig;
    try {
      config = configFor(c, fit.steps, o.guidance);
    } catch (e) {
      if (e instanceof RepriseError) continue;
      throw e;
    }
    const records = await runSampleEval(solverGenerator(model, c, config, fit.steps, o.guidance, predictor), { n: o.scenes, seed: o.seed, size: model.nativeSize }, ['plain']);
    const s = summarizeVariant('plain', records);
    const row = { solver: c.label, nfe: fit.calls, scenes: o.scenes, background: s.background.rate, colour: s.colour.rate, shape: s.shape.rate, allCorrect: s.allCorrect.rate };
    rows.push(row);
    onRow?.(row);
  }
  return rows;
}
