/** The table of `reprise fit-solver <kind>`. */
import { dcFitOptionsSchema } from '../../editing/fit/dc-fit.js';
import { FIT_KINDS } from '../../editing/fit/kinds.js';
import { jsonFlag, MODEL_FLAGS } from './common.js';
import { defineCommand } from './define.js';

const dc = dcFitOptionsSchema.shape;

export const FIT_SOLVER_TABLE = defineCommand({
  name: 'fit-solver',
  summary: 'fit a solver to the loaded model once (DC-Solver ratios) and save the fit in the cache',
  positionals: [{ name: '<kind>', help: `what to fit: ${FIT_KINDS.map((k) => `${k.name} (${k.summary})`).join('; ')}` }],
  usage: ['fit-solver <kind> --model <folder> --steps N [options]'],
  description: `Fits data a solver needs on the loaded model and saves it in the solver-fit cache
($REPRISE_CACHE_DIR/solver-fits, else ~/.cache/reprise/solver-fits), keyed by the model's weights,
the steps and the guidance; sampling with that solver (\`reprise generate --scheduler dc-unipc\`)
loads it. \`dc\`: DC-Solver's compensation ratios, searched step by step on N seeded trajectories
against a many-step DDIM reference; prints the final-latent MSE of UniPC (unfitted) and DC-Solver
(fitted) on them. Every DC fit of a model also refits the cascade polynomial regression that
predicts ratios for step counts and guidance scales not fitted.`,
  flags: [
    ...MODEL_FLAGS,
    { name: 'steps', type: 'number', required: true, schema: dc.steps, help: 'sampling steps (NFE) the fit is for' },
    { name: 'guidance', type: 'number', schema: dc.guidance, help: 'CFG guidance scale the fit is for' },
    { name: 'prompts', type: 'number', schema: dc.prompts, default: '10', help: 'trajectories to fit on (built-in scene captions, cycled)' },
    { name: 'seed', type: 'number', schema: dc.seed, help: 'seed of the first trajectory’s z_T (trajectory n: seed + n)' },
    { name: 'reference-steps', type: 'number', schema: dc.referenceSteps, help: 'steps of the DDIM reference' },
    { name: 'refinements', type: 'number', schema: dc.refinements, help: 'golden-section refinements per step after the ratio grid (one model call each)' },
    { name: 'dir', type: 'string', value: '<folder>', default: '$REPRISE_CACHE_DIR/solver-fits or ~/.cache/reprise/solver-fits', help: 'the solver-fit folder' },
    jsonFlag('print one JSON object with the fit (progress stays on stderr)'),
  ],
  examples: ['fit-solver dc --model models/reprise-scenes --steps 10 --guidance 7.5', 'fit-solver dc -m models/sd15 --steps 5 --guidance 3 --prompts 10 --json'],
});
