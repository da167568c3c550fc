/**
 * UniPCMultistepScheduler: the unified predictor-corrector (UniP-p predictor, UniC corrector
 * applied with the next model output), B(h) = h (bh1) or e^h − 1 (bh2), orders 1–3, data or
 * noise prediction, `disable_corrector` — as diffusers runs it (no `solver_p`).
 *
 * Paper: Zhao et al. 2023, "UniPC: A Unified Predictor-Corrector Framework for Fast Sampling of
 * Diffusion Models" (arXiv:2302.04867), Algorithms 1–2 (the base of DC-Solver).
 *
 * Notation: m_k = converted model outputs (x̂0 with predict_x0, else ε̂), most recent last;
 * h = λ_t − λ_s0; r_k = (λ_{s_k} − λ_s0)/h; D_k = (m_k − m0)/r_k; hh = −h (x̂0) or h (ε̂);
 * φ-terms h_phi_k and the coefficients ρ solve R ρ = b with R_{ij} = r_j^{i} (diffusers).
 */
import { solveSmall } from '../linear-solve.js';
import { z } from 'zod';
import { allocLike, type FloatArray } from '../arrays.js';
import { invalid, opt, pick, unsupportedValue, type CommonConfig, type FinalSigmasType } from '../config.js';
import { noiseLevelFromSigma, type NoiseLevel } from '../prediction.js';
import { vpSigmaPlan } from '../sigma-plan.js';
import type { NoiseSchedule } from '../schedule.js';
import { defineSolver, type SchedulerStepOutput, type StepInput, type TimestepPlan } from '../spec.js';

/** The UniPC settings (shared with DC-Solver's compensated UniPC, families/dc-unipc.ts). */
export interface UniPcSettings extends CommonConfig {
  readonly solverOrder: 1 | 2 | 3;
  readonly predictX0: boolean;
  readonly solverType: 'bh1' | 'bh2';
  readonly lowerOrderFinal: boolean;
  readonly disableCorrector: readonly number[];
  readonly finalSigmasType: FinalSigmasType;
  readonly useKarrasSigmas: boolean;
  readonly sigmaMin: number | null;
  readonly sigmaMax: number | null;
}

export interface UniPcConfig extends UniPcSettings {
  readonly className: 'UniPCMultistepScheduler';
}

export interface UniPcState {
  /** Converted model outputs of earlier steps, most recent last (at most max(solver_order, hooks.keep)). */
  history: FloatArray[];
  /** The timestep of each history entry (DC-Solver interpolates over them). */
  times: number[];
  lowerOrderNums: number;
  /** The sample the last predictor started from, and that step's order. */
  lastSample: FloatArray | null;
  thisOrder: number;
}

/** The class keys of UniPCMultistepScheduler (diffusers defaults). */
export const uniPcKeys = z.looseObject({
  solver_order: opt(z.number().int(), 2),
  predict_x0: opt(z.boolean(), true),
  solver_type: z.string().nullish(),
  lower_order_final: opt(z.boolean(), true),
  disable_corrector: opt(z.array(z.number().int()), []),
  solver_p: z.unknown().optional(),
  final_sigmas_type: z.string().nullish(),
  use_karras_sigmas: opt(z.boolean(), false),
  sigma_min: opt(z.number().nullable(), null),
  sigma_max: opt(z.number().nullable(), null),
});

const lambdaOf = (l: NoiseLevel): number => Math.log(l.alpha) - Math.log(l.sigma);

/** R (rows r^{i−1}, i = 1…order) and b of diffusers' bh update, and the φ/B(h) terms. */
function bhTerms(rks: readonly number[], h: number, predictX0: boolean, solverType: 'bh1' | 'bh2', order: number) {
  const hh = predictX0 ? -h : h;
  const hPhi1 = Math.expm1(hh);
  let hPhiK = hPhi1 / hh - 1;
  let factorial = 1;
  const bH = solverType === 'bh1' ? hh : Math.expm1(hh);
  const R: number[][] = [];
  const b: number[] = [];
  for (let i = 1; i <= order; i++) {
    R.push(rks.map((r) => r ** (i - 1)));
    b.push((hPhiK * factorial) / bH);
    factorial *= i + 1;
    hPhiK = hPhiK / hh - 1 / factorial;
  }
  return { R, b, hPhi1, bH };
}

