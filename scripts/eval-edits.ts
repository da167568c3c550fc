/**
 * Edit-quality benchmark on rendered scenes with known answers: every inversion method × colour
 * swap, shape swap, background change and reweight, measured against the expected render
 * (docs/edit-quality.md; the logic lives in tools/eval/edits/).
 *
 *   npm run eval:edits -- [--scenes 4] [--seed 1000000] [--steps K] [--model DIR] [--json]
 *       [--markdown FILE] [--pictures DIR] … (--help lists every flag)
 *
 * Prints Markdown tables (or, with --json, one JSON object) on stdout; progress goes to stderr.
 * Exit status: 0 done, 1 an inversion or edit failed, 2 usage or input error, 3 internal error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Pipeline } from '../src/editing/pipeline.js';
import { exitCodeFor } from '../src/cli/errors.js';
import { RepriseError } from '../src/errors.js';
import { EDIT_EVAL_USAGE, EditEvalUsageError, parseEditEvalArgs } from '../tools/eval/edits/args.js';
import { hasErrors, reportJson, reportMarkdown } from '../tools/eval/edits/report.js';
import { runEditEval } from '../tools/eval/edits/run.js';
import { bundledModelDir } from '../src/models/bundled-model.js';

async function main(): Promise<number> {
  const args = parseEditEvalArgs(process.argv.slice(2));
  if (args.help) {
    console.log(EDIT_EVAL_USAGE);
    return 0;
  }
  const log = args.quiet ? undefined : (line: string) => console.error(line);
  const folder = args.model ?? bundledModelDir();
  const t0 = performance.now();
  const pipe = await Pipeline.load(folder, { device: args.device, dtype: args.dtype });
  log?.(`model ${folder}${args.model === undefined ? ' (embedded default model)' : ''} loaded in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  const report = await runEditEval(pipe, {
    scenes: args.scenes,
    seed: args.seed,
    ...(args.steps !== undefined ? { steps: args.steps } : {}),
    size: args.size,
    ...(args.modelSize !== undefined ? { modelSize: args.modelSize } : {}),
    methods: args.methods,
    kinds: args.kinds,
    blend: args.blend,
    reweight: args.reweight,
    ...(args.guidance !== undefined ? { guidance: args.guidance } : {}),
    margin: args.margin,
    ...(args.pictures !== undefined ? { pictures: { dir: args.pictures, scenes: args.pictureScenes } } : {}),
    ...(log ? { log } : {}),
    modelLabel: args.model ?? `${folder} (embedded default model)`,
  });
  const markdown = reportMarkdown(report);
  if (args.markdown !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(args.markdown)), { recursive: true });
    fs.writeFileSync(args.markdown, markdown);
    log?.(`wrote ${args.markdown}`);
  }
  console.log(args.json ? reportJson(report) : markdown);
  return hasErrors(report) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof EditEvalUsageError) {
      console.error(`eval:edits: ${e.message}\n\n${EDIT_EVAL_USAGE}`);
      process.exit(2);
    }
    const code = exitCodeFor(e);
    console.error(`eval:edits: ${code === 3 && e instanceof Error && !(e instanceof RepriseError) ? (e.stack ?? e.message) : e instanceof Error ? e.message : String(e)}`);
    process.exit(code);
  },
);
