/** `reprise edit <image|inv.safetensors> --model <folder> --target "prompt" …`: prompt-to-prompt edits. */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sanitizeName } from '../editing/batch/paths.js';
import { attentionGrid, pngMetadata } from '../editing/batch-pipeline.js';
import type { UserMask } from '../attention/local-blend.js';
import type { AttentionOptions, EditOptions, InvertOptions } from '../editing/options.js';
import { readImage, writeImage } from '../io/image/index.js';
import type { RasterImage } from '../io/image/types.js';
import { saveInversion } from '../inversion/record.js';
import { assertNotInput, checkOutputFile, checkOutputFolder, ensureFolder, fileStem, isRecordPath, loadPipeline, modelFlags, onePositional } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT, UsageError } from './errors.js';
import { flagsInGroup } from './options/define.js';
import { EDIT_TABLE } from './options/edit.js';
import { helpText } from './options/help.js';
import { INVERSION_GROUP } from './options/inversion.js';
import { parseCommand } from './options/parse.js';
import { ProgressBar } from './progress.js';
import { givenFlags, invertOptionsFromFlags, readSourceInput, sourceInversion } from './source.js';
import { REPRISE_VERSION } from './version.js';

/** The help text of `reprise edit` (from its table). */
export const EDIT_HELP = helpText(EDIT_TABLE);

/** The flags that apply only when the input is an image (refused with a record). */
const IMAGE_ONLY = [...flagsInGroup(EDIT_TABLE, INVERSION_GROUP).map((f) => f.name), 'save-inversion'];

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
    const parsed = parseCommand(EDIT_TABLE, argv);
    const { values, positionals } = parsed;
    if (parsed.help) {
      process.stdout.write(`${EDIT_HELP}\n`);
      return EXIT.ok;
    }
    const input = onePositional(positionals, '<image|inv.safetensors>', EDIT_HELP);
    const targets = values.target ?? [];
    if (targets.length === 0) throw new UsageError('missing --target "prompt" (the edited image\'s prompt; repeat for several)', EDIT_HELP);
    // A record's inversion is done: its flags are refused below, naming the record.
    const invertOptions: InvertOptions = isRecordPath(input) ? {} : invertOptionsFromFlags(parsed, values['source-guidance']);
    const { guidance, scheduler } = values;
    if (values.karras === true && scheduler === undefined) throw new UsageError('--karras needs --scheduler (e.g. dpm-solver++, unipc)', EDIT_HELP);
    const maskMode = values['mask-mode'] as UserMask['mode'] | undefined;
    const editMode = values.edit as AttentionOptions['edit'];
    const crossReplace = values['cross-replace'];
    const selfReplace = values['self-replace'];
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
      const given = givenFlags(parsed.all, IMAGE_ONLY);
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
