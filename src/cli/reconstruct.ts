/** `reprise reconstruct <inv.safetensors> --model <folder>`: regenerates the image of a record. */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pngMetadata } from '../editing/batch-pipeline.js';
import { decodeToImage } from '../editing/pixels.js';
import { checkReconstruction } from '../editing/record-check.js';
import { writeImage } from '../io/image/index.js';
import { loadInversion } from '../inversion/record.js';
import { assertNotInput, checkOutputFile, fileStem, loadPipeline, MODEL_FLAGS, MODEL_FLAGS_HELP, modelFlags, onePositional, parseFlags } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT } from './errors.js';
import { ProgressBar } from './progress.js';
import { checkRecordModel } from './source.js';
import { REPRISE_VERSION } from './version.js';

export const RECONSTRUCT_HELP = `Usage: reprise reconstruct <inv.safetensors> --model <folder> [--out FILE] [--json]

Regenerates the image of an inversion record (from \`reprise invert\`). With the residual (the
default of \`reprise invert\`) the pixels are bit-identical to the inverted image: they are checked
against the record's checksum of the inverted image, and a mismatch is an error (exit 1; the
image is still written). PNG output carries text metadata: prompt, method, steps, seed, reprise version.

Options:
${MODEL_FLAGS_HELP}
  -o, --out <file>       the image, .png (lossless), .jpg or .webp
                         (default: <record name>.reconstruction.png in the current folder)
  --json                 print one JSON object with the result (progress stays on stderr)
  -h, --help             show this help

Examples:
  reprise reconstruct cat.inv.safetensors --model models/sd15
  reprise reconstruct cat.inv.safetensors -m models/sd15 --out same-cat.png --json`;

/** Runs `reconstruct` with argv (without the command name); returns the exit code. */
export function reconstructCommand(argv: readonly string[]): Promise<number> {
  return runCommand('reconstruct', argv, async () => {
    const { values, positionals } = parseFlags(argv, { ...MODEL_FLAGS, out: { type: 'string', short: 'o' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, RECONSTRUCT_HELP);
    if (values.help) {
      process.stdout.write(`${RECONSTRUCT_HELP}\n`);
      return EXIT.ok;
    }
    const input = onePositional(positionals, '<inv.safetensors>', RECONSTRUCT_HELP);
    const out = values.out ?? `${fileStem(input)}.reconstruction.png`;
    assertNotInput(out, [input], RECONSTRUCT_HELP);
    checkOutputFile(out);
    const model = modelFlags(values, RECONSTRUCT_HELP);
    const t0 = performance.now();
    const record = loadInversion(input);
    const bar = new ProgressBar({ silent: values.json === true && process.stderr.isTTY !== true });
    bar.update('loading model', 0, 1);
    const pipe = await loadPipeline(model);
    checkRecordModel(record, pipe, input, model.folder);
    const reconstructed = await pipe.reconstruct(record, { onProgress: bar.pipeline() });
    const { image } = reconstructed;
    const check = checkReconstruction(record, reconstructed, record.pixels ? await decodeToImage(pipe.model, record.z0, record.latentShape, record.pixels) : undefined);
    const failed = check.reason === 'checksum-mismatch';
    const png = path.extname(out).toLowerCase() === '.png';
    const written = await writeImage(out, image, png ? { pngText: pngMetadata(record, REPRISE_VERSION) } : {});
    bar.done();
    const result = {
      ok: !failed,
      command: 'reconstruct',
      input,
      output: path.resolve(written.path),
      format: written.format,
      width: image.width,
      height: image.height,
      method: record.method,
      steps: record.schedule.steps,
      prompt: record.prompts.source,
      residual: record.pixels !== undefined,
      lossless: png && check.exact,
      exact: check.exact,
      ...(check.reason !== undefined ? { inexact: check.reason } : {}),
      latentSamplesEqual: check.latentSamplesEqual,
      latentSamples: check.latentSamples,
      ...(check.pixelSamplesEqual !== undefined ? { pixelSamplesEqual: check.pixelSamplesEqual } : {}),
      pixelSamples: check.pixelSamples,
      seconds: +((performance.now() - t0) / 1000).toFixed(3),
    };
    if (values.json) printJson(result);
    if (failed) {
      process.stderr.write(`reprise reconstruct: NOT exact — the reconstructed pixels do not match the checksum of the inverted image stored in ${input} (${check.pixelSamplesEqual ?? '?'} of ${check.pixelSamples} samples equal); wrote ${out} anyway.\n` +
        '  hint: reconstruct with the model, device and precision the record was made with (`reprise invert` on this machine makes an exact one).\n');
      return EXIT.failed;
    }
    if (!values.json) process.stdout.write(`Wrote ${out} (${image.width}×${image.height}, ${result.residual ? 'with the pixel residual: the inverted image\'s pixels' : 'no pixel residual in the record: the model\'s rendering'}${result.residual && !png ? `; ${written.format} is lossy` : ''}).\n`);
    return EXIT.ok;
  });
}
