/** `reprise reconstruct <inv.safetensors> --model <folder>`: regenerates the image of a record. */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pngMetadata } from '../editing/batch-pipeline.js';
import { decodeToImage } from '../editing/pixels.js';
import { checkReconstruction } from '../editing/record-check.js';
import { writeImage } from '../io/image/index.js';
import { loadInversion } from '../inversion/record.js';
import { assertNotInput, checkOutputFile, fileStem, loadPipeline, modelFlags, onePositional } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT } from './errors.js';
import { helpText } from './options/help.js';
import { parseCommand } from './options/parse.js';
import { RECONSTRUCT_TABLE } from './options/reconstruct.js';
import { ProgressBar } from './progress.js';
import { checkRecordModel } from './source.js';
import { REPRISE_VERSION } from './version.js';

/** The help text of `reprise reconstruct` (from its table). */
export const RECONSTRUCT_HELP = helpText(RECONSTRUCT_TABLE);

/** Runs `reconstruct` with argv (without the command name); returns the exit code. */
export function reconstructCommand(argv: readonly string[]): Promise<number> {
  return runCommand('reconstruct', argv, async () => {
    const parsed = parseCommand(RECONSTRUCT_TABLE, argv);
    const { values, positionals } = parsed;
    if (parsed.help) {
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
