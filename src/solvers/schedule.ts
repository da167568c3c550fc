/**
 * Noise schedules from a diffusers scheduler config: β_t, ā_t = Π(1 − β_i), zero-terminal-SNR
 * rescaling, and the boundary values ā used before the first / after the last step.
 *
 * Paper: Ho et al. 2020, "Denoising Diffusion Probabilistic Models" (arXiv:2006.11239); cosine
 * schedule: Nichol & Dhariwal 2021 (arXiv:2102.09672); zero terminal SNR: Lin et al. 2023,
 * "Common Diffusion Noise Schedules and Sample Steps are Flawed" (arXiv:2305.08891).
 *
 * Notation (docs/design.md §3): `betas[t]` = β_t, `alphasCumprod[t]` = ā_t, `finalAlphaCumprod` = ā used
 * when a step's previous timestep is negative.
 *
 * diffusers builds these tables as float32 torch tensors. The values here are those float32
 * numbers exactly (stored in float64): torch's float32 `linspace` (with its fused multiply-add),
 * float32 `1 − β`, and `cumprod` accumulated in double and rounded to float32 per entry, so the
 * SD-1.x ā table equals diffusers' bit for bit. Everything computed from them downstream is
 * float64.
 */
import { RepriseError } from '../errors.js';
import { f32 } from './arrays.js';
import type { CommonConfig } from './config.js';

/** A discrete noise schedule over the training timesteps 0 … N−1. */
export interface NoiseSchedule {
  readonly numTrainTimesteps: number;
  /** β_t (float32 values). */
  readonly betas: Float64Array;
  /** ā_t (float32 values; for DPM-Solver/Euler with zero-SNR, ā_{N−1} = 2⁻²⁴ as in diffusers). */
  readonly alphasCumprod: Float64Array;
  /**
   * ā used where a step's neighbour timestep is out of range: after the last step for
   * DDIM/LCM (`set_alpha_to_one` ? 1 : ā_0), before the first step for DDIM-inverse, 1 for DDPM.
   */
  readonly finalAlphaCumprod: number;
}

/**
 * torch.linspace(start, end, steps, dtype=float32) on CPU, value for value: float32 `step`, the
 * first half as `start + step·i` and the second as `end − step·(steps−1−i)`, each a fused
 * multiply-add rounded once to float32.
 */
export function torchLinspaceF32(start: number, end: number, steps: number): Float64Array {
  const out = new Float64Array(steps);
  if (steps === 1) {
    out[0] = f32(start);
    return out;
  }
  const s = f32(start);
  const e = f32(end);
  const step = f32((e - s) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    out[i] = i < halfway ? f32(s + step * i) : f32(e - step * (steps - i - 1));
  }
  return out;
}

/**
 * The "squaredcos_cap_v2" (GLIDE cosine) schedule: β_i = min(1 − ᾱ((i+1)/N)/ᾱ(i/N), maxBeta) with
 * ᾱ(t) = cos²((t + 0.008)/1.008 · π/2) (or exp(−12 t) for `transform: 'exp'`), computed in
 * float64 and rounded to float32 as diffusers' `betas_for_alpha_bar` does.
 */
export function betasForAlphaBar(n: number, maxBeta = 0.999, transform: 'cosine' | 'exp' = 'cosine'): Float64Array {
  const alphaBar =
    transform === 'cosine' ? (t: number) => Math.cos(((t + 0.008) / 1.008) * Math.PI / 2) ** 2 : (t: number) => Math.exp(t * -12.0);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t1 = i / n;
    const t2 = (i + 1) / n;
    out[i] = f32(Math.min(1 - alphaBar(t2) / alphaBar(t1), maxBeta));
  }
  return out;
}

/** ā_t = Π_{i≤t} (1 − β_i): float32 `1 − β`, product accumulated in float64, each entry rounded to float32 (torch CPU cumprod). */
export function alphasCumprodFromBetas(betas: Float64Array): Float64Array {
  const out = new Float64Array(betas.length);
  let acc = 1;
  for (let i = 0; i < betas.length; i++) {
    acc *= f32(1 - betas[i]!);
    out[i] = f32(acc);
  }
  return out;
}

