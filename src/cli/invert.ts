/** `reprise invert <image> --model <folder> …`: inverts an image into an inversion record. */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readImage } from '../io/image/index.js';
import { saveInversion } from '../inversion/record.js';
import { assertNotInput, checkOutputFile, fileStem, loadPipeline, modelFlags, onePositional } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT } from './errors.js';
import { ProgressBar } from './progress.js';
import { workingSizeLine } from '../editing/working-size.js';
import { helpText } from './options/help.js';
import { INVERT_TABLE } from './options/invert.js';
import { parseCommand } from './options/parse.js';
import { invertOptionsFromFlags } from './source.js';

/** The help text of `reprise invert` (from its table). */
export const INVERT_HELP = helpText(INVERT_TABLE);

/** Runs `invert` with argv (without the command name); returns the exit code. */
export function invertCommand(argv: readonly string[]): Promise<number> {
  return runCommand('invert', argv, async () => {
    const parsed = parseCommand(INVERT_TABLE, argv);
    const { values, positionals } = parsed;
    if (parsed.help) {
      process.stdout.write(`${INVERT_HELP}\n`);
      return EXIT.ok;
    }
    const input = onePositional(positionals, '<image>', INVERT_HELP);
    const options = invertOptionsFromFlags(parsed, values.guidance);
    const out = values.out ?? `${fileStem(input)}.inv.safetensors`;
    assertNotInput(out, [input], INVERT_HELP);
    checkOutputFile(out);
    const model = modelFlags(values, INVERT_HELP);
    const t0 = performance.now();
    const image = await readImage(input);
    const bar = new ProgressBar({ silent: values.json === true && process.stderr.isTTY !== true });
    bar.update('loading model', 0, 1);
    const pipe = await loadPipeline(model);
    const record = await pipe.invert(image, { ...options, onProgress: bar.pipeline() });
    saveInversion(out, record);
    bar.done();
    const working = workingSizeLine(image, record.latentShape, pipe.model.vaeScaleFactor);
    const result = {
      ok: true,
      command: 'invert',
      input,
      output: path.resolve(out),
      model: model.folder,
      modelId: record.modelId,
      method: record.method,
      steps: record.schedule.steps,
      prompt: record.prompts.source,
      guidance: record.conditioning.guidance,
      ...('seed' in record.options ? { seed: record.options.seed } : {}),
      width: image.width,
      height: image.height,
      latentShape: [...record.latentShape],
      workingSize: [record.latentShape[2] * pipe.model.vaeScaleFactor, record.latentShape[1] * pipe.model.vaeScaleFactor],
      residual: record.pixels !== undefined,
      seconds: +((performance.now() - t0) / 1000).toFixed(3),
    };
    if (values.json) printJson(result);
    else process.stdout.write(`Wrote ${out} (${record.method}, ${record.schedule.steps} steps, ${image.width}×${image.height}${result.residual ? ', with the pixel residual' : ', no pixel residual'}).\n${working}\n`);
    return EXIT.ok;
  });
}
