/**
 * EulerDiscreteScheduler as a solver spec: Euler steps in the σ frame (no churn), with Karras σ.
 * The update rule is ../euler.ts.
 *
 * Paper: Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative Models"
 * (arXiv:2206.00364), Algorithm 2 with S_churn = 0.
 */
import { z } from 'zod';
import { opt, extendedNumber, pick, unsupportedValue, type CommonConfig, type FinalSigmasType } from '../config.js';
import { eulerModelLevel, eulerScaleModelInput, eulerStep } from '../euler.js';
import { sigmaAtZero } from '../karras.js';
import { defineSolver } from '../spec.js';
import { veSigmaPlan } from './ve-plan.js';

export interface EulerConfig extends CommonConfig {
  readonly className: 'EulerDiscreteScheduler';
  readonly finalSigmasType: FinalSigmasType;
  readonly useKarrasSigmas: boolean;
  readonly sigmaMin: number | null;
  readonly sigmaMax: number | null;
}

const keys = z.looseObject({
  final_sigmas_type: z.string().nullish(),
  interpolation_type: z.string().nullish(),
  timestep_type: z.string().nullish(),
  use_karras_sigmas: opt(z.boolean(), false),
  sigma_min: opt(extendedNumber.nullable(), null),
  sigma_max: opt(extendedNumber.nullable(), null),
});

export const eulerSpec = defineSolver({
  id: 'euler',
  className: 'EulerDiscreteScheduler',
  summary: 'Euler in the σ frame (Karras Algorithm 2, no churn)',
  paper: 'Karras et al. 2022, Elucidating the Design Space of Diffusion-Based Generative Models (arXiv:2206.00364)',
  defaults: { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', timestepSpacing: 'linspace' },
  supports: { predictionTypes: ['epsilon', 'v_prediction', 'sample'], spacings: ['leading', 'trailing', 'linspace'], zeroSnr: true, karras: true },
  keys,
  resolve: (k: z.infer<typeof keys>, common): EulerConfig => {
    pick('interpolation_type', k.interpolation_type, 'linear', ['linear']);
    const timestepType = pick('timestep_type', k.timestep_type, 'discrete', ['discrete', 'continuous']);
    if (timestepType === 'continuous' && common.predictionType === 'v_prediction') {
      throw unsupportedValue('timestep_type', timestepType, '"discrete" (continuous timesteps with v_prediction are not supported)');
    }
    return {
      ...common,
      className: 'EulerDiscreteScheduler',
      finalSigmasType: pick<FinalSigmasType>('final_sigmas_type', k.final_sigmas_type, 'zero', ['zero', 'sigma_min']),
      useKarrasSigmas: k.use_karras_sigmas,
      sigmaMin: k.sigma_min,
      sigmaMax: k.sigma_max,
    };
  },
  placement: 'sigmas',
  sampleFrame: 've',
  clampsTerminalAlpha: true,
  plan: (config, steps, schedule) => {
    const finalSigma = config.finalSigmasType === 'zero' ? 0 : sigmaAtZero(schedule);
    const p = veSigmaPlan(config, steps, schedule, { karras: config.useKarrasSigmas, finalSigma, sigmaMin: config.sigmaMin, sigmaMax: config.sigmaMax });
    return { className: config.className, steps, ...p };
  },
  createState: () => undefined,
  step: (s) => {
    const i = s.index();
    const sigma = s.sigma(i);
    const x0 = s.denoise(s.modelOutput, eulerScaleModelInput(s.sample, sigma), eulerModelLevel(sigma)).x0;
    return eulerStep({ sample: s.sample, x0, sigma, sigmaNext: s.sigma(i + 1) });
  },
  order: () => 1,
  modelCalls: (_c, steps) => steps,
  callsPerStep: '1',
  stochastic: () => false,
  timeShift: {
    supported: false,
    reason: 'it samples in the σ frame (x/√ā, initial noise σ_max), while the rule compares the VP sample\'s variance with 1 − ā_τ',
  },
});
