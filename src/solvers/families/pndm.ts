/**
 * PNDMScheduler: pseudo numerical methods — the Runge-Kutta warm-up (PRK, unless
 * `skip_prk_steps`) followed by the pseudo linear multistep method (PLMS), with diffusers'
 * exact step bookkeeping (Stable Diffusion 1.x's own folder scheduler).
 *
 * Paper: Liu et al. 2022, "Pseudo Numerical Methods for Diffusion Models on Manifolds"
 * (arXiv:2202.09778), Eq. 12 (transfer φ) and Eq. 13 (PLMS).
 *
 * Notation: e_k = model outputs kept for the multistep (most recent last); φ(x, t → t', e) =
 * √(ā'/ā) x − (ā' − ā) e / (ā √(1 − ā') + √(ā (1 − ā) ā')) (diffusers `_get_prev_sample`, in the
 * float32 arithmetic of its coefficients); PLMS combines e as (55e₀ − 59e₁ + 37e₂ − 9e₃)/24 after
 * a 1-, 2- and 3-step start; with skip_prk_steps the second step repeats the first timestep.
 */
import { z } from 'zod';
import { allocLike, f32, type FloatArray } from '../arrays.js';
import { opt, type CommonConfig } from '../config.js';
import { noiseLevelFromAlphaBar } from '../prediction.js';
import { alphaBarAt } from '../schedule.js';
import { defineSolver } from '../spec.js';
import { alphaToOneTimesteps } from './alpha-to-one.js';
import { ddimLikeTimesteps } from '../timesteps.js';

export interface PndmConfig extends CommonConfig {
  readonly className: 'PNDMScheduler';
  readonly skipPrkSteps: boolean;
  readonly setAlphaToOne: boolean;
}

export interface PndmState {
  /** Number of `step` calls so far. */
  counter: number;
  /** Raw model outputs kept for PLMS (at most 4). */
  ets: FloatArray[];
  /** PRK: the weighted sum of this warm-up step's outputs; null = 0. */
  curModelOutput: FloatArray | null;
  /** The sample the current PRK step (or the PLMS second step) started from. */
  curSample: FloatArray | null;
  /** PRK timesteps (empty with skip_prk_steps). */
  prk: readonly number[];
}

const keys = z.looseObject({
  skip_prk_steps: opt(z.boolean(), false),
  set_alpha_to_one: opt(z.boolean(), false),
});

const PNDM_ORDER = 4;

/** Ascending `_timesteps` of diffusers' PNDM `set_timesteps`. */
function baseTimesteps(config: PndmConfig, steps: number): number[] {
  return ddimLikeTimesteps(config, steps).reverse();
}

function prkTimesteps(config: PndmConfig, steps: number): number[] {
  if (config.skipPrkSteps) return [];
  const ts = baseTimesteps(config, steps).slice(-PNDM_ORDER);
  const half = Math.floor(Math.floor(config.numTrainTimesteps / steps) / 2);
  const paired = ts.flatMap((t) => [t, t + half]).slice(0, -1);
  return paired.flatMap((t) => [t, t]).slice(1, -1).reverse();
}

function plmsTimesteps(config: PndmConfig, steps: number): number[] {
  const ts = baseTimesteps(config, steps);
  if (config.skipPrkSteps) return [...ts.slice(0, -1), ...ts.slice(-2, -1), ...ts.slice(-1)].reverse();
  return ts.slice(0, -3).reverse();
}

/** φ: diffusers `_get_prev_sample` (v-prediction converted to ε with the sample it is applied to). */
function prevSample<T extends FloatArray>(config: PndmConfig, ac: Float64Array, finalAc: number, sample: FloatArray, t: number, prevT: number, out: FloatArray, like: T): T {
  const a = ac[t]!;
  const aPrev = prevT >= 0 ? ac[prevT]! : finalAc;
  const b = f32(1 - a);
  const bPrev = f32(1 - aPrev);
  const sampleCoeff = f32(Math.sqrt(f32(aPrev / a)));
  const denom = f32(f32(a * f32(Math.sqrt(bPrev))) + f32(Math.sqrt(f32(f32(a * b) * aPrev))));
  const k = f32(aPrev - a);
  const sqrtA = f32(Math.sqrt(a));
  const sqrtB = f32(Math.sqrt(b));
  const result = allocLike(like);
  for (let i = 0; i < result.length; i++) {
    const e = config.predictionType === 'v_prediction' ? sqrtA * out[i]! + sqrtB * sample[i]! : out[i]!;
    result[i] = sampleCoeff * sample[i]! - (k * e) / denom;
  }
  return result;
}

function combine(like: FloatArray, terms: readonly (readonly [number, FloatArray])[]): FloatArray {
  const out = allocLike(like);
  for (let i = 0; i < out.length; i++) {
    let v = 0;
    for (const [c, x] of terms) v += c * x[i]!;
    out[i] = v;
  }
  return out;
}

