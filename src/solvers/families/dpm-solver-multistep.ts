/**
 * DPMSolverMultistepScheduler: DPM-Solver++ (data prediction, orders 1–3, midpoint/Heun, SDE
 * variant) and DPM-Solver (noise prediction, orders 1–3), with Karras σ and `final_sigmas_type`.
 * The data-prediction rule is ../dpm-solver.ts; the noise-prediction rule is ../dpm-solver-eps.ts.
 *
 * Paper: Lu et al. 2022, "DPM-Solver: A Fast ODE Solver for Diffusion Probabilistic Model
 * Sampling in Around 10 Steps" (arXiv:2206.00927); Lu et al. 2022, "DPM-Solver++"
 * (arXiv:2211.01095), Algorithm 2.
 */
import { z } from 'zod';
import { opt, extendedNumber, invalid, pick, unsupportedValue, type CommonConfig, type DpmSolverType, type FinalSigmasType } from '../config.js';
import type { FloatArray } from '../arrays.js';
import { drawNoise } from '../ddim.js';
import { dpmSolverOrderAt, dpmSolverPlusPlusUpdate } from '../dpm-solver.js';
import { dpmSolverNoiseUpdate } from '../dpm-solver-eps.js';
import { noiseLevelFromSigma, type NoiseLevel } from '../prediction.js';
import { vpSigmaPlan } from '../sigma-plan.js';
import { defineSolver } from '../spec.js';
import { noiseSource } from './noise.js';

export type DpmAlgorithmType = 'dpmsolver++' | 'sde-dpmsolver++' | 'dpmsolver';
export type { DpmSolverType } from '../config.js';

export interface DpmSolverConfig extends CommonConfig {
  readonly className: 'DPMSolverMultistepScheduler';
  readonly solverOrder: 1 | 2 | 3;
  readonly algorithmType: DpmAlgorithmType;
  readonly solverType: DpmSolverType;
  readonly lowerOrderFinal: boolean;
  readonly eulerAtFinal: boolean;
  readonly finalSigmasType: FinalSigmasType;
  readonly lambdaMinClipped: number;
  readonly useKarrasSigmas: boolean;
}

/** Shared keys of the DPM-Solver classes: order, algorithm, solver type with diffusers' aliases. */
export const dpmKeys = {
  solver_order: opt(z.number().int(), 2),
  algorithm_type: z.string().nullish(),
  solver_type: z.string().nullish(),
  lower_order_final: opt(z.boolean(), true),
  final_sigmas_type: z.string().nullish(),
  lambda_min_clipped: opt(extendedNumber, Number.NEGATIVE_INFINITY),
  variance_type: z.string().nullish(),
  use_karras_sigmas: opt(z.boolean(), false),
};

const keys = z.looseObject({ ...dpmKeys, euler_at_final: opt(z.boolean(), false) });

/** Order 1–3, the algorithm (diffusers maps "deis" → "dpmsolver++", logrho/bh1/bh2 → midpoint) and the final-σ rule. */
export function resolveDpmKeys(k: z.infer<z.ZodObject<typeof dpmKeys>>, className: string) {
  const order = k.solver_order;
  if (order !== 1 && order !== 2 && order !== 3) throw unsupportedValue('solver_order', order, '1, 2, 3');
  const rawAlgorithm = k.algorithm_type === 'deis' ? 'dpmsolver++' : k.algorithm_type;
  const algorithmType = pick<DpmAlgorithmType>('algorithm_type', rawAlgorithm, 'dpmsolver++', ['dpmsolver++', 'sde-dpmsolver++', 'dpmsolver']);
  const rawSolver = k.solver_type !== null && k.solver_type !== undefined && ['logrho', 'bh1', 'bh2'].includes(k.solver_type) ? 'midpoint' : k.solver_type;
  const solverType = pick<DpmSolverType>('solver_type', rawSolver, 'midpoint', ['midpoint', 'heun']);
  if (k.variance_type !== null && k.variance_type !== undefined) {
    throw unsupportedValue('variance_type', k.variance_type, 'null (learned variances are not supported)');
  }
  const finalSigmasType = pick<FinalSigmasType>('final_sigmas_type', k.final_sigmas_type, 'zero', ['zero', 'sigma_min']);
  if (algorithmType === 'dpmsolver' && finalSigmasType === 'zero') {
    throw invalid(
      `scheduler config: "final_sigmas_type" = "zero" is not supported with "algorithm_type" = "dpmsolver" by ${className} (diffusers refuses it too)`,
      'Set "final_sigmas_type" to "sigma_min", or use "algorithm_type": "dpmsolver++".',
    );
  }
  if (algorithmType === 'sde-dpmsolver++' && order === 3) throw unsupportedValue('solver_order', order, '1, 2 with "sde-dpmsolver++"');
  return { solverOrder: order, algorithmType, solverType, lowerOrderFinal: k.lower_order_final, finalSigmasType, lambdaMinClipped: k.lambda_min_clipped, useKarrasSigmas: k.use_karras_sigmas } as const;
}

