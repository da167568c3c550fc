/** `reprise generate --prompt P --model <folder>`: text-to-image with any registered solver, plus its exact inversion record. */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeImage } from '../io/image/index.js';
import { saveInversion } from '../inversion/record.js';
import { SOLVER_IDS } from '../solvers/index.js';
import { assertNotInput, checkOutputFile, choiceFlag, intFlag, loadPipeline, MODEL_FLAGS, MODEL_FLAGS_HELP, modelFlags, numberFlag, parseFlags } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT, UsageError } from './errors.js';
import { ProgressBar } from './progress.js';
import { REPRISE_VERSION } from './version.js';

/** The `--scheduler` choices: every registered solver that samples (noise → image). */
export const GENERATE_SCHEDULERS: readonly string[] = SOLVER_IDS.filter((id) => id !== 'ddim-inverse');
const METHODS = ['ddim', 'ef-ddpm', 'bdia', 'edict'] as const;

export const GENERATE_HELP = `Usage: reprise generate --prompt P --model <folder> [--out image.png] [--record rec.inv.safetensors]
                       [--scheduler ${GENERATE_SCHEDULERS.join('|')}] [--karras]
                       [--method ${METHODS.join('|')}] [--steps N] [--seed S] [--guidance W]
                       [--negative P] [--width W] [--height H] [--json]

Generates an image from a prompt and writes it with its inversion record, which is exact
(\`reprise edit\` and \`reprise reconstruct\` take it like an inverted photo). By default it samples
with the folder's own scheduler (scheduler/scheduler_config.json: PNDM for Stable Diffusion 1.5),
exactly as diffusers does; a DDIM folder samples with the DDIM method, whose record is exact by
construction. With another solver the record comes from EF-DDPM inversion of the result.

Options:
${MODEL_FLAGS_HELP}
  -p, --prompt <text>    the prompt (required)
  -o, --out <file>       the image PNG (default: generated.png)
  --record <file>        the inversion record (default: <out name>.inv.safetensors)
  --scheduler <name>     sample with this solver instead of the folder's (see docs/solvers.md)
  --karras               Karras σ placement (solvers with use_karras_sigmas)
  --method <m>           sample with an inversion method's own rule (record exact by construction)
  --steps <n>            sampling steps (default: the model's)
  --seed <n>             seed of the starting latent (default 0)
  --guidance <w>         classifier-free guidance (default 7.5)
  --negative <text>      negative prompt
  --width, --height <n>  image size (default: the model's native size)
  --json                 print one JSON object with the result
  -h, --help             show this help

Examples:
  reprise generate --model models/sd15 --prompt "a cat on a bench"
  reprise generate -m models/sd15 -p "a cat on a bench" --scheduler unipc --steps 20 --out cat.png
  reprise generate -m models/sd15 -p "a cat" --scheduler dpm-solver++ --karras --json`;

/** Runs `generate` with argv (without the command name); returns the exit code. */
export function generateCommand(argv: readonly string[]): Promise<number> {
  return runCommand('generate', argv, async () => {
    const { values, positionals } = parseFlags(
      argv,
      {
        ...MODEL_FLAGS,
        prompt: { type: 'string', short: 'p' },
        out: { type: 'string', short: 'o' },
        record: { type: 'string' },
        scheduler: { type: 'string' },
        karras: { type: 'boolean' },
        method: { type: 'string' },
        steps: { type: 'string' },
        seed: { type: 'string' },
        guidance: { type: 'string' },
        negative: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      GENERATE_HELP,
    );
    if (values.help) {
      process.stdout.write(`${GENERATE_HELP}\n`);
      return EXIT.ok;
    }
    if (positionals.length > 0) throw new UsageError(`generate takes no positional arguments, got ${positionals.join(' ')}`, GENERATE_HELP);
    const prompt = values.prompt;
    if (prompt === undefined || prompt.trim() === '') throw new UsageError('--prompt is required', GENERATE_HELP);
    const scheduler = choiceFlag(values.scheduler, 'scheduler', GENERATE_SCHEDULERS, GENERATE_HELP);
    const method = choiceFlag(values.method, 'method', METHODS, GENERATE_HELP);
    if (scheduler !== undefined && method !== undefined) throw new UsageError('pass --scheduler or --method, not both', GENERATE_HELP);
    if (values.karras === true && scheduler === undefined) throw new UsageError('--karras needs --scheduler (a solver with Karras σ, e.g. dpm-solver++, euler, heun, unipc)', GENERATE_HELP);
    const steps = intFlag(values.steps, 'steps', 1, 1000, GENERATE_HELP);
    const seed = intFlag(values.seed, 'seed', 0, 2 ** 32 - 1, GENERATE_HELP);
    const guidance = numberFlag(values.guidance, 'guidance', 0, 50, GENERATE_HELP);
    const width = intFlag(values.width, 'width', 8, 4096, GENERATE_HELP);
    const height = intFlag(values.height, 'height', 8, 4096, GENERATE_HELP);
    const out = values.out ?? 'generated.png';
    if (path.extname(out).toLowerCase() !== '.png') throw new UsageError(`--out must be a .png file, got ${out}`, GENERATE_HELP);
    const record = values.record ?? `${out.slice(0, -4)}.inv.safetensors`;
    assertNotInput(record, [out], GENERATE_HELP);
    checkOutputFile(out);
    checkOutputFile(record);
    const model = modelFlags(values, GENERATE_HELP);
    const t0 = performance.now();
    const bar = new ProgressBar({ silent: values.json === true && process.stderr.isTTY !== true });
    bar.update('loading model', 0, 1);
    const pipe = await loadPipeline(model);
    const result = await pipe.generate(prompt, {
      ...(scheduler !== undefined ? { scheduler } : {}),
      ...(values.karras === true ? { karras: true } : {}),
      ...(method !== undefined ? { method } : {}),
      ...(steps !== undefined ? { steps } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(guidance !== undefined ? { guidance } : {}),
      ...(values.negative !== undefined ? { negativePrompt: values.negative } : {}),
      ...(width !== undefined ? { width } : {}),
      ...(height !== undefined ? { height } : {}),
      onProgress: bar.pipeline('generate'),
    });
    await writeImage(out, result.image, { pngText: { prompt, solver: result.solver, reprise: REPRISE_VERSION, Software: `reprise ${REPRISE_VERSION}` } });
    saveInversion(record, result.inversion);
    bar.done();
    const seconds = (performance.now() - t0) / 1000;
    if (values.json === true) printJson({ output: out, record, solver: result.solver, steps: result.inversion.schedule.steps, seconds });
    else process.stdout.write(`${out} (${result.solver}, ${result.inversion.schedule.steps} steps) and ${record} in ${seconds.toFixed(1)} s\n`);
    return EXIT.ok;
  });
}
