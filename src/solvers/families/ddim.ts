/**
 * DDIMScheduler as a solver spec: deterministic (η = 0) or stochastic (η > 0) DDIM steps over
 * integer timesteps. The update rule is ../ddim.ts.
 *
 * Paper: Song et al. 2021, "Denoising Diffusion Implicit Models" (arXiv:2010.02502), Eq. 12.
 */
import { z } from 'zod';
import { opt, extendedNumber, type CommonConfig } from '../config.js';
import { ddimStep } from '../ddim.js';
import { epsFromX0, noiseLevelFromAlphaBar } from '../prediction.js';
import { alphaBarAt } from '../schedule.js';
import { defineSolver } from '../spec.js';
import { alphaToOneTimesteps } from './alpha-to-one.js';
import { ddimLikeTimesteps } from '../timesteps.js';
import { noiseSource } from './noise.js';

/** DDIMScheduler: `setAlphaToOne` picks ā used after the last step (1, or ā_0). */
export interface DdimConfig extends CommonConfig {
  readonly className: 'DDIMScheduler';
  readonly setAlphaToOne: boolean;
  readonly clipSample: boolean;
  readonly clipSampleRange: number;
}

const keys = z.looseObject({
  set_alpha_to_one: opt(z.boolean(), true),
  clip_sample: opt(z.boolean(), true),
  clip_sample_range: opt(extendedNumber, 1.0),
});

export const ddimSpec = defineSolver({
  id: 'ddim',
  className: 'DDIMScheduler',
  summary: 'DDIM, η = 0 (deterministic) or η > 0',
  paper: 'Song et al. 2021, Denoising Diffusion Implicit Models (arXiv:2010.02502)',
  defaults: { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', timestepSpacing: 'leading' },
  supports: { predictionTypes: ['epsilon', 'v_prediction', 'sample'], spacings: ['leading', 'trailing', 'linspace'], zeroSnr: true, karras: false },
  keys,
  resolve: (k: z.infer<typeof keys>, common): DdimConfig => ({
    ...common,
    className: 'DDIMScheduler',
    setAlphaToOne: k.set_alpha_to_one,
    clipSample: k.clip_sample,
    clipSampleRange: k.clip_sample_range,
  }),
  ...alphaToOneTimesteps<DdimConfig>(ddimLikeTimesteps),
  createState: () => undefined,
  step: (s) => {
    // Time shift (src/solvers/time-shift.ts) gives the target; diffusers' own rule is t − ratio.
    const prevT = s.options.nextTimestep ?? s.t - Math.floor(s.config.numTrainTimesteps / s.plan.steps);
    const alphaBar = alphaBarAt(s.schedule, s.t);
    const alphaBarPrev = alphaBarAt(s.schedule, prevT);
    const level = noiseLevelFromAlphaBar(alphaBar);
    let d = s.denoise(s.modelOutput, s.sample, level);
    if (s.options.useClippedModelOutput === true) d = { eps: epsFromX0(s.sample, d.x0, level), x0: d.x0 };
    return ddimStep({ denoised: d, alphaBar, alphaBarPrev, eta: s.options.eta ?? 0, noise: noiseSource(s.options) });
  },
  order: () => 1,
  modelCalls: (_c, steps) => steps,
  callsPerStep: '1',
  stochastic: (_c, o) => (o.eta ?? 0) > 0,
  timeShift: { supported: true },
});