export interface MultistepState {
  /** Converted model outputs (x̂0 for ++, ε̂ for dpmsolver), most recent last. */
  history: FloatArray[];
  lowerOrderNums: number;
}

export const dpmSolverMultistepSpec = defineSolver({
  id: 'dpm-solver++',
  aliases: ['dpmsolver++', 'dpm-solver-multistep'],
  className: 'DPMSolverMultistepScheduler',
  summary: 'DPM-Solver++ / DPM-Solver multistep, orders 1–3 (SDE variant with noise)',
  paper: 'Lu et al. 2022, DPM-Solver++ (arXiv:2211.01095); DPM-Solver (arXiv:2206.00927)',
  defaults: { betaStart: 0.0001, betaEnd: 0.02, betaSchedule: 'linear', timestepSpacing: 'linspace' },
  supports: { predictionTypes: ['epsilon', 'v_prediction', 'sample'], spacings: ['leading', 'trailing', 'linspace'], zeroSnr: true, karras: true },
  keys,
  resolve: (k: z.infer<typeof keys>, common): DpmSolverConfig => ({
    ...common,
    className: 'DPMSolverMultistepScheduler',
    ...resolveDpmKeys(k, 'DPMSolverMultistepScheduler'),
    eulerAtFinal: k.euler_at_final,
  }),
  placement: 'sigmas',
  sampleFrame: 'vp',
  clampsTerminalAlpha: true,
  plan: (config, steps, schedule) =>
    vpSigmaPlan(config, steps, schedule, {
      karras: config.useKarrasSigmas,
      lambdaMinClipped: config.lambdaMinClipped,
      final: config.finalSigmasType,
      karrasFinal: config.finalSigmasType === 'zero' ? 'zero' : 'last',
    }),
  createState: (): MultistepState => ({ history: [], lowerOrderNums: 0 }),
  step: (s, state) => {
    const c = s.config;
    const i = s.index();
    const levels: NoiseLevel[] = [];
    for (let k = Math.max(0, i - 2); k <= i + 1; k++) levels.push(noiseLevelFromSigma(s.sigma(k)));
    const d = s.denoise(s.modelOutput, s.sample, noiseLevelFromSigma(s.sigma(i)));
    state.history = [...state.history, c.algorithmType === 'dpmsolver' ? d.eps : d.x0].slice(-c.solverOrder);
    const order = dpmSolverOrderAt({
      stepIndex: i,
      numSteps: s.plan.timesteps.length,
      solverOrder: c.solverOrder,
      lowerOrderNums: state.lowerOrderNums,
      lowerOrderFinal: c.lowerOrderFinal,
      eulerAtFinal: c.eulerAtFinal,
      finalSigmaZero: c.finalSigmasType === 'zero',
    });
    let prevSample;
    if (c.algorithmType === 'dpmsolver') {
      prevSample = dpmSolverNoiseUpdate({ sample: s.sample, epsHistory: state.history, levels, order, solverType: c.solverType });
    } else {
      const sdeNoise = c.algorithmType === 'sde-dpmsolver++' ? drawNoise(noiseSource(s.options), s.sample.length) : undefined;
      prevSample = dpmSolverPlusPlusUpdate({ sample: s.sample, x0History: state.history, levels, order, solverType: c.solverType, ...(sdeNoise ? { sdeNoise } : {}) });
    }
    if (state.lowerOrderNums < c.solverOrder) state.lowerOrderNums++;
    return { prevSample, x0: d.x0 };
  },
  order: (c) => c.solverOrder,
  modelCalls: (_c, steps) => steps,
  callsPerStep: '1',
  stochastic: (c) => c.algorithmType === 'sde-dpmsolver++',
  timeShift: { supported: true },
});
