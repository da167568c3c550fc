/** The table of `reprise generate`. */
import { generateOptionsSchema } from '../../editing/options.js';
import { SOLVER_IDS, TIME_SHIFT_SOLVER_IDS, timeShiftSchema } from '../../solvers/index.js';
import { jsonFlag, MODEL_FLAGS } from './common.js';
import { defineCommand } from './define.js';

const shape = generateOptionsSchema.shape;

/** The `--scheduler` choices: every registered solver that samples (noise → image). */
export const GENERATE_SCHEDULERS: readonly string[] = SOLVER_IDS.filter((id) => id !== 'ddim-inverse');

export const GENERATE_TABLE = defineCommand({
  name: 'generate',
  summary: 'text-to-image with any solver (--scheduler pndm|unipc|…) and its exact record',
  listing: 'generate --prompt P',
  positionals: [],
  description: `Generates an image from a prompt and writes it with its inversion record, which is exact
(\`reprise edit\` and \`reprise reconstruct\` take it like an inverted photo). By default it samples
with the folder's own scheduler (scheduler/scheduler_config.json: PNDM for Stable Diffusion 1.5),
exactly as diffusers does; a DDIM folder samples with the DDIM method, whose record is exact by
construction. With another solver the record comes from EF-DDPM inversion of the result.`,
  flags: [
    ...MODEL_FLAGS,
    { name: 'prompt', short: 'p', type: 'string', value: '<text>', required: true, help: 'the prompt' },
    { name: 'out', short: 'o', type: 'string', value: '<file>', default: 'generated.png', help: 'the image PNG' },
    { name: 'record', type: 'string', value: '<file>', default: '<out name>.inv.safetensors', help: 'the inversion record' },
    { name: 'scheduler', type: 'choice', choices: GENERATE_SCHEDULERS, value: '<name>', help: "sample with this solver instead of the folder's (see docs/solvers.md)" },
    { name: 'karras', type: 'boolean', help: 'Karras σ placement (solvers with use_karras_sigmas); needs --scheduler' },
    { name: 'time-shift-window', type: 'number', schema: timeShiftSchema.shape.window, value: '<n>', help: `time-shift sampling (Li et al. 2024): timesteps searched around each next one; needs --time-shift-cutoff and --scheduler ${TIME_SHIFT_SOLVER_IDS.join('|')}` },
    { name: 'time-shift-cutoff', type: 'number', schema: timeShiftSchema.shape.cutoff, value: '<t>', help: 'time-shift sampling: no shift once the next timestep is at or below t (e.g. 300)' },
    { name: 'method', type: 'choice', schema: shape.method, value: '<m>', help: "sample with an inversion method's own rule (record exact by construction); not with --scheduler" },
    { name: 'steps', type: 'number', schema: shape.steps, default: "the model's", help: 'sampling steps' },
    { name: 'seed', type: 'number', schema: shape.seed, help: 'seed of the starting latent' },
    { name: 'guidance', type: 'number', schema: shape.guidance, help: 'classifier-free guidance' },
    { name: 'negative', type: 'string', value: '<text>', schema: shape.negativePrompt, help: 'negative prompt' },
    { name: 'width', type: 'number', schema: shape.width, default: "the model's native size", help: 'image width (a multiple of the VAE factor)' },
    { name: 'height', type: 'number', schema: shape.height, default: "the model's native size", help: 'image height (a multiple of the VAE factor)' },
    jsonFlag('print one JSON object with the result'),
  ],
  examples: [
    'generate --model models/sd15 --prompt "a cat on a bench"',
    'generate -m models/sd15 -p "a cat on a bench" --scheduler unipc --steps 20 --out cat.png',
    'generate -m models/sd15 -p "a cat" --scheduler dpm-solver++ --karras --json',
    'generate -m models/sd15 -p "a cat" --scheduler ddim --steps 10 --time-shift-window 20 --time-shift-cutoff 300',
  ],
});
