/**
 * The placement the integer-timestep VP solvers with diffusers' `set_alpha_to_one` share (DDIM,
 * DDIM inverse, LCM, PNDM): timesteps (no σ plan), ā after the last step 1 or ā_0, and a plan of
 * the class's own timesteps, one model call each. Each spec spreads it and adds its step.
 */
import type { CommonConfig } from '../config.js';
import type { TimestepPlan } from '../spec.js';
import { checkSteps } from '../timesteps.js';

export function alphaToOneTimesteps<C extends CommonConfig & { readonly className: string; readonly setAlphaToOne: boolean }>(
  timesteps: (config: C, steps: number) => readonly number[],
) {
  return {
    placement: 'timesteps' as const,
    sampleFrame: 'vp' as const,
    clampsTerminalAlpha: false,
    finalAlphaCumprod: (config: C, alphasCumprod: Float64Array): number => (config.setAlphaToOne ? 1 : alphasCumprod[0]!),
    plan: (config: C, steps: number): TimestepPlan => {
      checkSteps(steps, config);
      return { className: config.className, steps, timesteps: [...timesteps(config, steps)], sigmas: null };
    },
  };
}
