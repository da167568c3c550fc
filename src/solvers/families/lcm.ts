/**
 * LCMScheduler as a solver spec: consistency-model steps (denoise, then re-noise to the next
 * timestep). The update rule is ../lcm.ts.
 *
 * Paper: Luo et al. 2023, "Latent Consistency Models" (arXiv:2310.04378), Algorithm 1.
 */
import { z } from 'zod';
import { opt, extendedNumber, unsupportedValue, type CommonConfig } from '../config.js';
import { lcmBoundaryScalings, lcmStep } from '../lcm.js';
import { noiseLevelFromAlphaBar } from '../prediction.js';
import { alphaBarAt } from '../schedule.js';
import { defineSolver } from '../spec.js';
import { alphaToOneTimesteps } from './alpha-to-one.js';
import { lcmTimesteps } from '../timesteps.js';
import { noiseSource } from './noise.js';

export interface LcmConfig extends CommonConfig {
  readonly className: 'LCMScheduler';
  readonly setAlphaToOne: boolean;
  readonly clipSample: boolean;
  readonly clipSampleRange: number;
  readonly originalInferenceSteps: number;
  readonly timestepScaling: number;
}

const keys = z.looseObject({
  set_alpha_to_one: opt(z.boolean(), true),
  clip_sample: opt(z.boolean(), false),
  clip_sample_range: opt(extendedNumber, 1.0),
  original_inference_steps: opt(z.number().int().positive(), 50),
  timestep_scaling: opt(extendedNumber, 10.0),
});

export const lcmSpec = defineSolver({
  id: 'lcm',
  className: 'LCMScheduler',
  summary: 'Latent Consistency Model multistep sampling',
  paper: 'Luo et al. 2023, Latent Consistency Models (arXiv:2310.04378)',
  defaults: { betaStart: 0.00085, betaEnd: 0.012, betaSchedule: 'scaled_linear', timestepSpacing: 'leading' },
  supports: { predictionTypes: ['epsilon', 'v_prediction', 'sample'], spacings: ['leading', 'trailing', 'linspace'], zeroSnr: true, karras: false },
  keys,
  resolve: (k: z.infer<typeof keys>, common): LcmConfig => {
    if (k.original_inference_steps > common.numTrainTimesteps) {
      throw unsupportedValue('original_inference_steps', k.original_inference_steps, `at most num_train_timesteps (${common.numTrainTimesteps})`);
    }
    return {
      ...common,
      className: 'LCMScheduler',
      setAlphaToOne: k.set_alpha_to_one,
      clipSample: k.clip_sample,
      clipSampleRange: k.clip_sample_range,
      originalInferenceSteps: k.original_inference_steps,
      timestepScaling: k.timestep_scaling,
    };
  },
  ...alphaToOneTimesteps<LcmConfig>((config, steps) => lcmTimesteps(config, steps)),
  createState: () => undefined,
  step: (s) => {
    const i = s.index();
    const ts = s.plan.timesteps;
    const prevT = i + 1 < ts.length ? ts[i + 1]! : s.t;
    const d = s.denoise(s.modelOutput, s.sample, noiseLevelFromAlphaBar(alphaBarAt(s.schedule, s.t)));
    const result = lcmStep({
      sample: s.sample,
      x0: d.x0,
      scalings: lcmBoundaryScalings(s.t, s.config.timestepScaling),
      alphaBarPrev: alphaBarAt(s.schedule, prevT),
      isFinalStep: i === ts.length - 1,
      noise: noiseSource(s.options),
    });
    return { prevSample: result.prevSample, x0: result.denoised };
  },
  order: () => 1,
  modelCalls: (_c, steps) => steps,
  callsPerStep: '1',
  stochastic: () => true,
  timeShift: {
    supported: false,
    reason: 'it is a consistency model distilled for its own few timesteps (the boundary scalings depend on t): querying it at shifted timesteps is outside what it was trained on, and the paper has no such variant',
  },
});
