/**
 * HeunDiscreteScheduler: Heun's second-order method in the σ frame, two model calls per step
 * (the last step is a plain Euler step to σ = 0), as diffusers runs it.
 *
 * Paper: Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative Models"
 * (arXiv:2206.00364), Algorithm 1 (deterministic sampler).
 *
 * Notation: x̃ = x/√ā (σ frame); d = (x̃ − x̂0)/σ. Predictor: x̃' = x̃ + d (σ' − σ); corrector at
 * σ': d' = (x̃' − x̂0')/σ', x̃'' = x̃ + (d + d')/2 · (σ' − σ). The plan repeats every inner σ and
 * timestep (σ_0, σ_1, σ_1, σ_2, σ_2, …, 0), so every model call is one `step`.
 */
import { z } from 'zod';
import { opt, extendedNumber, type CommonConfig } from '../config.js';
import { allocLike, type FloatArray } from '../arrays.js';
import { eulerModelLevel, eulerScaleModelInput } from '../euler.js';
import { defineSolver, type SchedulerStepOutput, type StepInput } from '../spec.js';
import { veSigmaPlan } from './ve-plan.js';

export interface HeunConfig extends CommonConfig {
  readonly className: 'HeunDiscreteScheduler';
  readonly useKarrasSigmas: boolean;
  readonly clipSample: boolean;
  readonly clipSampleRange: number;
}

export interface HeunState {
  /** Set between the predictor and the corrector: d, Δσ and the sample the step started from. */
  pending: { readonly derivative: FloatArray; readonly dt: number; readonly sample: FloatArray } | null;
}

const keys = z.looseObject({
  use_karras_sigmas: opt(z.boolean(), false),
  clip_sample: opt(z.boolean(), false),
  clip_sample_range: opt(extendedNumber, 1.0),
});

const repeatInner = (a: ArrayLike<number>): number[] => {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) {
    out.push(a[i]!);
    if (i > 0 && i < a.length - 1) out.push(a[i]!);
  }
  return out;
};

export const heunSpec = defineSolver({
  id: 'heun',
  className: 'HeunDiscreteScheduler',
  summary: "Heun's 2nd-order method in the σ frame (predictor + corrector)",
  paper: 'Karras et al. 2022, Elucidating the Design Space of Diffusion-Based Generative Models (arXiv:2206.00364)',
  defaults: { betaStart: 0.00085, betaEnd: 0.012, betaSchedule: 'linear', timestepSpacing: 'linspace' },
  supports: { predictionTypes: ['epsilon', 'v_prediction', 'sample'], spacings: ['leading', 'trailing', 'linspace'], zeroSnr: false, karras: true },
  keys,
  resolve: (k: z.infer<typeof keys>, common): HeunConfig => ({
    ...common,
    className: 'HeunDiscreteScheduler',
    useKarrasSigmas: k.use_karras_sigmas,
    clipSample: k.clip_sample,
    clipSampleRange: k.clip_sample_range,
  }),
  placement: 'sigmas',
  sampleFrame: 've',
  clampsTerminalAlpha: false,
  plan: (config, steps, schedule) => {
    const p = veSigmaPlan(config, steps, schedule, { karras: config.useKarrasSigmas, finalSigma: 0 });
    // timesteps: [t0, t1, t1, t2, t2, …]; σ: [σ0, σ1, σ1, …, σ_{n−1}, σ_{n−1}, 0].
    const timesteps = [p.timesteps[0]!, ...p.timesteps.slice(1).flatMap((t) => [t, t])];
    return { className: config.className, steps, timesteps, sigmas: Float64Array.from(repeatInner(p.sigmas)) };
  },
  createState: (): HeunState => ({ pending: null }),
  step: (s, state) => stepHeun(s, state),
  order: () => 2,
  modelCalls: (_c, steps) => 2 * steps - 1,
  callsPerStep: '2 (last step 1)',
  stochastic: () => false,
  timeShift: {
    supported: false,
    reason: 'it samples in the σ frame (x/√ā, initial noise σ_max), while the rule compares the VP sample\'s variance with 1 − ā_τ; its second call also revisits the timestep',
  },
});

function stepHeun<T extends FloatArray>(s: StepInput<HeunConfig, T>, state: HeunState): SchedulerStepOutput<T> {
  const i = s.index();
  const first = state.pending === null;
  const sigma = first ? s.sigma(i) : s.sigma(i - 1);
  const sigmaNext = first ? s.sigma(i + 1) : s.sigma(i);
  // The model saw x̃/√(σ_in² + 1) with σ_in = σ (predictor) or σ' (corrector).
  const sigmaIn = first ? sigma : sigmaNext;
  const x0 = s.denoise(s.modelOutput, eulerScaleModelInput(s.sample, sigmaIn), eulerModelLevel(sigmaIn)).x0;
  const out = allocLike(s.sample);
  const n = s.sample.length;
  if (state.pending === null) {
    const derivative = allocLike(s.sample);
    const dt = sigmaNext - sigma;
    for (let k = 0; k < n; k++) {
      derivative[k] = (s.sample[k]! - x0[k]!) / sigma;
      out[k] = s.sample[k]! + derivative[k]! * dt;
    }
    state.pending = { derivative, dt, sample: s.sample };
  } else {
    const { derivative: d0, dt, sample: start } = state.pending;
    for (let k = 0; k < n; k++) {
      const d1 = (s.sample[k]! - x0[k]!) / sigmaNext;
      out[k] = start[k]! + ((d0[k]! + d1) / 2) * dt;
    }
    state.pending = null;
  }
  return { prevSample: out, x0 };
}
