/**
 * DDIMInverseScheduler as a solver spec: the DDIM map run from data to noise (ascending t).
 * The update rule is ../ddim-inverse.ts.
 *
 * Paper: Song et al. 2021 (arXiv:2010.02502) §4.3; Mokady et al. 2023, "Null-text Inversion"
 * (arXiv:2211.09794).
 */
import { z } from 'zod';
import { opt, extendedNumber, type CommonConfig } from '../config.js';
import { ddimInverseLevels, ddimInverseStep } from '../ddim-inverse.js';
import { noiseLevelFromAlphaBar } from '../prediction.js';
import { defineSolver } from '../spec.js';
import { alphaToOneTimesteps } from './alpha-to-one.js';
import { ddimInverseTimesteps } from '../timesteps.js';

/** DDIMInverseScheduler: `setAlphaToOne` picks ā used before the first step (1, or ā_0). */
export interface DdimInverseConfig extends CommonConfig {
  readonly className: 'DDIMInverseScheduler';
  readonly setAlphaToOne: boolean;
  readonly clipSample: boolean;
  readonly clipSampleRange: number;
}

const keys = z.looseObject({
  set_alpha_to_one: opt(z.boolean(), true),
  // diffusers maps the deprecated `set_alpha_to_zero` onto `set_alpha_to_one`.
  set_alpha_to_zero: opt(z.boolean().nullable(), null),
  clip_sample: opt(z.boolean(), true),
  clip_sample_range: opt(extendedNumber, 1.0),
});

export const ddimInverseSpec = defineSolver({
  id: 'ddim-inverse',
  className: 'DDIMInverseScheduler',
  summary: 'DDIM run backwards (image → noise), ascending timesteps',
  paper: 'Song et al. 2021 (arXiv:2010.02502) §4.3',
  defaults: { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', timestepSpacing: 'leading' },
  supports: { predictionTypes: ['epsilon', 'v_prediction', 'sample'], spacings: ['leading', 'trailing'], zeroSnr: true, karras: false },
  keys,
  resolve: (k: z.infer<typeof keys>, common): DdimInverseConfig => ({
    ...common,
    className: 'DDIMInverseScheduler',
    setAlphaToOne: k.set_alpha_to_zero ?? k.set_alpha_to_one,
    clipSample: k.clip_sample,
    clipSampleRange: k.clip_sample_range,
  }),
  ...alphaToOneTimesteps<DdimInverseConfig>(ddimInverseTimesteps),
  createState: () => undefined,
  step: (s) => {
    const levels = ddimInverseLevels(s.schedule, s.t, s.plan.steps);
    const d = s.denoise(s.modelOutput, s.sample, noiseLevelFromAlphaBar(levels.alphaBarFrom));
    return ddimInverseStep(d, levels.alphaBarTo);
  },
  order: () => 1,
  modelCalls: (_c, steps) => steps,
  callsPerStep: '1',
  stochastic: () => false,
  timeShift: {
    supported: false,
    reason: 'it runs image → noise (inversion); the time shift corrects the exposure bias of sampling (noise → image)',
  },
});
