/** Where a step's noise comes from (a given tensor or a generator), from diffusers-style step options. */
import type { DdimNoise } from '../ddim.js';
import { invalid } from '../config.js';
import type { SchedulerStepOptions } from '../spec.js';

/** The step's noise source; both a tensor and a generator is an error. */
export function noiseSource(options: SchedulerStepOptions): DdimNoise {
  if (options.varianceNoise !== undefined && options.generator !== undefined) {
    throw invalid('pass either varianceNoise or generator to step(), not both');
  }
  if (options.varianceNoise !== undefined) return { kind: 'given', noise: options.varianceNoise };
  if (options.generator !== undefined) return { kind: 'random', generator: options.generator };
  return { kind: 'none' };
}
