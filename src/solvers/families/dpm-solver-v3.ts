/**
 * DPM-Solver-v3 (no diffusers class; Reprise names it `DPMSolverV3Scheduler`): the multistep
 * predictor with the pseudo-order corrector over empirical model statistics (EMS), as the
 * official `DPM_Solver_v3.sample` runs it for Stable Diffusion: order 2 with guidance, predictor
 * without and corrector with the pseudo-order method, `lower_order_final`, "time_uniform" steps
 * snapped to the statistics grid, and the corrector used when the guidance scale is below 5
 * (their txt2img: `use_corrector = scale < 5`). The update rule is ../dpm-solver-v3.ts.
 *
 * The statistics come in through the resolved config (`statistics`, from the cache of the loaded
 * model: src/editing/v3-statistics-store.ts). Without them the solver runs the degenerate
 * statistics l = 1, s = 0, b = 0 (their `degenerated=True`): DPM-Solver++ with v3's corrector.
 *
 * Paper: Zheng, Lu, Chen, Zhu 2023, "DPM-Solver-v3: Improved Diffusion ODE Solver with Empirical
 * Model Statistics" (NeurIPS 2023, arXiv:2310.13268), Algorithm 2 (multistep predictor-corrector).
 */
import { z } from 'zod';
import type { FloatArray } from '../arrays.js';
import { invalid, opt, unsupportedValue, type CommonConfig } from '../config.js';
import { v3LocalUpdate, type V3Point } from '../dpm-solver-v3.js';
import { noiseLevelFromSigma } from '../prediction.js';
import { alphasCumprodFromBetas, betasFromConfig, type NoiseSchedule } from '../schedule.js';
import { defineSolver, type TimestepPlan } from '../spec.js';
import { checkSteps } from '../timesteps.js';
import {
  alphaSigmaOfLambda,
  degenerateStatistics,
  indexAtLambda,
  isV3Statistics,
  lambdaAtIndex,
  lambdaGrid,
  roundHalfEven,
  v3Tables,
  type V3Statistics,
  type V3Tables,
} from '../v3-statistics.js';

/** How the steps are spaced before snapping to the grid (their `skip_type`). */
export type V3SkipType = 'time_uniform' | 'logSNR';

export interface DpmSolverV3Config extends CommonConfig {
  readonly className: 'DPMSolverV3Scheduler';
  readonly solverOrder: 1 | 2 | 3;
  /** Pseudo-order derivatives in the predictor (`p_pseudo`, default false) and the corrector (`c_pseudo`, default true). */
  readonly predictorPseudo: boolean;
  readonly correctorPseudo: boolean;
  /** true/false, or "auto": their Stable Diffusion rule, corrector when the statistics' guidance scale is < 5. */
  readonly useCorrector: boolean | 'auto';
  readonly lowerOrderFinal: boolean;
  /** Correct only in the first half of the time range (their `half`). */
  readonly half: boolean;
  readonly skipType: V3SkipType;
  /** Grid steps of the degenerate statistics used when `statistics` is absent. */
  readonly statisticsSteps: number;
  /** Replace the statistics by l = 1, s = 0, b = 0 on their grid (their `degenerated`). */
  readonly degenerated: boolean;
  /** The EMS of the loaded model (null: degenerate statistics). */
  readonly statistics: V3Statistics | null;
}

export interface DpmSolverV3State {
  readonly tables: V3Tables;
  /** Grid index of every plan point (timesteps, then the end). */
  readonly indexes: readonly number[];
  points: { x: FloatArray; eps: FloatArray; index: number }[];
  /** Order of the last predictor step (their `step_p_order`). */
  predictorOrder: number;
}

const keys = z.looseObject({
  solver_order: opt(z.number().int(), 2),
  predictor_pseudo: opt(z.boolean(), false),
  corrector_pseudo: opt(z.boolean(), true),
  use_corrector: opt(z.union([z.boolean(), z.literal('auto')]), 'auto'),
  lower_order_final: opt(z.boolean(), true),
  half: opt(z.boolean(), false),
  skip_type: opt(z.enum(['time_uniform', 'logSNR']), 'time_uniform'),
  statistics_steps: opt(z.number().int().min(1), 250),
  degenerated: opt(z.boolean(), false),
  statistics: z.custom<V3Statistics>((v) => isV3Statistics(v), 'must be V3Statistics (lambdas, size, l, s, b, guidance)').nullish(),
});

