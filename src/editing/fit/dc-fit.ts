/**
 * Fitting DC-Solver's compensation ratios on the loaded model (Zhao et al. 2024, ECCV, Sec. 3.2;
 * code: wl-zhao/DC-Solver, `find_optim_ratio` and `_step_search`).
 *
 * As their search: N trajectories (seeded z_T, prompts) run together with one ratio per step;
 * steps 0 and 1 keep ρ = 1; at step i ≥ 2 the ratio minimises the MSE, over the trajectories,
 * between the sample after the compensated predictor and the next corrector (a model call at
 * the predicted sample) and the reference latent at that level (the last step: the final latent,
 * no corrector); the trajectory then continues with the chosen ρ_i (greedy, step by step).
 *
 * The optimiser (theirs: AdamW, lr 0.1, 20 iterations of autograd through the model) is a
 * deterministic derivative-free search per step: ρ on the grid 0.5, 0.75, …, 1.5 (their tanh
 * bound's range), then golden-section refinement around the best grid point; the best ρ seen
 * (1 included) is kept, so no step's loss is above the uncompensated one. Each trial costs one
 * batched model call, like one of their iterations, without a backward pass.
 */
import { z } from 'zod';
import { DC_RATIO_RANGE, type SchedulerConfig, type TimestepSpacing } from '../../solvers/index.js';
import type { UniPcState } from '../../solvers/index.js';
import type { Pipeline } from '../pipeline.js';
import { ddimReference, epsAt, epsScheduler, meanMse, prepareTrajectories, referenceAt, runSolver, fitPrompts, type Reference, type Trajectories } from './trajectories.js';

/** Options of a DC fit. */
export const dcFitOptionsSchema = z.strictObject({
  /** Sampling steps (NFE) the ratios are for. */
  steps: z.number().int().min(3).max(200),
  /** CFG guidance scale the ratios are for. */
  guidance: z.number().min(1).max(50).default(7.5),
  /** How many trajectories (default prompts), or the prompts themselves. */
  prompts: z.union([z.number().int().min(1).max(64), z.array(z.string()).min(1).max(64)]).default(10),
  /** Seed of trajectory 0's z_T (trajectory n: seed + n). */
  seed: z.number().int().min(0).max(2 ** 31).default(0),
  /** Steps of the DDIM reference. */
  referenceSteps: z.number().int().min(10).max(1000).default(500),
  /** Golden-section refinements after the grid (each one model call). */
  refinements: z.number().int().min(0).max(40).default(8),
  /**
   * timestep_spacing of the sampling the ratios are for (and of the reference); default the
   * folder's. Ratios compensate one plan's timesteps, so fits are keyed by it.
   */
  spacing: z.enum(['leading', 'linspace', 'trailing']).optional(),
});
export type DcFitOptions = z.input<typeof dcFitOptionsSchema>;

/** Progress of a fit. */
export interface FitProgress {
  readonly phase: 'reference' | 'search' | 'evaluate';
  readonly step: number;
  readonly total: number;
}

/** What a DC fit found. */
export interface DcFit {
  readonly steps: number;
  readonly guidance: number;
  /** The timestep_spacing the ratios were searched with. */
  readonly spacing: TimestepSpacing;
  readonly ratios: readonly number[];
  /** Final-latent MSE vs the reference on the fitting trajectories: UniPC (unfitted) and DC (fitted). */
  readonly mse: { readonly unfitted: number; readonly fitted: number };
  readonly trajectories: number;
  readonly referenceSteps: number;
  readonly seed: number;
  /** Batched model calls of the search (reference and evaluation excluded). */
  readonly searchCalls: number;
}

/** The search grid: DC_RATIO_RANGE in quarters. */
const GRID = Array.from({ length: 5 }, (_, k) => DC_RATIO_RANGE[0] + (k * (DC_RATIO_RANGE[1] - DC_RATIO_RANGE[0])) / 4);
const GOLDEN = (Math.sqrt(5) - 1) / 2;

/** The folder's scheduler as DC-Solver with `ratios` (at `spacing`, default the folder's). */
export function dcConfig(pipe: Pipeline, ratios: readonly number[], spacing?: TimestepSpacing): SchedulerConfig {
  return { ...pipe.model.scheduler('DCSolverMultistepScheduler', spacing ? { spacing } : {}), dcRatios: [...ratios] } as SchedulerConfig;
}

/**
 * The per-step search on prepared trajectories against a reference (see the module comment).
 * `base` is the DC config (its ratios are replaced).
 */
