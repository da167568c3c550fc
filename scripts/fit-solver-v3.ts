/**
 * Computes DPM-Solver-v3's empirical model statistics for a model folder and saves them in the
 * solver-fit cache (until `reprise fit-solver v3` registers the same fit kind):
 *
 *   npx tsx scripts/fit-solver-v3.ts [--model DIR] [--guidance 7.5] [--samples 256] [--steps 250]
 *       [--seed 0] [--sample-steps 25] [--batch 16] [--pool element|channel]
 *       [--prompts FILE] [--json]
 *
 * `--model` defaults to the embedded default model. The data are the model's own samples: z_T
 * from the seed, prompts cycled from FILE (one per line) or, by default, random scene captions
 * (tools/scenes, seeds 2 000 000 + k: not the evaluation's). Prints the file, the grid and the
 * time taken. Exit status: 0 done, 2 bad flags or model folder, 3 anything else.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Pipeline } from '../src/editing/pipeline.js';
import { fitV3 } from '../src/editing/fit/v3-fit.js';
import { RepriseError } from '../src/errors.js';
import { bundledModelDir } from '../src/models/bundled-model.js';
import { randomScene, sceneCaption } from '../tools/scenes/index.js';

const USAGE = 'usage: npx tsx scripts/fit-solver-v3.ts [--model DIR] [--guidance W] [--samples K] [--steps M] [--seed S] [--sample-steps N] [--batch B] [--pool element|channel] [--prompts FILE] [--json]';

async function main(): Promise<number> {
  let v;
  try {
    v = parseArgs({
      options: {
        model: { type: 'string' },
        guidance: { type: 'string', default: '7.5' },
        samples: { type: 'string', default: '256' },
        steps: { type: 'string', default: '250' },
        seed: { type: 'string', default: '0' },
        'sample-steps': { type: 'string', default: '25' },
        batch: { type: 'string', default: '16' },
        pool: { type: 'string', default: 'element' },
        prompts: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  const num = (name: string, s: string): number => {
    const n = Number(s);
    if (!Number.isFinite(n)) throw new RepriseError('CONFIG_INVALID', `--${name} must be a number, got "${s}"`, { hint: USAGE });
    return n;
  };
  const samples = num('samples', v.samples);
  const prompts = v.prompts !== undefined ? fs.readFileSync(v.prompts, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '') : Array.from({ length: Math.min(samples, 256) }, (_, k) => sceneCaption(randomScene(2_000_000 + k)));
  const pipe = await Pipeline.load(v.model ?? bundledModelDir());
  const started = performance.now();
  let lastPct = -1;
  const fit = await fitV3(
    pipe,
    { samples, guidance: num('guidance', v.guidance), steps: num('steps', v.steps), seed: num('seed', v.seed), sampleSteps: num('sample-steps', v['sample-steps']), batch: num('batch', v.batch), prompts, pool: v.pool as 'element' | 'channel' },
    (p) => {
      const pct = Math.floor((100 * p.step) / p.total);
      if (!v.json && pct !== lastPct && pct % 10 === 0) console.error(`${p.phase}: ${pct}%`);
      lastPct = pct;
    },
  );
  const result = { file: fit.file, samples: fit.samples, gridSteps: fit.steps, guidance: fit.guidance, size: fit.statistics.size, seconds: { ...fit.seconds, total: (performance.now() - started) / 1000 } };
  console.log(v.json ? JSON.stringify(result) : `saved ${result.file}\n${JSON.stringify(result, null, 1)}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof RepriseError ? `${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}` : e);
    process.exit(e instanceof RepriseError && (e.code === 'CONFIG_INVALID' || e.code === 'MODEL_FOLDER') ? 2 : 3);
  },
);