export const pndmSpec = defineSolver({
  id: 'pndm',
  aliases: ['plms'],
  className: 'PNDMScheduler',
  summary: 'PNDM: Runge-Kutta warm-up + pseudo linear multistep (PLMS); SD 1.x default',
  paper: 'Liu et al. 2022, Pseudo Numerical Methods for Diffusion Models on Manifolds (arXiv:2202.09778)',
  defaults: { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', timestepSpacing: 'leading' },
  supports: { predictionTypes: ['epsilon', 'v_prediction'], spacings: ['leading', 'trailing', 'linspace'], zeroSnr: false, karras: false },
  keys,
  resolve: (k: z.infer<typeof keys>, common): PndmConfig => ({
    ...common,
    className: 'PNDMScheduler',
    skipPrkSteps: k.skip_prk_steps,
    setAlphaToOne: k.set_alpha_to_one,
  }),
  ...alphaToOneTimesteps<PndmConfig>((config, steps) => [...prkTimesteps(config, steps), ...plmsTimesteps(config, steps)]),
  // Without skip_prk_steps one step would make no model call at all (diffusers' warm-up is empty).
  minSteps: (config) => (config.skipPrkSteps ? 1 : 2),
  createState: (config, plan): PndmState => ({ counter: 0, ets: [], curModelOutput: null, curSample: null, prk: prkTimesteps(config, plan.steps) }),
  step: (s, state) => {
    const c = s.config;
    const ac = s.schedule.alphasCumprod;
    const finalAc = s.schedule.finalAlphaCumprod;
    const ratio = Math.floor(c.numTrainTimesteps / s.plan.steps);
    const x0 = s.denoise(s.modelOutput, s.sample, noiseLevelFromAlphaBar(alphaBarAt(s.schedule, s.t))).x0;
    let out: FloatArray;
    let from: FloatArray = s.sample;
    let t = s.t;
    let prevT: number;
    if (state.counter < state.prk.length && !c.skipPrkSteps) {
      // step_prk
      const diff = state.counter % 2 ? 0 : Math.floor(ratio / 2);
      prevT = s.t - diff;
      t = state.prk[Math.floor(state.counter / 4) * 4]!;
      const phase = state.counter % 4;
      const acc = state.curModelOutput;
      const add = (w: number): FloatArray => combine(s.modelOutput, acc === null ? [[w, s.modelOutput]] : [[1, acc], [w, s.modelOutput]]);
      out = s.modelOutput;
      if (phase === 0) {
        state.curModelOutput = add(1 / 6);
        state.ets.push(s.modelOutput);
        state.curSample = s.sample;
      } else if (phase === 1 || phase === 2) {
        state.curModelOutput = add(1 / 3);
      } else {
        out = add(1 / 6);
        state.curModelOutput = null;
      }
      from = state.curSample ?? s.sample;
    } else {
      // step_plms
      // invariant: the step counter of this spec runs the warm-up first
      if (!c.skipPrkSteps && state.ets.length < 3) throw new Error('PNDM: PLMS step before the Runge-Kutta warm-up');
      prevT = s.t - ratio;
      if (state.counter !== 1) {
        state.ets = [...state.ets.slice(-3), s.modelOutput];
      } else {
        prevT = s.t;
        t = s.t + ratio;
      }
      const e = state.ets;
      const n = e.length;
      if (n === 1 && state.counter === 0) {
        out = s.modelOutput;
        state.curSample = s.sample;
      } else if (n === 1 && state.counter === 1) {
        out = combine(s.modelOutput, [[0.5, s.modelOutput], [0.5, e[0]!]]);
        from = state.curSample ?? s.sample;
        state.curSample = null;
      } else if (n === 2) {
        out = combine(s.modelOutput, [[1.5, e[1]!], [-0.5, e[0]!]]);
      } else if (n === 3) {
        out = combine(s.modelOutput, [[23 / 12, e[2]!], [-16 / 12, e[1]!], [5 / 12, e[0]!]]);
      } else {
        out = combine(s.modelOutput, [[55 / 24, e[n - 1]!], [-59 / 24, e[n - 2]!], [37 / 24, e[n - 3]!], [-9 / 24, e[n - 4]!]]);
      }
    }
    state.counter++;
    return { prevSample: prevSample(c, ac, finalAc, from, t, prevT, out, s.sample), x0 };
  },
  order: () => 4,
  modelCalls: (config, steps) => (config.skipPrkSteps ? steps + (steps > 1 ? 1 : 0) : 4 * Math.min(steps, PNDM_ORDER) - 4 + Math.max(0, steps - 3)),
  callsPerStep: '1 (+1 at the start with skip_prk_steps; 4 per warm-up step without)',
  stochastic: () => false,
  timeShift: {
    supported: false,
    reason: 'diffusers\' PNDM places its targets inside the step (PRK half steps, PLMS at t − ratio with an equal-spacing 4-term history), so a shifted target has no place; the paper\'s TS-PNDM is its own F-/S-PNDM code',
  },
});