export async function searchDcRatios(t: Trajectories, base: SchedulerConfig, steps: number, ref: Reference, o: { readonly refinements?: number; readonly progress?: (p: FitProgress) => void } = {}): Promise<number[]> {
  const ratios = new Array<number>(steps).fill(1);
  const plan = epsScheduler({ ...base, dcRatios: ratios } as SchedulerConfig, steps);
  const ts = plan.timesteps;
  const sigmas = plan.plan.sigmas as Float64Array;
  // outputs[k][n]: ε of trajectory n at step k of the run with the ratios fitted so far.
  const outputs: Float32Array[][] = [await epsAt(t, t.starts, ts[0]!, 0)];
  /** Replays steps 0..i with ρ_i = r from the cached outputs; returns the predicted samples at i + 1. */
  const replay = (i: number, r: number) => {
    const cfg = { ...base, dcRatios: ratios.map((v, k) => (k === i ? r : v)) } as SchedulerConfig;
    const schedulers = t.starts.map(() => epsScheduler(cfg, steps));
    let xs = t.starts.map((z) => z.slice());
    for (let k = 0; k <= i; k++) xs = xs.map((x, n) => schedulers[n]!.step(outputs[k]![n]!, ts[k]!, x).prevSample);
    return { schedulers, xs };
  };
  for (let i = 0; i < steps; i++) {
    const last = i === steps - 1;
    const target = referenceAt(ref, last ? 0 : sigmas[i + 1]!);
    const trials = new Map<number, { loss: number; next: Float32Array[] | null }>();
    const trial = async (r: number): Promise<number> => {
      const seen = trials.get(r);
      if (seen) return seen.loss;
      const { schedulers, xs } = replay(i, r);
      if (last) {
        const loss = meanMse(xs, target);
        trials.set(r, { loss, next: null });
        return loss;
      }
      // The next corrector needs the model at the predicted sample (as their closure).
      const next = await epsAt(t, xs, ts[i + 1]!, i + 1);
      const corrected = xs.map((x, n) => {
        const s = schedulers[n]!;
        s.step(next[n]!, ts[i + 1]!, x);
        return (s.state as UniPcState).lastSample as Float32Array;
      });
      const loss = meanMse(corrected, target);
      trials.set(r, { loss, next });
      return loss;
    };
    if (i >= 2) {
      // One trial at a time: each is a batched model call.
      let k = 0;
      for (let g = 0; g < GRID.length; g++) if ((await trial(GRID[g]!)) < (await trial(GRID[k]!))) k = g;
      let lo = GRID[Math.max(0, k - 1)]!;
      let hi = GRID[Math.min(GRID.length - 1, k + 1)]!;
      let c = hi - GOLDEN * (hi - lo);
      let d = lo + GOLDEN * (hi - lo);
      for (let n = 0; n < (o.refinements ?? 8); n++) {
        if ((await trial(c)) < (await trial(d))) hi = d;
        else lo = c;
        c = hi - GOLDEN * (hi - lo);
        d = lo + GOLDEN * (hi - lo);
      }
      let chosen = 1;
      for (const [r, v] of trials) if (v.loss < (trials.get(chosen)?.loss ?? Number.POSITIVE_INFINITY)) chosen = r;
      ratios[i] = chosen;
    } else {
      await trial(1);
    }
    const next = trials.get(ratios[i]!)?.next;
    if (next) outputs.push(next);
    o.progress?.({ phase: 'search', step: i + 1, total: steps });
  }
  return ratios;
}

/** Fits the ratios for (steps, guidance) on the loaded model; measures fitted and unfitted MSE on the fitting trajectories. */
export async function fitDcRatios(pipe: Pipeline, options: DcFitOptions, progress?: (p: FitProgress) => void): Promise<DcFit> {
  const o = dcFitOptionsSchema.parse(options);
  const prompts = typeof o.prompts === 'number' ? fitPrompts(o.prompts) : o.prompts;
  const t = await prepareTrajectories(pipe, { prompts, seed: o.seed, guidance: o.guidance });
  const at = o.spacing ? { spacing: o.spacing } : {};
  const ddim = pipe.model.scheduler('DDIMScheduler', at);
  const spacing = ddim.timestepSpacing;
  const ref = await ddimReference(t, ddim, o.referenceSteps, (step, total) => progress?.({ phase: 'reference', step, total }));
  const before = t.calls;
  const ratios = await searchDcRatios(t, dcConfig(pipe, [], spacing), o.steps, ref, { refinements: o.refinements, ...(progress ? { progress } : {}) });
  const searchCalls = t.calls - before;
  progress?.({ phase: 'evaluate', step: 0, total: 2 });
  const final = ref.latents[ref.latents.length - 1]!;
  const unfitted = meanMse(await runSolver(t, pipe.model.scheduler('UniPCMultistepScheduler', at), o.steps), final);
  const fitted = meanMse(await runSolver(t, dcConfig(pipe, ratios, spacing), o.steps), final);
  progress?.({ phase: 'evaluate', step: 2, total: 2 });
  return { steps: o.steps, guidance: o.guidance, spacing, ratios, mse: { unfitted, fitted }, trajectories: prompts.length, referenceSteps: o.referenceSteps, seed: o.seed, searchCalls };
}