/** The grid of a config (the statistics' own, or the degenerate one's) checked against the schedule. */
function gridOf(config: DpmSolverV3Config, schedule: NoiseSchedule): Float64Array {
  const stats = config.statistics;
  if (stats === null) return lambdaGrid(schedule, config.statisticsSteps);
  const expected = lambdaGrid(schedule, stats.lambdas.length - 1);
  const off = Math.max(Math.abs(expected[0]! - stats.lambdas[0]!), Math.abs(expected[expected.length - 1]! - stats.lambdas[stats.lambdas.length - 1]!));
  if (!(off < 1e-6)) {
    throw invalid(
      `DPM-Solver-v3: the statistics' λ grid [${stats.lambdas[0]}, ${stats.lambdas[stats.lambdas.length - 1]}] does not match this noise schedule's [${expected[0]}, ${expected[expected.length - 1]}]`,
      'Compute the statistics for this model (its scheduler config), e.g. `reprise fit-solver v3 --model DIR --guidance W`.',
    );
  }
  return stats.lambdas;
}

/** `set_timesteps`: time-uniform (or λ-uniform) points snapped to the statistics grid (their convert_to_indexes / convert_to_timesteps). */
function plan(config: DpmSolverV3Config, steps: number, schedule: NoiseSchedule): TimestepPlan {
  checkSteps(steps, config);
  const grid = gridOf(config, schedule);
  const m = grid.length - 1;
  const last = schedule.alphasCumprod.length - 1;
  const lamT = grid[0]!;
  const lam0 = grid[m]!;
  const raw = Array.from({ length: steps + 1 }, (_, k) => (config.skipType === 'logSNR' ? lamT + ((lam0 - lamT) * k) / steps : lambdaAtIndex(schedule, last * (1 - k / steps))));
  const indexes = raw.map((lam) => Math.min(m, Math.max(0, roundHalfEven((m * (lam - lamT)) / (lam0 - lamT)))));
  const clash = indexes.findIndex((j, k) => k > 0 && j === indexes[k - 1]);
  if (clash > 0) {
    throw invalid(
      `DPM-Solver-v3: ${steps} steps put steps ${clash - 1} and ${clash} on the same point of the ${m}-step statistics grid`,
      `Use fewer steps, or statistics on a finer grid (fit with more grid steps, e.g. --steps ${Math.max(2 * m, 250)}).`,
    );
  }
  const times = indexes.map((j) => Math.min(last, Math.max(0, indexAtLambda(schedule, grid[j]!))));
  return { className: config.className, steps, timesteps: times.slice(0, steps), sigmas: Float64Array.from(indexes, (j) => Math.exp(-grid[j]!)) };
}

/** The training schedule of a config (ā only: what the grid needs). */
function scheduleOf(config: DpmSolverV3Config): NoiseSchedule {
  const betas = betasFromConfig(config);
  return { numTrainTimesteps: config.numTrainTimesteps, betas, alphasCumprod: alphasCumprodFromBetas(betas), finalAlphaCumprod: 1 };
}

function statisticsOf(config: DpmSolverV3Config, schedule: NoiseSchedule): V3Statistics {
  const grid = gridOf(config, schedule);
  const stats = config.statistics;
  if (stats === null) return degenerateStatistics(grid);
  return config.degenerated ? degenerateStatistics(grid, 1, stats.guidance) : stats;
}

