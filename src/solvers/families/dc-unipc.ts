/**
 * DC-Solver: UniPC with dynamic compensation (Zhao et al. 2024, "DC-Solver: Improving
 * Predictor-Corrector Diffusion Sampler via Dynamic Compensation", ECCV 2024; code:
 * wl-zhao/DC-Solver, `DCSolverMultistepScheduler`). Each step runs UniPC's corrector, then
 * replaces the newest model output by its compensated value (fitted/dc-compensation.ts) with the
 * step's ratio ρ_i, then runs UniPC's predictor — the step of families/unipc.ts with a hook, so
 * with every ρ_i = 1 the trajectory is UniPC's bit for bit.
 *
 * The ratios are the class key `dc_ratios` (one per step; fitted by `reprise fit-solver dc`, or
 * predicted by the cascade polynomial regression, fitted/dc-cpr.ts). `Pipeline.generate` fills
 * them from the solver-fit cache; a config without them is refused when the run is planned.
 * Timesteps and σ are UniPC's (the folder's spacing), not the older plan of their diffusers copy.
 */
import { z } from 'zod';
import { RepriseError } from '../../errors.js';
import { opt } from '../config.js';
import { dynamicCompensation, dcInterpolationPoints } from '../fitted/dc-compensation.js';
import { defineSolver } from '../spec.js';
import { createUniPcState, resolveUniPcSettings, uniPcKeys, uniPcPlan, uniPcStep, type UniPcSettings, type UniPcState } from './unipc.js';

export interface DcSolverConfig extends UniPcSettings {
  readonly className: 'DCSolverMultistepScheduler';
  /** Degree K of the compensation's Lagrange interpolation (their `dc_order`, default 2). */
  readonly dcOrder: number;
  /** ρ_i per step (null: not fitted — refused when the run is planned). */
  readonly dcRatios: readonly number[] | null;
}

const keys = uniPcKeys.extend({
  dc_order: opt(z.number().int().min(1).max(3), 2),
  dc_ratios: opt(z.array(z.number().finite()).nullable(), null),
});

/** The command that fits the ratios, for error hints. */
export const DC_FIT_COMMAND = 'reprise fit-solver dc --model DIR --steps N --guidance G';

export const dcSolverSpec = defineSolver<DcSolverConfig, UniPcState, typeof keys>({
  id: 'dc-unipc',
  aliases: ['dc-solver', 'dcsolver'],
  className: 'DCSolverMultistepScheduler',
  summary: 'DC-Solver: UniPC with dynamic compensation ratios fitted per model, steps and guidance',
  paper: 'Zhao et al. 2024, DC-Solver: Improving Predictor-Corrector Diffusion Sampler via Dynamic Compensation (ECCV 2024, arXiv:2409.03755)',
  defaults: { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', timestepSpacing: 'linspace' },
  supports: { predictionTypes: ['epsilon', 'v_prediction', 'sample'], spacings: ['leading', 'trailing', 'linspace'], zeroSnr: true, karras: true },
  keys,
  resolve: (k, common): DcSolverConfig => ({ ...resolveUniPcSettings(k, common), className: 'DCSolverMultistepScheduler', dcOrder: k.dc_order, dcRatios: k.dc_ratios }),
  placement: 'sigmas',
  sampleFrame: 'vp',
  clampsTerminalAlpha: true,
  plan: uniPcPlan,
  createState: (config, plan) => {
    const steps = plan.timesteps.length;
    if (config.dcRatios === null) {
      // A missing fit is the user's to make: CONFIG_INVALID (a usage error in the CLI), not a solver bug.
      throw new RepriseError('CONFIG_INVALID', `DC-Solver has no compensation ratios for ${steps} steps (scheduler config key "dc_ratios")`, { hint: `Fit them with \`${DC_FIT_COMMAND}\` (Pipeline.generate then loads them), or set "dc_ratios" (${steps} numbers; all 1 = UniPC).` });
    }
    if (config.dcRatios.length !== steps) {
      throw new RepriseError('CONFIG_INVALID', `DC-Solver's "dc_ratios" has ${config.dcRatios.length} ratio(s) but the run has ${steps} steps`, { hint: `Fit ratios for ${steps} steps with \`${DC_FIT_COMMAND}\`, or pass one ratio per step.` });
    }
    return createUniPcState();
  },
  step: (s, state) => {
    const c = s.config;
    const ratios = c.dcRatios ?? [];
    return uniPcStep(s, state, {
      keep: dcInterpolationPoints(c.dcOrder),
      // Compensate m_i before the predictor (their `_step`: after the corrector and the buffer shift).
      compensate: (history, times, i) => dynamicCompensation(history, times, ratios[i] ?? 1, c.dcOrder),
    });
  },
  // Fitted ratios near 1 keep UniPC's order (the shift of t̃ is (ρ − 1)·Δt); the claim is UniPC's.
  order: (c) => c.solverOrder + (c.disableCorrector.length === 0 ? 1 : 0),
  modelCalls: (_c, steps) => steps,
  callsPerStep: '1 (as UniPC; the fit costs extra calls once)',
  stochastic: () => false,
  timeShift: { supported: false, reason: "its compensation ratios are fitted for the plan's own timesteps; a shifted timestep would apply them off their step" },
  contractKeys: (steps) => ({ dc_ratios: Array.from({ length: steps }, (_, i) => (i < 2 ? 1 : 1 + 0.5 / steps ** 2)) }),
});
