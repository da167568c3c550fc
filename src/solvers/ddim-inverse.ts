/**
 * DDIM inversion step (noise-adding direction), as diffusers `DDIMInverseScheduler.step`.
 *
 * Paper: Song, Meng & Ermon 2021 (arXiv:2010.02502), eq. (12) run backwards; as used for
 * inversion by Mokady et al. 2023, "Null-text Inversion" (arXiv:2211.09794).
 *
 * Notation (docs/design.md §3/§4): from the current level ā_s (timestep t − Δ, or the initial ā before the
 * first step) to ā_t: z_t = √ā_t x̂0 + √(1 − ā_t) ε̂ = D(z_s, ε̂; s→t), with ε̂ evaluated at timestep t
 * (diffusers' convention) and x̂0 from the level ā_s.
 */
import { allocLike, assertSameLength, type FloatArray } from './arrays.js';
import type { StepResult } from './ddim.js';
import { alphaBarAt, type NoiseSchedule } from './schedule.js';
import type { Denoised } from './prediction.js';

/** ā of the two levels a DDIM-inverse step at timestep `t` moves between. */
export interface InverseLevels {
  /** ā of the current sample (timestep min(t − Δ, N−1), or the initial ā when negative). */
  readonly alphaBarFrom: number;
  /** ā_t, the level the step arrives at. */
  readonly alphaBarTo: number;
}

/**
 * The levels of diffusers' inverse step at `timestep` with `numInferenceSteps` steps: current
 * timestep = min(t − ⌊N/steps⌋, N−1), target = t.
 */
export function ddimInverseLevels(schedule: NoiseSchedule, timestep: number, numInferenceSteps: number): InverseLevels {
  const n = schedule.numTrainTimesteps;
  const from = Math.min(timestep - Math.floor(n / numInferenceSteps), n - 1);
  return { alphaBarFrom: alphaBarAt(schedule, from, schedule.finalAlphaCumprod), alphaBarTo: alphaBarAt(schedule, timestep) };
}

/** z_t = √ā_t x̂0 + √(1 − ā_t) ε̂. */
export function ddimInverseStep<T extends FloatArray>(denoised: Denoised<T>, alphaBarTo: number): StepResult<T> {
  const { eps, x0 } = denoised;
  assertSameLength('ddimInverseStep', eps, x0);
  const a = Math.sqrt(alphaBarTo);
  const b = Math.sqrt(1 - alphaBarTo);
  const out = allocLike(x0);
  for (let i = 0; i < out.length; i++) out[i] = a * x0[i]! + b * eps[i]!;
  return { prevSample: out, x0 };
}