/**
 * Rescales betas to zero terminal SNR (Lin et al. 2023, Algorithm 1): shift √ā so that √ā_{N−1}
 * = 0, scale so that √ā_0 keeps its value, and convert back to betas. Float32 arithmetic as in
 * diffusers' `rescale_zero_terminal_snr`.
 */
export function rescaleZeroTerminalSnr(betas: Float64Array): Float64Array {
  const n = betas.length;
  const abar = alphasCumprodFromBetas(betas);
  const sqrtAbar = abar.map((a) => f32(Math.sqrt(a)));
  const s0 = sqrtAbar[0]!;
  const sT = sqrtAbar[n - 1]!;
  const scale = f32(s0 / f32(s0 - sT));
  const rescaled = sqrtAbar.map((s) => f32(f32(s - sT) * scale));
  const alphasBar = rescaled.map((s) => f32(s * s));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const alpha = i === 0 ? alphasBar[0]! : f32(alphasBar[i]! / alphasBar[i - 1]!);
    out[i] = f32(1 - alpha);
  }
  return out;
}

/** β_t from a resolved config: trained_betas, or the named schedule, then the optional zero-SNR rescale. */
export function betasFromConfig(config: CommonConfig): Float64Array {
  let betas: Float64Array;
  const n = config.numTrainTimesteps;
  if (config.trainedBetas !== null) {
    betas = Float64Array.from(config.trainedBetas, (b) => f32(b));
  } else if (config.betaSchedule === 'linear') {
    betas = torchLinspaceF32(config.betaStart, config.betaEnd, n);
  } else if (config.betaSchedule === 'scaled_linear') {
    betas = torchLinspaceF32(Math.sqrt(config.betaStart), Math.sqrt(config.betaEnd), n).map((b) => f32(b * b));
  } else {
    betas = betasForAlphaBar(n);
  }
  for (let i = 0; i < betas.length; i++) {
    const b = betas[i]!;
    if (!(b >= 0 && b <= 1)) {
      throw new RepriseError('SCHEDULER_INVALID', `scheduler config gives beta[${i}] = ${b}, outside [0, 1]`, {
        hint: 'Check beta_start, beta_end and trained_betas.',
      });
    }
  }
  return config.rescaleBetasZeroSnr ? rescaleZeroTerminalSnr(betas) : betas;
}

/** ā at an integer timestep, or `fallback` (the schedule's boundary value) when t < 0. */
export function alphaBarAt(schedule: NoiseSchedule, t: number, fallback: number = schedule.finalAlphaCumprod): number {
  if (t < 0) return fallback;
  const a = schedule.alphasCumprod[t];
  if (a === undefined || !Number.isInteger(t)) {
    throw new RepriseError('SCHEDULER_INVALID', `timestep ${t} is outside the schedule's 0…${schedule.numTrainTimesteps - 1}`, {
      hint: 'Pass one of the scheduler\'s own timesteps.',
    });
  }
  return a;
}

/** VE noise level σ_t = √((1 − ā_t)/ā_t) for every training timestep, float32 as diffusers computes it. */
export function sigmasFromAlphasCumprod(alphasCumprod: Float64Array): Float64Array {
  return alphasCumprod.map((a) => f32(Math.sqrt(f32(f32(1 - a) / a))));
}

/**
 * ā at a timestep that may be fractional (Euler/Heun place float timesteps): an integer t as
 * {@link alphaBarAt}; otherwise 1/(1 + σ²) with σ interpolated linearly in t from the σ table,
 * as those classes interpolate σ.
 */
export function alphaBarAtTime(schedule: NoiseSchedule, t: number): number {
  if (Number.isInteger(t)) return alphaBarAt(schedule, t);
  const ac = schedule.alphasCumprod;
  if (!(t > 0 && t < ac.length - 1)) return alphaBarAt(schedule, t);
  const lo = Math.floor(t);
  const sigma = (i: number): number => Math.sqrt((1 - ac[i]!) / ac[i]!);
  const s = sigma(lo) + (t - lo) * (sigma(lo + 1) - sigma(lo));
  return 1 / (1 + s * s);
}
