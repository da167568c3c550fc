/**
 * The table of `reprise fit-solver <kind>`: the shared flags, then each fit kind's own flags in
 * its own help section (FIT_KIND_FLAGS). A kind's flags carry its options schema, so ranges and
 * defaults come from the kind; the command refuses a flag of another kind and names it.
 */
import { dcFitOptionsSchema } from '../../editing/fit/dc-fit.js';
import { FIT_KINDS } from '../../editing/fit/kinds.js';
import { v3FitOptionsSchema } from '../../editing/fit/v3-fit.js';
import { jsonFlag, MODEL_FLAGS } from './common.js';
import { defineCommand, type Flag } from './define.js';

const dc = dcFitOptionsSchema.shape;
const v3 = v3FitOptionsSchema.shape;

/** Flags every kind takes with the same meaning (the solver the fit is for samples with them). */
const FIT_FLAGS = [
  { name: 'guidance', type: 'number', schema: dc.guidance, help: 'CFG guidance scale the fit is for (sampling must use the same)' },
  { name: 'seed', type: 'number', schema: dc.seed, help: 'seed of the fit’s z_T (DC: trajectory n uses seed + n; v3: the generated samples and the perturbation noise)' },
] as const satisfies readonly Flag[];

/**
 * Each kind's own flags (`required`: the kind needs it). One entry per FIT_KINDS name; the
 * section title is the kind's.
 */
export const FIT_KIND_FLAGS: Readonly<Record<string, readonly Flag[]>> = {
  dc: [
    { name: 'steps', type: 'number', required: true, schema: dc.steps, help: 'sampling steps (NFE) the ratios are for' },
    { name: 'prompts', type: 'number', schema: dc.prompts, default: '10', help: 'trajectories to fit on (built-in scene captions, cycled)' },
    { name: 'reference-steps', type: 'number', schema: dc.referenceSteps, help: 'steps of the DDIM reference' },
    { name: 'refinements', type: 'number', schema: dc.refinements, help: 'golden-section refinements per step after the ratio grid (one model call each)' },
    { name: 'spacing', type: 'choice', schema: dc.spacing, choices: ['leading', 'linspace', 'trailing'], default: "the folder's timestep_spacing", help: 'timestep spacing of the sampling the ratios are for (fits are keyed by it)' },
  ],
  v3: [
    { name: 'samples', type: 'number', schema: v3.samples, help: 'data samples the model generates for the statistics (the paper: a few hundred to 1024)' },
    { name: 'grid-steps', type: 'number', schema: v3.gridSteps, help: 'steps M of the λ grid the statistics are computed on (M + 1 points; sampling snaps its steps to it)' },
    { name: 'sample-steps', type: 'number', schema: v3.sampleSteps, help: 'DPM-Solver++ steps of each generated sample' },
    { name: 'pool', type: 'choice', schema: v3.pool, help: 'element: statistics per latent element (their code); channel: pooled over positions per channel (for few samples)' },
    { name: 'batch', type: 'number', schema: v3.batch, help: 'samples per batched model call' },
  ],
};

/** The kind's help section. */
const section = (kind: string): string => `${kind} options (fit-solver ${kind} only)`;

export const FIT_SOLVER_TABLE = defineCommand({
  name: 'fit-solver',
  summary: 'fit a solver to the loaded model once (DC-Solver ratios, DPM-Solver-v3 statistics) and save the fit in the cache',
  positionals: [{ name: '<kind>', help: `what to fit: ${FIT_KINDS.map((k) => `${k.name} (${k.summary})`).join('; ')}` }],
  usage: ['fit-solver dc --model <folder> --steps N [--guidance G] [options]', 'fit-solver v3 --model <folder> [--guidance G] [--samples K] [options]'],
  description: `Fits data a solver needs on the loaded model and saves it in the solver-fit cache
($REPRISE_CACHE_DIR/solver-fits, else ~/.cache/reprise/solver-fits), keyed by the model's weights
and what the fit is for; sampling with that solver (\`reprise generate --scheduler dc-unipc\` or
\`dpm-solver-v3\`) loads it.
\`dc\`: DC-Solver's compensation ratios for one step count, guidance and timestep spacing,
searched step by step on N seeded trajectories against a many-step DDIM reference; prints the
final-latent MSE of UniPC (unfitted) and DC-Solver (fitted) on them. Every DC fit of a model also
refits the cascade polynomial regression that predicts ratios for step counts and guidance scales
not fitted.
\`v3\`: DPM-Solver-v3's empirical model statistics for one guidance at the model's latent size,
computed on K samples the model generates (scene captions, seeded z_T); on the bundled model, on
a 60-step grid with channel pooling, 16 samples take about 5 minutes and 64 about 8 on 2 CPU
cores (3 model calls per sample and grid point: the 256-sample default is a GPU job).`,
  flags: [
    ...MODEL_FLAGS,
    ...FIT_FLAGS,
    { name: 'dir', type: 'string', value: '<folder>', default: '$REPRISE_CACHE_DIR/solver-fits or ~/.cache/reprise/solver-fits', help: 'the solver-fit folder' },
    jsonFlag('print one JSON object with the fit (progress stays on stderr)'),
    // A kind's `required` is checked by the command for that kind, not by the parser for all.
    ...Object.entries(FIT_KIND_FLAGS).flatMap(([kind, flags]) => flags.map((f) => ({ ...f, required: false, group: section(kind), help: f.required === true ? `${f.help} (required)` : f.help }) as Flag)),
  ],
  examples: [
    'fit-solver dc --model models/reprise-scenes --steps 10 --guidance 7.5',
    'fit-solver dc -m models/sd15 --steps 5 --guidance 3 --spacing trailing --prompts 10 --json',
    'fit-solver v3 --model models/reprise-scenes --guidance 7.5 --samples 16 --grid-steps 60 --pool channel',
  ],
});