export const dpmSolverV3Spec = defineSolver({
  id: 'dpm-solver-v3',
  aliases: ['dpmsolver-v3', 'dpm-v3'],
  className: 'DPMSolverV3Scheduler',
  summary: 'DPM-Solver-v3: multistep predictor + pseudo-order corrector over fitted model statistics (EMS; degenerate = DPM-Solver++ without them)',
  paper: 'Zheng et al. 2023, DPM-Solver-v3 (arXiv:2310.13268)',
  defaults: { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', timestepSpacing: 'linspace' },
  supports: { predictionTypes: ['epsilon', 'v_prediction', 'sample'], spacings: null, zeroSnr: false, karras: false },
  keys,
  resolve: (k: z.infer<typeof keys>, common): DpmSolverV3Config => {
    const order = k.solver_order;
    if (order !== 1 && order !== 2 && order !== 3) throw unsupportedValue('solver_order', order, '1, 2, 3');
    return {
      ...common,
      className: 'DPMSolverV3Scheduler',
      solverOrder: order,
      predictorPseudo: k.predictor_pseudo,
      correctorPseudo: k.corrector_pseudo,
      useCorrector: k.use_corrector,
      lowerOrderFinal: k.lower_order_final,
      half: k.half,
      skipType: k.skip_type,
      statisticsSteps: k.statistics_steps,
      degenerated: k.degenerated,
      statistics: k.statistics ?? null,
    };
  },
  placement: 'sigmas',
  sampleFrame: 'vp',
  clampsTerminalAlpha: false,
  plan: (config, steps, schedule) => plan(config, steps, schedule),
  createState: (config, p): DpmSolverV3State => {
    const tables = v3Tables(statisticsOf(config, scheduleOf(config)));
    // The plan's σ are e^{−λ_j} of grid points: recover the grid indexes from them.
    const m = tables.lambdas.length - 1;
    const lamT = tables.lambdas[0]!;
    const lam0 = tables.lambdas[m]!;
    const indexes = Array.from(p.sigmas ?? [], (sg) => Math.round((m * (-Math.log(sg) - lamT)) / (lam0 - lamT)));
    return { tables, indexes, points: [], predictorOrder: 0 };
  },
  step: (s, state) => {
    const c = s.config;
    const i = s.index();
    const steps = s.plan.timesteps.length;
    const { tables, indexes } = state;
    const index = indexes[i]!;
    const d = s.denoise(s.modelOutput, s.sample, noiseLevelFromSigma(s.sigma(i)));
    state.points = [...state.points, { x: s.sample, eps: d.eps, index }].slice(-(c.solverOrder + 1));
    const useCorrector = c.useCorrector === 'auto' ? (c.statistics?.guidance ?? 1) < 5 : c.useCorrector;
    // Their `timesteps[step - 1] > 0.5`: continuous time t = (u + 1)/N of the fractional index u.
    const tContinuous = (s.t + 1) / s.schedule.numTrainTimesteps;
    if (useCorrector && (tContinuous > 0.5 || !c.half)) {
      const correctorOrder = state.predictorOrder + (c.correctorPseudo ? 1 : 0);
      if (correctorOrder > 1) {
        const pts = state.points;
        const n = pts.length;
        // Start s = the previous point, then the current one (the target), then older ones (their indexes [-2, -1, -3, …]).
        const use: V3Point[] = [pts[n - 2]!, pts[n - 1]!, ...pts.slice(0, n - 2).reverse()].slice(0, correctorOrder);
        const xNew = v3LocalUpdate<FloatArray>(tables, use, index, c.correctorPseudo);
        // Keep N = σ ε − l x of the model call, moved to the corrected x (their cached_model_output update).
        const { sigma } = alphaSigmaOfLambda(tables.lambdas[index]!);
        const cur = pts[n - 1]!;
        const eps = xNew.map((xv, e) => {
          const lv = tables.l[index * tables.size + (tables.size === 1 ? 0 : e)]!;
          return (sigma * cur.eps[e]! - lv * cur.x[e]! + lv * xv) / sigma;
        });
        pts[n - 1] = { x: xNew, eps, index };
      }
    }
    let order = Math.min(i + 1, c.solverOrder);
    if (c.lowerOrderFinal) order = Math.min(order, steps - i);
    state.predictorOrder = order;
    const pts = state.points;
    const use = pts.slice(-order).reverse();
    const prevSample = v3LocalUpdate<typeof s.sample>(tables, use, indexes[i + 1]!, c.predictorPseudo);
    return { prevSample, x0: d.x0 };
  },
  order: (c) => c.solverOrder,
  modelCalls: (_c, steps) => steps,
  callsPerStep: '1',
  stochastic: () => false,
  timeShift: { supported: false, reason: 'its steps are snapped to the λ grid of the fitted statistics; a shifted timestep would fall off it' },
});
