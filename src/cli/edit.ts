/** `reprise edit <image|inv.safetensors> --model <folder> --target "prompt" …`: prompt-to-prompt edits. */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sanitizeName } from '../editing/batch/paths.js';
import { attentionGrid, pngMetadata } from '../editing/batch-pipeline.js';
import type { AttentionOptions, EditOptions } from '../editing/options.js';
import { readImage, writeImage } from '../io/image/index.js';
import type { RasterImage } from '../io/image/types.js';
import { saveInversion } from '../inversion/record.js';
import { assertNotInput, checkOutputFile, checkOutputFolder, choiceFlag, ensureFolder, fileStem, loadPipeline, MODEL_FLAGS, MODEL_FLAGS_HELP, modelFlags, numberFlag, onePositional, parseFlags } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT, UsageError } from './errors.js';
import { GENERATE_SCHEDULERS } from './generate.js';
import { ProgressBar } from './progress.js';
import { givenFlags, INVERT_FLAGS, INVERT_FLAGS_HELP, invertOptionsFromFlags, readSourceInput, sourceInversion } from './source.js';
import { REPRISE_VERSION } from './version.js';

export const EDIT_HELP = `Usage: reprise edit <image|inv.safetensors> --model <folder> --target "prompt" [--target "prompt 2" …]
                   [--prompt "source prompt"] [--method M] [--steps N] [--guidance W]
                   [--cross-replace F] [--self-replace F] [--edit auto|replace|refine]
                   [--reweight word=W …] [--blend word …] [--mask mask.png] [--out-dir DIR] [--maps] [--json]

Edits an image toward one or several target prompts in one pass (prompt-to-prompt attention
control on an exact inversion). The input is an image (inverted first, with the inversion flags)
or an inversion record from \`reprise invert\` (its prompt, method and steps are fixed).
Writes one PNG per target into --out-dir: <input name>.<k>.png (k = 1, 2, … in --target order),
or <input name>.<target prompt>.png with --name-by-target. PNG text metadata: prompt, source
prompt, method, steps, seed, guidance, reprise version.

Options:
${MODEL_FLAGS_HELP}
  -t, --target <prompt>  a target prompt (repeat for several; required)
  --guidance <w>         target guidance (default 9 for ef-ddpm, 2 for ddcm, else 7.5)
  --scheduler <name>     ddim/negative-prompt records: the solver of the target branches (${GENERATE_SCHEDULERS.join('|')});
                         the source keeps DDIM; other methods keep their own rule and refuse it
  --karras               Karras σ placement for --scheduler
  --cross-replace <f>    fraction of the steps whose cross-attention is replaced (default 0.8)
  --self-replace <f>     fraction of the steps whose self-attention is replaced (default 0.4)
  --edit <mode>          auto | replace (same word count) | refine (words added/removed) (default auto)
  --reweight <w=x>       scale the attention of word w by x, e.g. --reweight fluffy=2 (repeatable)
  --blend <word>         local blend: only the region of these words (source or target) changes (repeatable)
  --mask <image>         a mask (input size, white = edit) restricting the local blend; needs --blend
  --mask-mode <m>        replace | union | intersect with the attention mask (default replace)
  --out-dir <dir>        output folder (default: the current folder; created if missing)
  --name-by-target       name outputs after the target prompts instead of 1, 2, …
  --maps                 also write each target's cross-attention maps: <output name>.maps.png
  --save-inversion <f>   when inverting an image, also save the record (to edit again without inverting)
  --json                 print one JSON object with the result (progress stays on stderr)
  -h, --help             show this help

Inversion (only when <image> is an image, not a record):
${INVERT_FLAGS_HELP}
  --source-guidance <w>  guidance of the inversion (default 3.5 for ef-ddpm, else 1)

Examples:
  reprise edit cat.jpg -m models/sd15 -p "a cat on a bench" -t "a dog on a bench" -t "a fox on a bench"
  reprise edit cat.inv.safetensors -m models/sd15 -t "a cat on a red bench" --blend bench --maps --out-dir edits
  reprise edit cat.jpg -m models/sd15 -p "a cat" -t "a fluffy cat" --edit refine --reweight fluffy=2 --json`;

