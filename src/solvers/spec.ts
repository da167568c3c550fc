/**
 * The solver spec: everything Reprise knows about one diffusers scheduler class, in one object
 * (docs/design.md §3). A family file (src/solvers/families/*.ts) exports one spec; the registry lists
 * them; config resolution, the `Scheduler` object, the noise schedule, the stochastic check of
 * the sampling loops, the CLI `--scheduler` choices and the docs table are all derived from it.
 *
 * Notation: t = timestep, x = sample, σ = √((1 − ā)/ā) (VE noise level), index = diffusers'
 * `step_index` (position in the plan's timesteps).
 */
import type { z } from 'zod';
import type { Random } from '../util/random.js';
import type { FloatArray } from './arrays.js';
import type { BetaSchedule, CommonConfig, PredictionType, TimestepSpacing } from './config.js';
import type { Denoised, NoiseLevel } from './prediction.js';
import type { NoiseSchedule } from './schedule.js';

/** Per-step options, as diffusers' `step` keyword arguments. */
export interface SchedulerStepOptions {
  /** DDIM η (default 0). */
  readonly eta?: number;
  /** The step's noise tensor (DDIM with η > 0, DDPM, LCM, SDE solvers). Exclusive with `generator`. */
  readonly varianceNoise?: FloatArray;
  /** Seeded generator for the step's noise when no tensor is given. */
  readonly generator?: Random;
  /**
   * Time shift (Li et al. 2024, src/solvers/time-shift.ts): the timestep this step ends at, in place
   * of the plan's next one (−1: the final level). The scheduler writes it into its plan, so the next
   * step starts there and multistep histories see it. Only for specs whose `timeShift` is supported.
   */
  readonly nextTimestep?: number;
  /** DDIM: re-derive ε̂ from the clipped x̂0 (diffusers `use_clipped_model_output`). */
  readonly useClippedModelOutput?: boolean;
}

/** Result of `step`: the next sample and the x̂0 estimate of this call's model output. */
export interface SchedulerStepOutput<T extends FloatArray> {
  readonly prevSample: T;
  readonly x0: T;
}

/** The result of `set_timesteps`. */
export interface TimestepPlan {
  readonly className: string;
  /** The step count asked for (the plan may visit more timesteps: PNDM warm-up, Heun). */
  readonly steps: number;
  /** t_i in the order the sampler visits them, one model call each. */
  readonly timesteps: readonly number[];
  /** σ_i per timestep plus the final σ (σ-placed solvers; float32 values), else null. */
  readonly sigmas: Float64Array | null;
}

/** What one `step` call sees. */
export interface StepInput<C, T extends FloatArray> {
  readonly config: C;
  readonly schedule: NoiseSchedule;
  readonly plan: TimestepPlan;
  readonly t: number;
  readonly modelOutput: FloatArray;
  readonly sample: T;
  readonly options: SchedulerStepOptions;
  /** diffusers `step_index` (first use initialises it from t; the scheduler advances it after the step). */
  index(): number;
  /** σ_i of the plan (throws where the plan has none). */
  sigma(i: number): number;
  /** This step's standard-normal noise (given tensor or generator; throws when neither). */
  noise(size: number): FloatArray;
  /** (ε̂, x̂0) of a model output at x and level, by the config's prediction type, x̂0 clipped if configured. */
  denoise<U extends FloatArray>(modelOutput: FloatArray, x: U, level: NoiseLevel): Denoised<U>;
}

/** Class defaults of the keys every scheduler has (diffusers `__init__` defaults). */
export interface ClassDefaults {
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly betaSchedule: BetaSchedule;
  readonly timestepSpacing: TimestepSpacing;
  readonly stepsOffset?: number;
}

/** What a class accepts of the shared settings; anything else is refused with the key named. */
export interface Supports {
  readonly predictionTypes: readonly PredictionType[];
  /** Spacings the class's `timestep_spacing` accepts; `null`: the class has no such key (always linspace, key ignored as diffusers does). */
  readonly spacings: readonly TimestepSpacing[] | null;
  /** `rescale_betas_zero_snr` is a key of the class. */
  readonly zeroSnr: boolean;
  /** `use_karras_sigmas` is a key of the class. */
  readonly karras: boolean;
}

/** Whether the time-shift sampler (src/solvers/time-shift.ts) can run with a solver, and if not why. */
export type TimeShiftSupport = { readonly supported: true } | { readonly supported: false; readonly reason: string };

/** One solver family: a diffusers scheduler class and how Reprise reproduces it. */
export interface SolverSpec<C extends CommonConfig = CommonConfig, S = unknown, K extends z.ZodType = z.ZodType> {
  /** The CLI / option name (`--scheduler <id>`). */
  readonly id: string;
  /** Other accepted names. */
  readonly aliases?: readonly string[];
  /** The diffusers class it implements. */
  readonly className: C['className'];
  /** One line for the docs table. */
  readonly summary: string;
  /** Paper (title and arXiv id). */
  readonly paper: string;
  readonly defaults: ClassDefaults;
  readonly supports: Supports;
  /** The class's own config keys (snake_case as diffusers writes them) with diffusers' defaults. */
  readonly keys: K;
  /** Builds the resolved config from the parsed class keys and the shared settings. */
  resolve(keys: z.infer<K>, common: CommonConfig): C;
  /** Whether timesteps or σ are the primary placement (σ solvers have `plan.sigmas`). */
  readonly placement: 'timesteps' | 'sigmas';
  /** 've': the sample lives in the σ frame (x̃ = x/√ā): init noise σ_max, model input x̃/√(σ² + 1). */
  readonly sampleFrame: 'vp' | 've';
  /** diffusers replaces ā_{N−1} = 0 by 2⁻²⁴ under zero-SNR (finite σ_max). */
  readonly clampsTerminalAlpha: boolean;
  /** ā used where a step's neighbour timestep is negative (default 1). */
  finalAlphaCumprod?(config: C, alphasCumprod: Float64Array): number;
  /** `set_timesteps(steps)`. */
  plan(config: C, steps: number, schedule: NoiseSchedule): TimestepPlan;
  /** Fewest steps the class runs (default 1). */
  minSteps?(config: C): number;
  /** Fresh per-run state (history of model outputs, counters…), created by `setTimesteps`. */
  createState(config: C, plan: TimestepPlan): S;
  step<T extends FloatArray>(input: StepInput<C, T>, state: S): SchedulerStepOutput<T>;
  /** The order of convergence the solver claims (for the contract test and the docs). */
  order(config: C): number;
  /** Model calls for `steps` steps (equals the plan's timestep count). */
  modelCalls(config: C, steps: number): number;
  /** Model calls per step, for the docs table. */
  readonly callsPerStep: string;
  /** Whether a step draws noise (then a generator or noise tensor is required). */
  stochastic(config: C, options: { readonly eta?: number }): boolean;
  /** Time-shift sampling: supported (the step's target follows the plan or `nextTimestep`), or refused with the reason. */
  readonly timeShift: TimeShiftSupport;
  /**
   * Class keys the common contract test adds for a run of `steps` steps: a stand-in for data a
   * fitted solver needs (DC-Solver's ratios). Solvers that run from the class keys alone have none.
   */
  contractKeys?(steps: number): Record<string, unknown>;
}

/** Identity helper that keeps a spec's literal types. */
export function defineSolver<C extends CommonConfig, S, K extends z.ZodType>(spec: SolverSpec<C, S, K>): SolverSpec<C, S, K> {
  return spec;
}
