/**
 * Sample quality of a text-to-image model trained on rendered scenes: for N random scenes, one
 * image per caption (with sizes and positions, and colours + shapes only), each judged against
 * the rendered scene — background colour, and per object colour, place (3 × 3 cell) and shape —
 * with mask IoU, PSNR and seconds per image. Criteria: docs/sample-quality.md.
 *
 *   npm run eval:samples -- [--n 100] [--seed 1000000] [--steps 30] [--guidance 6] [--size 64]
 *       [--model DIR] [--json] [--markdown FILE] [--pictures DIR]
 *
 * `--model` defaults to the embedded default model (bundledModelDir()). `--json` prints one
 * JSON object (summaries and every image's verdict); otherwise a Markdown table, which
 * `--markdown FILE` also writes to a file. `--pictures DIR` writes samples.png (the first scenes'
 * ground truth above their generations) and samples.md (their captions and verdicts).
 * Exit status: 0 when the run finished (whatever the scores), 2 for bad flags or an unusable
 * model folder (with a message naming the flag), 3 when something else failed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Pipeline } from '../src/editing/pipeline.js';
import { RepriseError } from '../src/errors.js';
import { markdownReport, buildReport } from '../tools/eval/samples/report.js';
import { parseSampleEvalOptions } from '../tools/eval/samples/options.js';
import { writeSamplePictures } from '../tools/eval/samples/pictures.js';
import { pipelineGenerator, runSampleEval } from '../tools/eval/samples/run.js';
import { bundledModelDir } from '../src/models/bundled-model.js';

const USAGE =
  'usage: npm run eval:samples -- [--n N] [--seed S] [--steps K] [--guidance G] [--size PX] [--model DIR] [--json] [--markdown FILE] [--pictures DIR]';

class UsageError extends Error {}

function flags(): ReturnType<typeof parse> {
  try {
    return parse();
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

function parse() {
  return parseArgs({
    options: {
      n: { type: 'string' },
      seed: { type: 'string' },
      steps: { type: 'string' },
      guidance: { type: 'string' },
      size: { type: 'string' },
      model: { type: 'string' },
      json: { type: 'boolean', default: false },
      markdown: { type: 'string' },
      pictures: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  }).values;
}

async function main(): Promise<number> {
  const values = flags();
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const given = Object.fromEntries((['n', 'seed', 'steps', 'guidance', 'size'] as const).filter((k) => values[k] !== undefined).map((k) => [k, values[k]]));
  const blankFlag = Object.entries(given).find(([, v]) => typeof v === 'string' && v.trim() === '');
  if (blankFlag) throw new UsageError(`--${blankFlag[0]} needs a value`);
  let options;
  try {
    options = parseSampleEvalOptions(given);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values.model !== undefined && !fs.existsSync(path.join(values.model, 'model_index.json'))) {
    throw new UsageError(`--model: ${values.model} is not a diffusers model folder (no model_index.json); leave --model out for the embedded default model`);
  }
  const log = (line: string): void => {
    if (!values.json) console.error(line);
  };

  const t0 = performance.now();
  const modelPath = values.model ?? bundledModelDir();
  const pipe = await Pipeline.load(modelPath);
  const loadSeconds = (performance.now() - t0) / 1000;
  log(`model ${modelPath} loaded in ${loadSeconds.toFixed(2)} s; ${options.n} scenes × 2 captions, ${options.steps} DDIM steps, guidance ${options.guidance}, ${options.size}×${options.size}`);
  const records = await runSampleEval(pipelineGenerator(pipe, options), options, undefined, ({ done, total, record }) => {
    log(`[${done}/${total}] seed ${record.seed} ${record.variant.padEnd(9)} ${record.seconds.toFixed(2)} s  ${record.verdict.allCorrect ? 'all correct' : 'not all correct'}  "${record.caption}"`);
  });
  const report = buildReport({
    model: { path: modelPath, defaultModel: values.model === undefined, loadSeconds },
    options,
    records,
    totalSeconds: (performance.now() - t0) / 1000,
  });
  const table = markdownReport(report);
  if (values.markdown !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(values.markdown)), { recursive: true });
    fs.writeFileSync(values.markdown, table);
    log(`wrote ${values.markdown}`);
  }
  if (values.pictures !== undefined) {
    for (const file of await writeSamplePictures(values.pictures, records)) log(`wrote ${file}`);
  }
  console.log(values.json ? JSON.stringify(report) : table);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    // Bad flags and unusable model folders are the caller's to fix (2); anything else is ours (3).
    const usage = e instanceof UsageError || (e instanceof RepriseError && e.code === 'MODEL_FOLDER');
    console.error(e instanceof Error ? e.message : String(e));
    if (e instanceof UsageError) console.error(USAGE);
    process.exit(usage ? 2 : 3);
  },
);