/** x_t_ = σ_t/σ_s0 x − α_t φ1 m0 (x̂0) or α_t/α_s0 x − σ_t φ1 m0 (ε̂). */
function base(predictX0: boolean, lt: NoiseLevel, l0: NoiseLevel, hPhi1: number): { cx: number; c0: number; cb: number } {
  return predictX0 ? { cx: lt.sigma / l0.sigma, c0: -lt.alpha * hPhi1, cb: -lt.alpha } : { cx: lt.alpha / l0.alpha, c0: -lt.sigma * hPhi1, cb: -lt.sigma };
}

export const uniPcSpec = defineSolver<UniPcConfig, UniPcState, typeof uniPcKeys>({
  id: 'unipc',
  className: 'UniPCMultistepScheduler',
  summary: 'UniPC predictor-corrector (bh1/bh2), multistep orders 1–3',
  paper: 'Zhao et al. 2023, UniPC: A Unified Predictor-Corrector Framework (arXiv:2302.04867)',
  defaults: { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', timestepSpacing: 'linspace' },
  supports: { predictionTypes: ['epsilon', 'v_prediction', 'sample'], spacings: ['leading', 'trailing', 'linspace'], zeroSnr: true, karras: true },
  keys: uniPcKeys,
  resolve: (k: z.infer<typeof uniPcKeys>, common): UniPcConfig => ({ ...resolveUniPcSettings(k, common), className: 'UniPCMultistepScheduler' }),
  placement: 'sigmas',
  sampleFrame: 'vp',
  clampsTerminalAlpha: true,
  plan: uniPcPlan,
  createState: createUniPcState,
  step: (s, state) => uniPcStep(s, state),
  // The corrector (UniC) raises the predictor's order by one (UniPC paper, Thm 3.3); disabling it anywhere keeps p.
  order: (c) => c.solverOrder + (c.disableCorrector.length === 0 ? 1 : 0),
  modelCalls: (_c, steps) => steps,
  callsPerStep: '1 (the corrector reuses the next step’s model output)',
  stochastic: () => false,
  timeShift: { supported: true },
});

/** Resolves the UniPC keys (diffusers' `__init__` checks) into the settings. */
export function resolveUniPcSettings(k: z.infer<typeof uniPcKeys>, common: CommonConfig): UniPcSettings {
  const order = k.solver_order;
  if (order !== 1 && order !== 2 && order !== 3) throw unsupportedValue('solver_order', order, '1, 2, 3');
  // diffusers maps midpoint/heun/logrho onto bh2.
  const raw = k.solver_type !== null && k.solver_type !== undefined && ['midpoint', 'heun', 'logrho'].includes(k.solver_type) ? 'bh2' : k.solver_type;
  if (k.solver_p !== null && k.solver_p !== undefined) {
    throw invalid('scheduler config: "solver_p" (an external predictor scheduler) is not supported by Reprise\'s UniPCMultistepScheduler', 'Remove "solver_p".');
  }
  return {
    ...common,
    className: 'UniPCMultistepScheduler',
    solverOrder: order,
    predictX0: k.predict_x0,
    solverType: pick('solver_type', raw, 'bh2', ['bh1', 'bh2']),
    lowerOrderFinal: k.lower_order_final,
    disableCorrector: k.disable_corrector,
    finalSigmasType: pick<FinalSigmasType>('final_sigmas_type', k.final_sigmas_type, 'zero', ['zero', 'sigma_min']),
    useKarrasSigmas: k.use_karras_sigmas,
    sigmaMin: k.sigma_min,
    sigmaMax: k.sigma_max,
  };
}

/** diffusers' UniPC `set_timesteps` (σ plan of the VP schedule). */
export function uniPcPlan(config: UniPcSettings, steps: number, schedule: NoiseSchedule): TimestepPlan {
  return vpSigmaPlan(config, steps, schedule, {
      karras: config.useKarrasSigmas,
      lambdaMinClipped: Number.NEGATIVE_INFINITY,
      final: config.finalSigmasType,
      karrasFinal: config.finalSigmasType === 'zero' ? 'zero' : 'last',
      sigmaMin: config.sigmaMin,
      sigmaMax: config.sigmaMax,
    });
}

/** A fresh UniPC run state. */
export function createUniPcState(): UniPcState {
  return { history: [], times: [], lowerOrderNums: 0, lastSample: null, thisOrder: 1 };
}

/**
 * How a caller changes UniPC's step (DC-Solver): `keep` model outputs are remembered (default
 * solver_order), and `compensate` may replace the newest one — after this step's corrector and
 * before its predictor — by another value (null: keep it). Without hooks the step is diffusers' UniPC.
 */
export interface UniPcHooks {
  readonly keep?: number;
  compensate?(history: readonly FloatArray[], times: readonly number[], index: number): FloatArray | null;
}

/** One UniPC step: UniC with this step's model output, then UniP to the next level. */
export function uniPcStep<T extends FloatArray>(s: StepInput<UniPcSettings, T>, state: UniPcState, hooks: UniPcHooks = {}): SchedulerStepOutput<T> {
  const c = s.config;
  const i = s.index();
  const level = (k: number): NoiseLevel => noiseLevelFromSigma(s.sigma(k));
  const d = s.denoise(s.modelOutput, s.sample, level(i));
  const converted = c.predictX0 ? d.x0 : d.eps;
  let x: FloatArray = s.sample;
  const h0 = state.history;
  // UniC: correct the previous predictor's result with this step's model output.
  if (i > 0 && !c.disableCorrector.includes(i - 1) && state.lastSample !== null) {
    const order = state.thisOrder;
    const lt = level(i);
    const l0 = level(i - 1);
    const m0 = h0[h0.length - 1]!;
    const h = lambdaOf(lt) - lambdaOf(l0);
    const rks: number[] = [];
    const ds: FloatArray[] = [];
    for (let k = 1; k < order; k++) {
      const mk = h0[h0.length - 1 - k]!;
      const rk = (lambdaOf(level(i - (k + 1))) - lambdaOf(l0)) / h;
      rks.push(rk);
      ds.push(mk.map((v, j) => (v - m0[j]!) / rk));
    }
    rks.push(1);
    const t = bhTerms(rks, h, c.predictX0, c.solverType, order);
    const rhos = order === 1 ? [0.5] : solveSmall(t.R, t.b);
    const { cx, c0, cb } = base(c.predictX0, lt, l0, t.hPhi1);
    const last = state.lastSample;
    const out = allocLike(s.sample);
    const rLast = rhos[rhos.length - 1]!;
    for (let j = 0; j < out.length; j++) {
      let corr = 0;
      for (let k = 0; k < ds.length; k++) corr += rhos[k]! * ds[k]![j]!;
      out[j] = cx * last[j]! + c0 * m0[j]! + cb * t.bH * (corr + rLast * (converted[j]! - m0[j]!));
    }
    x = out;
  }
  const keep = Math.max(c.solverOrder, hooks.keep ?? 0);
  state.history = [...h0, converted].slice(-keep);
  state.times = [...state.times, s.t].slice(-keep);
  const compensated = hooks.compensate?.(state.history, state.times, i) ?? null;
  if (compensated !== null) state.history[state.history.length - 1] = compensated;
  const numSteps = s.plan.timesteps.length;
  const wanted = c.lowerOrderFinal ? Math.min(c.solverOrder, numSteps - i) : c.solverOrder;
  state.thisOrder = Math.min(wanted, state.lowerOrderNums + 1);
  state.lastSample = x;
  // UniP: the predictor from x to the next level.
  const order = state.thisOrder;
  const h1 = state.history;
  const m0 = h1[h1.length - 1]!;
  const lt = level(i + 1);
  const l0 = level(i);
  const h = lambdaOf(lt) - lambdaOf(l0);
  const rks: number[] = [];
  const ds: FloatArray[] = [];
  for (let k = 1; k < order; k++) {
    const mk = h1[h1.length - 1 - k]!;
    const rk = (lambdaOf(level(i - k)) - lambdaOf(l0)) / h;
    rks.push(rk);
    ds.push(mk.map((v, j) => (v - m0[j]!) / rk));
  }
  rks.push(1);
  const t = bhTerms(rks, h, c.predictX0, c.solverType, order);
  const rhos = ds.length === 0 ? [] : order === 2 ? [0.5] : solveSmall(t.R.slice(0, -1).map((r) => r.slice(0, -1)), t.b.slice(0, -1));
  const { cx, c0, cb } = base(c.predictX0, lt, l0, t.hPhi1);
  const out = allocLike(s.sample);
  for (let j = 0; j < out.length; j++) {
    let pred = 0;
    for (let k = 0; k < ds.length; k++) pred += rhos[k]! * ds[k]![j]!;
    // With no history diffusers' term is B(h)·0; skipping it keeps bh1 finite at σ = 0.
    out[j] = cx * x[j]! + c0 * m0[j]! + (ds.length === 0 ? 0 : cb * t.bH * pred);
  }
  if (state.lowerOrderNums < c.solverOrder) state.lowerOrderNums++;
  return { prevSample: out as T, x0: d.x0 };
}
