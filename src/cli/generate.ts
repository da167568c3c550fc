/** `reprise generate --prompt P --model <folder>`: text-to-image with any registered solver, plus its exact inversion record. */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeImage } from '../io/image/index.js';
import { saveInversion } from '../inversion/record.js';
import type { GenerateOptions } from '../editing/options.js';
import { assertNotInput, checkOutputFile, loadPipeline, modelFlags } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT, UsageError } from './errors.js';
import { GENERATE_TABLE } from './options/generate.js';
import { helpText } from './options/help.js';
import { parseCommand } from './options/parse.js';
import { ProgressBar } from './progress.js';
import { REPRISE_VERSION } from './version.js';
import { TIME_SHIFT_SOLVER_IDS } from '../solvers/index.js';

export { GENERATE_SCHEDULERS } from './options/generate.js';

/** The help text of `reprise generate` (from its table). */
export const GENERATE_HELP = helpText(GENERATE_TABLE);

/** Runs `generate` with argv (without the command name); returns the exit code. */
export function generateCommand(argv: readonly string[]): Promise<number> {
  return runCommand('generate', argv, async () => {
    const parsed = parseCommand(GENERATE_TABLE, argv);
    const { values, positionals } = parsed;
    if (parsed.help) {
      process.stdout.write(`${GENERATE_HELP}\n`);
      return EXIT.ok;
    }
    if (positionals.length > 0) throw new UsageError(`generate takes no positional arguments, got ${positionals.join(' ')}`, GENERATE_HELP);
    const prompt = values.prompt ?? '';
    if (prompt.trim() === '') throw new UsageError('--prompt is required (a non-empty prompt)', GENERATE_HELP);
    const { scheduler, steps, seed, guidance, width, height } = values;
    const method = values.method as GenerateOptions['method'];
    if (scheduler !== undefined && method !== undefined) throw new UsageError('pass --scheduler or --method, not both', GENERATE_HELP);
    if (values.karras === true && scheduler === undefined) throw new UsageError('--karras needs --scheduler (a solver with Karras σ, e.g. dpm-solver++, euler, heun, unipc)', GENERATE_HELP);
    const window = values['time-shift-window'];
    const cutoff = values['time-shift-cutoff'];
    if ((window === undefined) !== (cutoff === undefined)) throw new UsageError('--time-shift-window and --time-shift-cutoff go together (e.g. --time-shift-window 20 --time-shift-cutoff 300)', GENERATE_HELP);
    if (window !== undefined && scheduler === undefined) throw new UsageError(`--time-shift-window needs --scheduler (one of ${TIME_SHIFT_SOLVER_IDS.join(', ')})`, GENERATE_HELP);
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
      ...(window !== undefined && cutoff !== undefined ? { timeShift: { window, cutoff } } : {}),
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
