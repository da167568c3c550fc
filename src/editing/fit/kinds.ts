/**
 * The solver fits `reprise fit-solver <kind>` runs: one entry per kind. A kind validates its
 * options with its own zod schema (the CLI passes the flags it was given, camelCased), fits on
 * the loaded pipeline, saves what it found in the solver-fit cache (runtime/solver-fit-cache.ts)
 * and reports where, with a few numbers to print. Adding a kind: one object here (or in its own
 * file) and one line in FIT_KINDS.
 */
import type { z } from 'zod';
import { RepriseError } from '../../errors.js';
import type { Pipeline } from '../pipeline.js';
import { dcFitOptionsSchema, fitDcRatios } from './dc-fit.js';
import { saveDcFit } from './dc-store.js';
import { fitV3, v3FitOptionsSchema } from './v3-fit.js';

/** Progress of any fit: its phase (`reference`, `search`, `samples`, `statistics`…) and how far. */
export interface SolverFitProgress {
  readonly phase: string;
  readonly step: number;
  readonly total: number;
}

/** What a fit reports. */
export interface SolverFitReport {
  /** The files written (the fit, and any derived fit such as DC's cascade). */
  readonly files: readonly string[];
  /** Numbers and short values worth printing (MSEs, counts, seconds), by name. */
  readonly summary: Readonly<Record<string, number | string | readonly number[]>>;
  /** Lines for the terminal (what was fitted, fitted vs unfitted error, where it was saved). */
  readonly lines: readonly string[];
}

/** One fit kind. */
export interface SolverFitKind<S extends z.ZodType = z.ZodType> {
  /** The `fit-solver <kind>` name. */
  readonly name: string;
  /** One line for the help. */
  readonly summary: string;
  /** The options (the CLI's flags, camelCased; unknown keys refused). */
  readonly optionsSchema: S;
  /** Fits on the loaded model, saves, reports. `dir`: the solver-fit folder (default: the cache's). */
  fit(pipeline: Pipeline, options: z.output<S>, progress?: (p: SolverFitProgress) => void, dir?: string): Promise<SolverFitReport>;
}

const fmt = (v: number): string => v.toExponential(3);

/** DC-Solver's compensation ratios (fit/dc-fit.ts). */
export const dcFitKind: SolverFitKind<typeof dcFitOptionsSchema> = {
  name: 'dc',
  summary: 'DC-Solver compensation ratios for one step count, guidance and spacing; refits the cascade regression over the model’s fits',
  optionsSchema: dcFitOptionsSchema,
  fit: async (pipeline, options, progress, dir) => {
    const t0 = Date.now();
    const fit = await fitDcRatios(pipeline, options, progress);
    const saved = saveDcFit(pipeline.modelId(), fit, dir);
    const seconds = +((Date.now() - t0) / 1000).toFixed(1);
    const gain = 1 - fit.mse.fitted / fit.mse.unfitted;
    return {
      files: [saved.file, ...(saved.cprFile ? [saved.cprFile] : [])],
      summary: { steps: fit.steps, guidance: fit.guidance, spacing: fit.spacing, trajectories: fit.trajectories, referenceSteps: fit.referenceSteps, ratios: fit.ratios, mseUnfitted: fit.mse.unfitted, mseFitted: fit.mse.fitted, searchCalls: fit.searchCalls, seconds },
      lines: [
        `DC-Solver ratios for ${fit.steps} steps, guidance ${fit.guidance}, ${fit.spacing} spacing: ${fit.ratios.map((r) => r.toFixed(3)).join(' ')}`,
        `final-latent MSE vs ${fit.referenceSteps}-step DDIM on ${fit.trajectories} trajectories: UniPC ${fmt(fit.mse.unfitted)}, DC-Solver ${fmt(fit.mse.fitted)} (${(100 * gain).toFixed(1)}% lower)`,
        `saved ${saved.file}${saved.cprFile ? `\ncascade regression over this model's fits: ${saved.cprFile}` : ''} (${seconds} s)`,
      ],
    };
  },
};

/** DPM-Solver-v3's empirical model statistics (fit/v3-fit.ts). */
export const v3FitKind: SolverFitKind<typeof v3FitOptionsSchema> = {
  name: 'v3',
  summary: 'DPM-Solver-v3 empirical model statistics for one guidance at the model’s latent size',
  optionsSchema: v3FitOptionsSchema,
  fit: async (pipeline, options, progress, dir) => {
    const fit = await fitV3(pipeline, options, progress, dir);
    const seconds = +(fit.seconds.samples + fit.seconds.statistics).toFixed(1);
    return {
      files: [fit.file],
      summary: { guidance: fit.guidance, samples: fit.samples, gridSteps: fit.steps, size: fit.statistics.size, pool: options.pool, secondsSamples: +fit.seconds.samples.toFixed(1), secondsStatistics: +fit.seconds.statistics.toFixed(1), seconds },
      lines: [
        `DPM-Solver-v3 statistics at guidance ${fit.guidance}: ${fit.samples} generated samples, a ${fit.steps}-step λ grid, ${fit.statistics.size} values per grid point (${options.pool} pooling)`,
        `saved ${fit.file} (${seconds} s: ${fit.seconds.samples.toFixed(1)} s generating the samples, ${fit.seconds.statistics.toFixed(1)} s for the statistics)`,
      ],
    };
  },
};

/** Every fit kind, in help order. */
export const FIT_KINDS: readonly SolverFitKind[] = [dcFitKind as unknown as SolverFitKind, v3FitKind as unknown as SolverFitKind];

/** The kind named `name`; an unknown name is an error listing the kinds. */
export function fitKind(name: string): SolverFitKind {
  const kind = FIT_KINDS.find((k) => k.name === name);
  if (kind === undefined) throw new RepriseError('CONFIG_INVALID', `unknown solver fit "${name}"`, { hint: `Choose one of ${FIT_KINDS.map((k) => k.name).join(', ')}.` });
  return kind;
}
