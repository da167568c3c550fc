/**
 * The Time-Shift sampler (TS-DDIM / TS-DPM): Li et al. 2024, "Alleviating Exposure Bias in
 * Diffusion Models through Sampling with Shifted Time Steps" (ICLR 2024, arXiv:2305.15583).
 *
 * Exposure bias: the sample the sampler reaches at timestep t does not have the noise level the
 * model was trained on at t. Before each step the sampler therefore looks, in a window around the
 * nominal next timestep, for the timestep τ whose noise level 1 − ā_τ is closest to the variance of
 * the current sample, and goes there instead — as long as the nominal next timestep is above the
 * cutoff. The rule as the authors' code has it (github.com/Mingxiao-Li/TS-DPM):
 *
 * - `sampler/pnm_solver.py` `apply_time_shift` (TS-DDIM = its `euler` method) and
 *   `sampler/dpm_solver_utils.py` `DPM_Solver.time_shift` (TS-DPM-Solver): `var` = torch.var (the
 *   unbiased variance over every value) of the current sample; the window is
 *   `alpha_list[t_next − w//2 : t_next + w//2 + 1]` of `alpha_list = 1 − ā`, clipped to the table;
 *   the argmin of `(var − (1 − ā_τ))²` (the first on ties) replaces t_next when `t_next > cut_off`.
 * - The first step is never shifted (pnm_solver: `len(img_list) > 1`; dpm_solver: the shift starts
 *   after the order-1 warm-up step), and the final step ends at the final level (t_next = 0 ≤ cutoff).
 * - Where the shifted timestep is used: dpm_solver puts it in the update's target, in `t_prev_list`
 *   and in the next model call (`model_fn(x, vec_t)`). We do the same for every solver: the shifted
 *   timestep replaces the plan's next timestep (`SchedulerStepOptions.nextTimestep`), so it is this
 *   step's target, the next step's model time and its start. (pnm_solver shifts only the target and
 *   calls the model at the nominal time; the paper's TS-DDIM/TS-DDPM algorithms call it at the shifted one.)
 * - dpm_solver passes the list of previous model outputs (ε̂) to the variance where pnm_solver and
 *   the DEIS sampler pass the sample; we follow pnm_solver and the paper (§4: the variance of the
 *   sample x̂ against the noise level 1 − ā of the candidate timesteps).
 *
 * Equation numbers are not cited: only the paper's abstract and the authors' code were at hand, so
 * each formula below cites the function of the code it follows.
 *
 * Settings the authors use (README, CIFAR-10 DDIM backbone): DPM-Solver 5 steps w = 30, c = 300;
 * F-PNDM 100 steps w = 5, c = 550; DEIS 5 steps w = 10, c = 900 (their DEIS code reads w as the
 * half-width). The paper has no Stable Diffusion setting; docs/solvers.md ("Time-shift sampling")
 * has what we measured on the bundled model.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { NoiseSchedule } from './schedule.js';
import type { SolverSpec, TimestepPlan } from './spec.js';
import { sigmasFor } from './timesteps.js';

/**
 * Time-shift options: `window` timesteps searched around the nominal next timestep (its half,
 * `window // 2`, on each side; 0 disables the shift, bit-identical to plain sampling) and the
 * `cutoff` timestep at or below which no step is shifted. Authors' settings (CIFAR-10):
 * DPM-Solver `{ window: 30, cutoff: 300 }`, F-PNDM `{ window: 5, cutoff: 550 }`.
 */
export const timeShiftSchema = z.strictObject({
  window: z.number().int().min(0).max(1000),
  cutoff: z.number().int().min(0).max(1000),
});

/** Time-shift options (see {@link timeShiftSchema}). */
export type TimeShiftOptions = z.infer<typeof timeShiftSchema>;

/** Unbiased variance of all values (torch.var's default, as the authors' code computes it). */
export function sampleVariance(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - mean;
    ss += d * d;
  }
  return ss / (n - 1);
}

/**
 * The timestep τ in [center − ⌊window/2⌋, center + ⌊window/2⌋] (clipped to the table) whose noise
 * level 1 − ā_τ is closest to `variance`: argmin_τ (variance − (1 − ā_τ))², the first on ties.
 * Li et al. 2024 §4, as `apply_time_shift` in TS-DPM's sampler/pnm_solver.py computes it.
 */
export function shiftedTimestep(variance: number, alphasCumprod: ArrayLike<number>, center: number, window: number): number {
  const half = Math.floor(window / 2);
  const lo = Math.max(0, center - half);
  const hi = Math.min(alphasCumprod.length - 1, center + half);
  let best = center;
  let bestDist = Number.POSITIVE_INFINITY;
  for (let tau = lo; tau <= hi; tau++) {
    const d = variance - (1 - alphasCumprod[tau]!);
    if (d * d < bestDist) {
      bestDist = d * d;
      best = tau;
    }
  }
  return best;
}

/** What the shift of one step looks at. */
export interface TimeShiftStep {
  /** Index of the step about to be taken (0 = the first). */
  readonly step: number;
  /** The plan's nominal timesteps (before any shift). */
  readonly timesteps: readonly number[];
  readonly alphasCumprod: ArrayLike<number>;
  /** The sample entering the step (VP frame). */
  readonly sample: ArrayLike<number>;
  readonly options: TimeShiftOptions;
}

/**
 * The timestep step `step` should end at in place of the nominal next one, or null where the rule
 * does not apply: the first step, the final step (it ends at the final level) and a nominal next
 * timestep at or below the cutoff (`if t_next > self.cut_off_value` in the authors' code).
 */
export function timeShiftTarget(s: TimeShiftStep): number | null {
  const next = s.timesteps[s.step + 1];
  if (s.step < 1 || next === undefined || s.options.window === 0 || next <= s.options.cutoff) return null;
  return shiftedTimestep(sampleVariance(s.sample), s.alphasCumprod, next, s.options.window);
}

/**
 * The plan with timestep `index` replaced by `t` (and its σ, for σ-placed plans: the table's
 * σ_t = √((1 − ā_t)/ā_t) in float32 as the plan's own σ). Unchanged when `t` is already there.
 */
export function shiftPlan(plan: TimestepPlan, index: number, t: number, schedule: NoiseSchedule): TimestepPlan {
  if (plan.timesteps[index] === undefined || plan.timesteps[index] === t) return plan;
  const timesteps = plan.timesteps.map((v, i) => (i === index ? t : v));
  if (plan.sigmas === null) return { ...plan, timesteps };
  const sigmas = Float64Array.from(plan.sigmas);
  sigmas[index] = sigmasFor({ finalSigmasType: 'zero' }, schedule, [t])[0]!;
  return { ...plan, timesteps, sigmas };
}

/**
 * Throws unless the solver takes the time shift.
 * @throws ConfigError (CONFIG_UNSUPPORTED) naming the solver and why, with the solvers that take it
 */
export function requireTimeShift(spec: Pick<SolverSpec, 'id' | 'timeShift'>, supportedIds: readonly string[]): void {
  if (spec.timeShift.supported) return;
  throw new ConfigError(
    'CONFIG_UNSUPPORTED',
    'timeShift',
    `timeShift cannot run with the "${spec.id}" solver: ${spec.timeShift.reason}`,
    `Use one of ${supportedIds.join(', ')} with timeShift, or drop timeShift (or set its window to 0).`,
  );
}

