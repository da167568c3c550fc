/** `reprise maps <image|inv.safetensors> --model <folder>`: cross-attention heatmaps of the source prompt. */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sanitizeName } from '../editing/batch/paths.js';
import type { InvertOptions } from '../editing/options.js';
import { writeImage } from '../io/image/index.js';
import { assertNotInput, checkOutputFile, checkOutputFolder, ensureFolder, fileStem, isRecordPath, loadPipeline, modelFlags, onePositional } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT, UsageError } from './errors.js';
import { ProgressBar } from './progress.js';
import { flagsInGroup } from './options/define.js';
import { helpText } from './options/help.js';
import { INVERSION_GROUP } from './options/inversion.js';
import { MAPS_TABLE } from './options/maps.js';
import { parseCommand } from './options/parse.js';
import { givenFlags, invertOptionsFromFlags, readSourceInput, sourceInversion } from './source.js';
import { REPRISE_VERSION } from './version.js';

/** The help text of `reprise maps` (from its table). */
export const MAPS_HELP = helpText(MAPS_TABLE);

/** The flags that apply only when the input is an image (refused with a record). */
const IMAGE_ONLY = flagsInGroup(MAPS_TABLE, INVERSION_GROUP).map((f) => f.name);

/** Runs `maps` with argv (without the command name); returns the exit code. */
export function mapsCommand(argv: readonly string[]): Promise<number> {
  return runCommand('maps', argv, async () => {
    const parsed = parseCommand(MAPS_TABLE, argv);
    const { values, positionals } = parsed;
    if (parsed.help) {
      process.stdout.write(`${MAPS_HELP}\n`);
      return EXIT.ok;
    }
    const input = onePositional(positionals, '<image|inv.safetensors>', MAPS_HELP);
    // A record's inversion is done: its flags are refused below, naming the record.
    const invertOptions: InvertOptions = isRecordPath(input) ? {} : invertOptionsFromFlags(parsed, values.guidance);
    const { resolution } = values;
    const out = values.out ?? `${fileStem(input)}.maps.png`;
    if (path.extname(out).toLowerCase() !== '.png') throw new UsageError(`--out must be a .png file, got ${out}`, MAPS_HELP);
    assertNotInput(out, [input], MAPS_HELP);
    checkOutputFile(out);
    const model = modelFlags(values, MAPS_HELP);
    const t0 = performance.now();
    const source = await readSourceInput(input);
    if (source.kind === 'record') {
      const given = givenFlags(parsed.all, IMAGE_ONLY);
      if (given.length > 0) throw new UsageError(`${given.join(', ')} apply when inverting an image; ${input} is already an inversion record (prompt "${source.record.prompts.source}")`, MAPS_HELP);
    }
    const prompt = source.kind === 'record' ? source.record.prompts.source : (invertOptions.prompt ?? '');
    if (prompt.trim() === '') throw new UsageError(`the source prompt is empty, so there are no words to show; ${source.kind === 'record' ? 'invert the image again with --prompt "what the image shows"' : 'pass --prompt "what the image shows"'}`, MAPS_HELP);
    const tokensDir = values['tokens-dir'];
    if (tokensDir !== undefined) checkOutputFolder(tokensDir);
    const bar = new ProgressBar({ silent: values.json === true && process.stderr.isTTY !== true });
    bar.update('loading model', 0, 1);
    const pipe = await loadPipeline(model);
    const inversion = await sourceInversion(source, pipe, model.folder, invertOptions, bar);
    const maps = await pipe.attentionMaps(inversion, { onProgress: bar.pipeline('maps'), ...(resolution !== undefined ? { resolution } : {}) });
    await writeImage(out, maps.grid, { pngText: { prompt: inversion.prompts.source, method: inversion.method, reprise: REPRISE_VERSION, Software: `reprise ${REPRISE_VERSION}` } });
    if (tokensDir !== undefined) ensureFolder(tokensDir);
    const tokens: { index: number; token: string; output?: string }[] = [];
    for (const t of maps.tokens) {
      let file: string | undefined;
      if (tokensDir !== undefined) {
        file = path.join(tokensDir, `${String(t.index).padStart(2, '0')}-${sanitizeName(t.token, 'token')}.png`);
        await writeImage(file, t.overlay, { pngText: { token: t.token, prompt: inversion.prompts.source, reprise: REPRISE_VERSION } });
      }
      tokens.push({ index: t.index, token: t.token, ...(file !== undefined ? { output: path.resolve(file) } : {}) });
    }
    bar.done();
    if (values.json) {
      printJson({ ok: true, command: 'maps', input, inputKind: source.kind, prompt: inversion.prompts.source, output: path.resolve(out), size: [...maps.size], tokens, seconds: +((performance.now() - t0) / 1000).toFixed(3) });
    } else {
      process.stdout.write(`Wrote ${out} (${maps.tokens.length} token${maps.tokens.length === 1 ? '' : 's'}: ${maps.tokens.map((t) => t.token).join(' ')})${tokensDir !== undefined ? ` and the overlays in ${tokensDir}` : ''}.\n`);
    }
    return EXIT.ok;
  });
}
