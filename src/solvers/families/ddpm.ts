/**
 * DDPMScheduler as a solver spec: ancestral sampling from the posterior q(x_{t'} | x_t, x̂0).
 * The update rule is ../ddpm.ts.
 *
 * Paper: Ho et al. 2020, "Denoising Diffusion Probabilistic Models" (arXiv:2006.11239), Eq. 6–7.
 */
import { z } from 'zod';
import { opt, extendedNumber, pick, type CommonConfig, type DdpmVarianceType } from '../config.js';
import { drawNoise } from '../ddim.js';
import { ddpmPosterior, posteriorStep } from '../ddpm.js';
import { noiseLevelFromAlphaBar } from '../prediction.js';
import { alphaBarAt } from '../schedule.js';
import { defineSolver } from '../spec.js';
import { checkSteps, ddimLikeTimesteps } from '../timesteps.js';
import { noiseSource } from './noise.js';

export type { DdpmVarianceType } from '../config.js';

export interface DdpmConfig extends CommonConfig {
  readonly className: 'DDPMScheduler';
  readonly varianceType: DdpmVarianceType;
  readonly clipSample: boolean;
  readonly clipSampleRange: number;
}

const keys = z.looseObject({
  variance_type: z.string().nullish(),
  clip_sample: opt(z.boolean(), true),
  clip_sample_range: opt(extendedNumber, 1.0),
});

export const ddpmSpec = defineSolver({
  id: 'ddpm',
  className: 'DDPMScheduler',
  summary: 'DDPM ancestral sampling (posterior variance)',
  paper: 'Ho et al. 2020, Denoising Diffusion Probabilistic Models (arXiv:2006.11239)',
  defaults: { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', timestepSpacing: 'leading' },
  supports: { predictionTypes: ['epsilon', 'v_prediction', 'sample'], spacings: ['leading', 'trailing', 'linspace'], zeroSnr: true, karras: false },
  keys,
  resolve: (k: z.infer<typeof keys>, common): DdpmConfig => ({
    ...common,
    className: 'DDPMScheduler',
    varianceType: pick('variance_type', k.variance_type, 'fixed_small', ['fixed_small', 'fixed_small_log', 'fixed_large']),
    clipSample: k.clip_sample,
    clipSampleRange: k.clip_sample_range,
  }),
  placement: 'timesteps',
  sampleFrame: 'vp',
  clampsTerminalAlpha: false,
  plan: (config, steps) => {
    checkSteps(steps, config);
    return { className: config.className, steps, timesteps: ddimLikeTimesteps(config, steps), sigmas: null };
  },
  createState: () => undefined,
  step: (s) => {
    const i = s.index();
    const ts = s.plan.timesteps;
    const prevT = i === ts.length - 1 ? -1 : ts[i + 1]!;
    const alphaBar = alphaBarAt(s.schedule, s.t);
    const alphaBarPrev = alphaBarAt(s.schedule, prevT, 1);
    const d = s.denoise(s.modelOutput, s.sample, noiseLevelFromAlphaBar(alphaBar));
    const posterior = ddpmPosterior({ x0: d.x0, sample: s.sample, alphaBar, alphaBarPrev, varianceType: s.config.varianceType, isFinalStep: s.t <= 0 });
    const noise = posterior.noiseScale === 0 ? undefined : drawNoise(noiseSource(s.options), s.sample.length);
    return { prevSample: posteriorStep(posterior, noise), x0: d.x0 };
  },
  order: () => 1,
  modelCalls: (_c, steps) => steps,
  callsPerStep: '1',
  stochastic: () => true,
  timeShift: { supported: true },
});