const EDIT_FLAGS = {
  ...MODEL_FLAGS,
  ...INVERT_FLAGS,
  target: { type: 'string', short: 't', multiple: true },
  guidance: { type: 'string' },
  scheduler: { type: 'string' },
  karras: { type: 'boolean' },
  'source-guidance': { type: 'string' },
  'cross-replace': { type: 'string' },
  'self-replace': { type: 'string' },
  edit: { type: 'string' },
  reweight: { type: 'string', multiple: true },
  blend: { type: 'string', multiple: true },
  mask: { type: 'string' },
  'mask-mode': { type: 'string' },
  'out-dir': { type: 'string' },
  'name-by-target': { type: 'boolean' },
  maps: { type: 'boolean' },
  'save-inversion': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `word=1.5` flags → { word: 1.5 }. */
function parseReweight(list: readonly string[] | undefined): Record<string, number> | undefined {
  if (list === undefined || list.length === 0) return undefined;
  const out: Record<string, number> = {};
  for (const item of list) {
    const m = /^(.+)=([^=]+)$/.exec(item);
    const w = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(w) || (m[1] as string).trim() === '') throw new UsageError(`--reweight takes word=weight (e.g. fluffy=2), got "${item}"`, EDIT_HELP);
    out[(m[1] as string).trim()] = w;
  }
  return out;
}

/** Output names for the targets: `<stem>.<k>` or `<stem>.<sanitized target>` (made unique). */
export function targetNames(stem: string, targets: readonly string[], byTarget: boolean): string[] {
  const used = new Set<string>();
  return targets.map((t, k) => {
    const base = byTarget ? `${stem}.${sanitizeName(t, `target-${k + 1}`)}` : `${stem}.${k + 1}`;
    let name = base;
    for (let i = 2; used.has(name.toLowerCase()); i++) name = `${base}-${i}`;
    used.add(name.toLowerCase());
    return name;
  });
}

