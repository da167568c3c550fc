/** `reprise invert <image> --model <folder> …`: inverts an image into an inversion record. */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readImage } from '../io/image/index.js';
import { saveInversion } from '../inversion/record.js';
import { assertNotInput, checkOutputFile, fileStem, loadPipeline, MODEL_FLAGS, MODEL_FLAGS_HELP, modelFlags, onePositional, parseFlags } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT } from './errors.js';
import { ProgressBar } from './progress.js';
import { workingSizeLine } from '../editing/working-size.js';
import { INVERT_FLAGS, INVERT_FLAGS_HELP, invertOptionsFromFlags } from './source.js';

export const INVERT_HELP = `Usage: reprise invert <image> --model <folder> [--prompt P] [--method M] [--steps N] [--guidance W]
                     [--seed S] [--resize fit|crop|pad] [--size N | --native] [--no-residual] [--out FILE] [--json]

Inverts an image (PNG, JPEG, WebP, GIF, BMP, TIFF) into an inversion record: one .safetensors
file holding everything needed to regenerate it (bit-identical with the residual, the default)
or to edit it with \`reprise edit\`. The record only works with the model it was made with.

Options:
${MODEL_FLAGS_HELP}
${INVERT_FLAGS_HELP}
  --guidance <w>         guidance of the inversion (default 3.5 for ef-ddpm, else 1)
  -o, --out <file>       the record (default: <image name>.inv.safetensors in the current folder)
  --json                 print one JSON object with the result (progress stays on stderr)
  -h, --help             show this help

Examples:
  reprise invert cat.jpg --model models/sd15 --prompt "a cat on a bench"
  reprise invert cat.jpg -m models/sd15 -p "a cat" --method bdia --steps 30 --out cat-bdia.inv.safetensors --json`;

/** Runs `invert` with argv (without the command name); returns the exit code. */
export function invertCommand(argv: readonly string[]): Promise<number> {
  return runCommand('invert', argv, async () => {
    const { values, positionals } = parseFlags(argv, { ...MODEL_FLAGS, ...INVERT_FLAGS, guidance: { type: 'string' }, out: { type: 'string', short: 'o' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, INVERT_HELP);
    if (values.help) {
      process.stdout.write(`${INVERT_HELP}\n`);
      return EXIT.ok;
    }
    const input = onePositional(positionals, '<image>', INVERT_HELP);
    const options = invertOptionsFromFlags(values, values.guidance, 'guidance', INVERT_HELP);
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
