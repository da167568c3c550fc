/** `reprise maps <image|inv.safetensors> --model <folder>`: cross-attention heatmaps of the source prompt. */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sanitizeName } from '../editing/batch/paths.js';
import { writeImage } from '../io/image/index.js';
import { assertNotInput, checkOutputFile, checkOutputFolder, ensureFolder, fileStem, intFlag, loadPipeline, MODEL_FLAGS, MODEL_FLAGS_HELP, modelFlags, onePositional, parseFlags } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT, UsageError } from './errors.js';
import { ProgressBar } from './progress.js';
import { givenFlags, INVERT_FLAGS, INVERT_FLAGS_HELP, invertOptionsFromFlags, readSourceInput, sourceInversion } from './source.js';
import { REPRISE_VERSION } from './version.js';

export const MAPS_HELP = `Usage: reprise maps <image|inv.safetensors> --model <folder> [--prompt P] [--out grid.png]
                   [--tokens-dir DIR] [--resolution N] [--json]

Shows where each word of the source prompt attends: regenerates the image from its inversion
(an image is inverted first with the inversion flags; a record from \`reprise invert\` is used as
is) while recording the cross-attention maps, and writes a labelled grid of the image and one
heatmap per prompt token. With --tokens-dir, also one overlay per token:
<DIR>/<position>-<token>.png.

Options:
${MODEL_FLAGS_HELP}
  -o, --out <file>       the grid PNG (default: <input name>.maps.png in the current folder)
  --tokens-dir <dir>     also write each token's overlay into this folder (created if missing)
  --resolution <n>       attention map side kept (default 16, or the nearest available)
  --json                 print one JSON object with the result (progress stays on stderr)
  -h, --help             show this help

Inversion (only when the input is an image, not a record):
${INVERT_FLAGS_HELP}
  --guidance <w>         guidance of the inversion (default 3.5 for ef-ddpm, else 1)

Examples:
  reprise maps cat.jpg --model models/sd15 --prompt "a cat on a bench"
  reprise maps cat.inv.safetensors -m models/sd15 --out cat-maps.png --tokens-dir cat-tokens --json`;

/** Runs `maps` with argv (without the command name); returns the exit code. */
export function mapsCommand(argv: readonly string[]): Promise<number> {
  return runCommand('maps', argv, async () => {
    const { values, positionals } = parseFlags(
      argv,
      { ...MODEL_FLAGS, ...INVERT_FLAGS, guidance: { type: 'string' }, out: { type: 'string', short: 'o' }, 'tokens-dir': { type: 'string' }, resolution: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      MAPS_HELP,
    );
    if (values.help) {
      process.stdout.write(`${MAPS_HELP}\n`);
      return EXIT.ok;
    }
    const input = onePositional(positionals, '<image|inv.safetensors>', MAPS_HELP);
    const invertOptions = invertOptionsFromFlags(values, values.guidance, 'guidance', MAPS_HELP);
    const resolution = intFlag(values.resolution, 'resolution', 1, 1024, MAPS_HELP);
    const out = values.out ?? `${fileStem(input)}.maps.png`;
    if (path.extname(out).toLowerCase() !== '.png') throw new UsageError(`--out must be a .png file, got ${out}`, MAPS_HELP);
    assertNotInput(out, [input], MAPS_HELP);
    checkOutputFile(out);
    const model = modelFlags(values, MAPS_HELP);
    const t0 = performance.now();
    const source = await readSourceInput(input);
    if (source.kind === 'record') {
      const given = givenFlags(values, [...Object.keys(INVERT_FLAGS), 'guidance']);
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
