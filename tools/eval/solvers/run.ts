/**
 * Sampler error against NFE, as the DPM-Solver-v3 (Zheng et al. 2023, §6) and DC-Solver (Zhao et
 * al. 2024, §5) papers measure it on Stable Diffusion: for each guidance scale, prompt and seeded
 * z_T, every case samples at each NFE and the MSE of its final latent against a many-step DDIM
 * from the same z_T and prompt is averaged over the prompts.
 */
import type { BranchConditioning, BranchPredict } from '../../../src/inversion/types.js';
import { sampleWithScheduler } from '../../../src/editing/scheduler-sampling.js';
import type { SchedulerConfig } from '../../../src/solvers/index.js';
import { RepriseError } from '../../../src/errors.js';
import { Random } from '../../../src/util/random.js';
import { stepsForNfe, type SolverCase } from './cases.js';

/** Builds the guided predictor of one conditioning. */
export type PredictorFactory = (conditioning: BranchConditioning) => BranchPredict;

export interface SolverEvalInput {
  readonly cases: readonly SolverCase[];
  /** The reference solver (DDIM) and its step count. */
  readonly reference: { readonly config: SchedulerConfig; readonly steps: number };
  readonly nfes: readonly number[];
  readonly guidances: readonly number[];
  /** Per prompt: the text embeddings (cond, uncond). */
  readonly prompts: readonly { readonly cond: Float32Array; readonly uncond: Float32Array }[];
  readonly latentSize: number;
  readonly seed: number;
  readonly predictor: PredictorFactory;
  /**
   * The config a case samples with at (steps, guidance): fitted solvers get their fit here
   * (DC-Solver's ratios, DPM-Solver-v3's statistics); a RepriseError (no fit saved) leaves the
   * cell empty with the error's message as its note. Default: the case's config.
   */
  readonly configFor?: (c: SolverCase, steps: number, guidance: number) => SchedulerConfig;
  readonly onRow?: (row: SolverEvalRow) => void;
  /** A second many-step solver compared with the reference (its MSE: how far two converged solvers with different end points sit). */
  readonly check?: { readonly label: string; readonly config: SchedulerConfig; readonly steps: number };
  readonly onCheck?: (row: ReferenceCheckRow) => void;
}

/** The reference check of one guidance. */
export interface ReferenceCheckRow {
  readonly guidance: number;
  readonly solver: string;
  readonly steps: number;
  /** Mean over the prompts of its final latent's MSE against the reference. */
  readonly mse: number;
}

/** One (guidance, NFE, solver) cell. */
export interface SolverEvalRow {
  readonly guidance: number;
  /** The NFE asked for. */
  readonly nfe: number;
  readonly solver: string;
  /** Steps run and the model calls they made (≤ nfe); null when the solver cannot run within it. */
  readonly steps: number | null;
  readonly calls: number | null;
  /** Mean over the prompts of the final latent's MSE against the reference; null when not run. */
  readonly mse: number | null;
  readonly stochastic: boolean;
  /** Why the cell is empty when the solver needed a fit that is not saved. */
  readonly note?: string;
}

/** Mean squared difference. */
export function mse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / b.length;
}

/** The seeded z_T of prompt k (unit variance; the scheduler scales it by its init σ). */
export function startLatent(seed: number, k: number, size: number): Float32Array {
  return Random.forName(seed + k, 'eval:solvers:zT').normals(size);
}

async function finalLatent(predict: BranchPredict, c: Pick<SolverCase, 'config' | 'timeShift'>, steps: number, start: Float32Array, seed: number): Promise<Float32Array> {
  const [z] = await sampleWithScheduler(predict, { scheduler: c.config, steps, start, branches: 1, seed, ...(c.timeShift ? { timeShift: c.timeShift } : {}) });
  return z as Float32Array;
}

/** Runs every (guidance, NFE, case) cell; rows come in that order. */
export async function runSolverEval(input: SolverEvalInput): Promise<SolverEvalRow[]> {
  const rows: SolverEvalRow[] = [];
  for (const guidance of input.guidances) {
    const starts = input.prompts.map((_, k) => startLatent(input.seed, k, input.latentSize));
    const predicts = input.prompts.map((p) => input.predictor({ cond: p.cond, uncond: p.uncond, guidance }));
    const references: Float32Array[] = [];
    for (const [k, predict] of predicts.entries()) references.push(await finalLatent(predict, input.reference, input.reference.steps, starts[k] as Float32Array, input.seed + k));
    if (input.check) {
      let sum = 0;
      for (const [k, predict] of predicts.entries()) sum += mse(await finalLatent(predict, input.check, input.check.steps, starts[k] as Float32Array, input.seed + k), references[k] as Float32Array);
      input.onCheck?.({ guidance, solver: input.check.label, steps: input.check.steps, mse: sum / predicts.length });
    }
    for (const nfe of input.nfes) {
      for (const c of input.cases) {
        const fit = stepsForNfe(c.config, nfe);
        let sum: number | null = null;
        let note: string | undefined;
        if (fit) {
          let config: SchedulerConfig | undefined;
          try {
            config = input.configFor ? input.configFor(c, fit.steps, guidance) : c.config;
          } catch (e) {
            if (!(e instanceof RepriseError)) throw e;
            const first = e.message.split('\n')[0] ?? e.message;
            note = e.hint ? `${first} (${e.hint})` : first;
          }
          if (config) {
            sum = 0;
            for (const [k, predict] of predicts.entries()) sum += mse(await finalLatent(predict, { config, ...(c.timeShift ? { timeShift: c.timeShift } : {}) }, fit.steps, starts[k] as Float32Array, input.seed + k), references[k] as Float32Array);
          }
        }
        const row: SolverEvalRow = { guidance, nfe, solver: c.label, steps: fit?.steps ?? null, calls: fit?.calls ?? null, mse: sum === null ? null : sum / input.prompts.length, stochastic: c.stochastic, ...(note ? { note } : {}) };
        rows.push(row);
        input.onRow?.(row);
      }
    }
  }
  return rows;
}