/** Runs `edit` with argv (without the command name); returns the exit code. */
export function editCommand(argv: readonly string[]): Promise<number> {
  return runCommand('edit', argv, async () => {
    const { values, positionals } = parseFlags(argv, EDIT_FLAGS, EDIT_HELP);
    if (values.help) {
      process.stdout.write(`${EDIT_HELP}\n`);
      return EXIT.ok;
    }
    const input = onePositional(positionals, '<image|inv.safetensors>', EDIT_HELP);
    const targets = values.target ?? [];
    if (targets.length === 0) throw new UsageError('missing --target "prompt" (the edited image\'s prompt; repeat for several)', EDIT_HELP);
    const invertOptions = invertOptionsFromFlags(values, values['source-guidance'], 'source-guidance', EDIT_HELP);
    const crossReplace = numberFlag(values['cross-replace'], 'cross-replace', 0, 1, EDIT_HELP);
    const selfReplace = numberFlag(values['self-replace'], 'self-replace', 0, 1, EDIT_HELP);
    const editMode = choiceFlag(values.edit, 'edit', ['auto', 'replace', 'refine'], EDIT_HELP);
    const guidance = numberFlag(values.guidance, 'guidance', 0, 50, EDIT_HELP);
    const scheduler = choiceFlag(values.scheduler, 'scheduler', GENERATE_SCHEDULERS, EDIT_HELP);
    if (values.karras === true && scheduler === undefined) throw new UsageError('--karras needs --scheduler (e.g. dpm-solver++, unipc)', EDIT_HELP);
    const maskMode = choiceFlag(values['mask-mode'], 'mask-mode', ['replace', 'union', 'intersect'], EDIT_HELP);
    const reweight = parseReweight(values.reweight);
    const blend = values.blend ?? [];
    if (values.mask !== undefined && blend.length === 0) throw new UsageError('--mask needs --blend <word> (the words whose region the mask restricts)', EDIT_HELP);
    const attention: AttentionOptions = {
      ...(editMode !== undefined ? { edit: editMode } : {}),
      ...(crossReplace !== undefined ? { crossReplace } : {}),
      ...(selfReplace !== undefined ? { selfReplace } : {}),
      ...(reweight !== undefined ? { reweight } : {}),
      ...(blend.length > 0 ? { localBlend: blend } : {}),
    };
    const outDir = values['out-dir'] ?? '.';
    const names = targetNames(fileStem(input), targets, values['name-by-target'] === true);
    const outputs = names.map((n) => path.join(outDir, `${n}.png`));
    const inputs = [input, ...(values.mask !== undefined ? [values.mask] : [])];
    for (const o of outputs) assertNotInput(o, inputs, EDIT_HELP);
    const model = modelFlags(values, EDIT_HELP);
    const t0 = performance.now();
    const source = await readSourceInput(input);
    if (source.kind === 'record') {
      const given = givenFlags(values, [...Object.keys(INVERT_FLAGS), 'source-guidance', 'save-inversion']);
      if (given.length > 0) throw new UsageError(`${given.join(', ')} apply when inverting an image; ${input} is already an inversion record (source prompt "${source.record.prompts.source}", ${source.record.method}, ${source.record.schedule.steps} steps)`, EDIT_HELP);
    }
    if (values['save-inversion'] !== undefined) {
      assertNotInput(values['save-inversion'], inputs, EDIT_HELP);
      checkOutputFile(values['save-inversion']);
    }
    const mask: RasterImage | undefined = values.mask !== undefined ? await readImage(values.mask) : undefined;
    checkOutputFolder(outDir);
    const bar = new ProgressBar({ silent: values.json === true && process.stderr.isTTY !== true });
    bar.update('loading model', 0, 1);
    const pipe = await loadPipeline(model);
    const inversion = await sourceInversion(source, pipe, model.folder, invertOptions, bar);
    if (values['save-inversion'] !== undefined) saveInversion(values['save-inversion'], inversion);
    const options: EditOptions = { prompt: targets, attention, ...(guidance !== undefined ? { guidance } : {}), ...(scheduler !== undefined ? { scheduler } : {}), ...(values.karras === true ? { karras: true } : {}) };
    const r = await pipe.edit(inversion, { ...options, ...(mask ? { mask: { image: mask, ...(maskMode ? { mode: maskMode } : {}) } } : {}), onProgress: bar.pipeline() });
    ensureFolder(outDir);
    const results: { target: string; output: string; maps?: string }[] = [];
    for (const [k, target] of targets.entries()) {
      const image = r.images[k] as RasterImage;
      const file = outputs[k] as string;
      await writeImage(file, image, { pngText: pngMetadata(inversion, REPRISE_VERSION, { prompt: target, ...(guidance !== undefined ? { guidance } : {}) }) });
      let maps: string | undefined;
      if (values.maps && r.attention) {
        maps = path.join(outDir, `${names[k]}.maps.png`);
        await writeImage(maps, await attentionGrid(pipe, target, r.attention.maps[k + 1] as Float32Array, r.attention.size, image));
      }
      results.push({ target, output: path.resolve(file), ...(maps !== undefined ? { maps: path.resolve(maps) } : {}) });
    }
    bar.done();
    if (values.json) {
      printJson({
        ok: true,
        command: 'edit',
        input,
        inputKind: source.kind,
        sourcePrompt: inversion.prompts.source,
        method: inversion.method,
        solver: r.solver,
        steps: inversion.schedule.steps,
        ...(values['save-inversion'] !== undefined ? { record: path.resolve(values['save-inversion']) } : {}),
        outputs: results,
        seconds: +((performance.now() - t0) / 1000).toFixed(3),
      });
    } else {
      for (const r of results) process.stdout.write(`Wrote ${path.relative('.', r.output) || r.output}  "${r.target}"${r.maps ? `  (maps: ${path.relative('.', r.maps)})` : ''}\n`);
    }
    return EXIT.ok;
  });
}
