/**
 * σ placement of the VP multistep/singlestep solvers (DPM-Solver, DPM-Solver++, DEIS, UniPC):
 * integer timesteps (spaced, or mapped back from Karras σ), σ per timestep, and a final σ.
 *
 * Notation: σ = √((1 − ā)/ā); the plan's `sigmas` has one entry per timestep plus the final one.
 */
import type { CommonConfig } from './config.js';
import { placeKarras, sigmaAtZero, tableRange, withFinalSigma } from './karras.js';
import type { NoiseSchedule } from './schedule.js';
import type { TimestepPlan } from './spec.js';
import { checkSteps, dpmTimesteps, sigmasFor } from './timesteps.js';

/** How one class ends its σ list and places Karras σ. */
export interface VpSigmaPlacement {
  readonly karras: boolean;
  /** `lambda_min_clipped` (−∞ where the class has none). */
  readonly lambdaMinClipped: number;
  /** Final σ without Karras: 0, or σ at t = 0. */
  readonly final: 'zero' | 'sigma_min';
  /** Final σ with Karras: 0, the last Karras σ, or σ at t = 0. */
  readonly karrasFinal: 'zero' | 'last' | 'sigma_min';
  /** `sigma_min` / `sigma_max` overrides of the Karras range (null: the table's ends). */
  readonly sigmaMin?: number | null;
  readonly sigmaMax?: number | null;
}

/** `set_timesteps` of the VP σ solvers. */
export function vpSigmaPlan(config: CommonConfig, steps: number, schedule: NoiseSchedule, o: VpSigmaPlacement): TimestepPlan {
  checkSteps(steps, config);
  const base = { className: config.className, steps };
  if (!o.karras) {
    const timesteps = dpmTimesteps({ ...config, lambdaMinClipped: o.lambdaMinClipped }, schedule, steps);
    return { ...base, timesteps, sigmas: sigmasFor({ finalSigmasType: o.final }, schedule, timesteps) };
  }
  const [tableMax, tableMin] = tableRange(schedule);
  const k = placeKarras(schedule, { range: [o.sigmaMax ?? tableMax, o.sigmaMin ?? tableMin], steps, round: true });
  const last = o.karrasFinal === 'zero' ? 0 : o.karrasFinal === 'last' ? k.sigmas[k.sigmas.length - 1]! : sigmaAtZero(schedule);
  return { ...base, timesteps: k.timesteps, sigmas: withFinalSigma(k.sigmas, last) };
}
