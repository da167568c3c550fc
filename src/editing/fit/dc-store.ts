/**
 * DC-Solver fits in the solver-fit cache (runtime/solver-fit-cache.ts): kind `dc` keyed by
 * model id, timestep spacing, steps and guidance (the searched ratios), and kind `dc-cpr` keyed
 * by model id and spacing (the cascade polynomial regression over every `dc` fit of the model at
 * that spacing, refitted at each save), so sampling at an unseen step count or guidance uses
 * predicted ratios. Ratios compensate one plan's timesteps: a fit at `leading` says nothing
 * about `trailing`.
 */
import { RepriseError } from '../../errors.js';
import { listSolverFits, loadSolverFit, saveSolverFit, solverFitFile } from '../../runtime/solver-fit-cache.js';
import { DC_FIT_COMMAND, fitDcCpr, predictDcRatios, type DcCprModel, type DcCprSample, type TimestepSpacing } from '../../solvers/index.js';
import type { DcFit } from './dc-fit.js';

/** The cache key of a DC fit. */
export function dcFitKey(modelId: string, spacing: TimestepSpacing, steps: number, guidance: number): Record<string, unknown> {
  return { modelId, spacing, steps, guidance };
}

/** Where a DC fit and the model's cascade were saved. */
export interface SavedDcFit {
  readonly file: string;
  /** The cascade's file (absent while the model has fits at a single (steps, guidance) point). */
  readonly cprFile?: string;
}

/** Saves a fit and refits the model's cascade over all its DC fits. */
export function saveDcFit(modelId: string, fit: DcFit, dir?: string): SavedDcFit {
  const file = saveSolverFit('dc', dcFitKey(modelId, fit.spacing, fit.steps, fit.guidance), fit, dir);
  const samples: DcCprSample[] = listSolverFits<DcFit>('dc', { modelId, spacing: fit.spacing }, dir).map((f) => ({ guidance: f.data.guidance, steps: f.data.steps, ratios: f.data.ratios }));
  if (samples.length < 2) return { file };
  const cprFile = saveSolverFit('dc-cpr', { modelId, spacing: fit.spacing }, { model: fitDcCpr(samples), points: samples.map((s) => ({ steps: s.steps, guidance: s.guidance })) }, dir);
  return { file, cprFile };
}

/** The ratios DC-Solver samples with, and where they come from. */
export interface DcRatios {
  readonly ratios: number[];
  readonly source: 'fit' | 'cpr';
  readonly file: string;
}

/**
 * The ratios for (model, spacing, steps, guidance): the fit of exactly that point, else the
 * cascade's prediction at that spacing; neither saved is an error naming the command that
 * creates them.
 */
export function dcRatiosFor(modelId: string, spacing: TimestepSpacing, steps: number, guidance: number, dir?: string): DcRatios {
  const fit = loadSolverFit<DcFit>('dc', dcFitKey(modelId, spacing, steps, guidance), dir);
  if (fit !== undefined) {
    if (fit.data.ratios.length !== steps) throw new RepriseError('RUNTIME_INPUT', `the DC fit for ${steps} steps holds ${fit.data.ratios.length} ratios`, { hint: `Fit again: \`${DC_FIT_COMMAND}\`.` });
    return { ratios: [...fit.data.ratios], source: 'fit', file: solverFitFile('dc', dcFitKey(modelId, spacing, steps, guidance), dir) };
  }
  const cpr = loadSolverFit<{ model: DcCprModel }>('dc-cpr', { modelId, spacing }, dir);
  if (cpr !== undefined) return { ratios: predictDcRatios(cpr.data.model, guidance, steps), source: 'cpr', file: solverFitFile('dc-cpr', { modelId, spacing }, dir) };
  throw new RepriseError('CONFIG_INVALID', `DC-Solver has no compensation ratios for this model at ${steps} steps, guidance ${guidance} and timestep_spacing ${spacing}`, {
    hint: `Fit them once: \`reprise fit-solver dc --model <this model> --steps ${steps} --guidance ${guidance} --spacing ${spacing}\` (fits at two or more (steps, guidance) points also let DC-Solver predict ratios for others).`,
  });
}
