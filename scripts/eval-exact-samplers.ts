/**
 * Sampler error of the exact inversion methods' own rules: for N scene captions and seeded z_T,
 * every case of `SAMPLER_CASES` (DDIM, BDIA, EDICT, O-BELM) generates at each step count, and the
 * final latent's MSE against a many-step DDIM reference from the same z_T (same first timestep,
 * same final level) is reported, averaged over the prompts, with its ratio to DDIM's.
 *
 *   npm run eval:exact-samplers -- [--model DIR] [--steps 10,20,50] [--reference 200]
 *       [--guidance 7.5] [--prompts 4] [--seed 0] [--spacing leading|linspace|trailing] [--json]
 *
 * `--model` defaults to the embedded default model; `--spacing` overrides the scheduler config's
 * timestep_spacing (the BELM paper samples on 'linspace'). `--json` prints one JSON object per
 * (guidance, steps, case). Exit status 0 when the run finished, 2 for bad flags.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { RepriseError } from '../src/errors.js';
import { samplingPlanFromConfig } from '../src/inversion/plan.js';
import { unetBranchPredictor } from '../src/inversion/predictor.js';
import { bundledModelDir } from '../src/models/bundled-model.js';
import { TextEncoderModel, UnetModel } from '../src/runtime/load.js';
import { parseJsonWithNonFinite } from '../src/solvers/index.js';
import { ClipTokenizer } from '../src/tokenizer/index.js';
import { Random } from '../src/util/random.js';
import { mse, referencePlan, sampleCase, SAMPLER_CASES } from '../tools/eval/exact-samplers.js';
import { numberList } from '../tools/eval/number-list.js';
import { randomScene, sceneCaption } from '../tools/scenes/index.js';

const list = (flag: string, text: string, integer: boolean): number[] => numberList(flag, text, { integer, positive: true });

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      steps: { type: 'string', default: '10,20,50' },
      reference: { type: 'string', default: '200' },
      guidance: { type: 'string', default: '7.5' },
      prompts: { type: 'string', default: '4' },
      seed: { type: 'string', default: '0' },
      spacing: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const stepCounts = list('steps', values.steps, true);
  const [refSteps] = list('reference', values.reference, true) as [number];
  const guidances = list('guidance', values.guidance, false);
  const [prompts] = list('prompts', values.prompts, true) as [number];
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new RepriseError('RUNTIME_INPUT', `--seed must be a non-negative integer, got ${values.seed}`);
  if (values.spacing !== undefined && !['leading', 'linspace', 'trailing'].includes(values.spacing)) {
    throw new RepriseError('RUNTIME_INPUT', `--spacing must be leading, linspace or trailing, got ${values.spacing}`);
  }

  const dir = values.model ?? bundledModelDir();
  const config = parseJsonWithNonFinite(fs.readFileSync(path.join(dir, 'scheduler', 'scheduler_config.json'), 'utf8')) as Record<string, unknown>;
  const schedulerConfig = values.spacing === undefined ? config : { ...config, timestep_spacing: values.spacing };
  const unet = await UnetModel.load(path.join(dir, 'unet'), { cache: false });
  const tokenizer = ClipTokenizer.fromFolder(path.join(dir, 'tokenizer'));
  const encoder = await TextEncoderModel.load(path.join(dir, 'text_encoder'), { cache: false });
  const unetConfig = JSON.parse(fs.readFileSync(path.join(dir, 'unet', 'config.json'), 'utf8')) as { sample_size?: number; in_channels?: number };
  const size = unetConfig.sample_size ?? 64;
  const shape = [unetConfig.in_channels ?? 4, size, size] as const;
  const captions = Array.from({ length: prompts }, (_, k) => sceneCaption(randomScene(seed + 1_000_000 + k)));
  const hidden = (await encoder.encode(tokenizer.encodeBatch([...captions, '']), prompts + 1)).lastHiddenState.data as Float32Array;
  const per = hidden.length / (prompts + 1);
  const uncond = hidden.slice(prompts * per);
  if (!values.json) {
    console.log(`model ${dir}, latent [${shape.join(', ')}], spacing ${String(schedulerConfig.timestep_spacing ?? 'leading')}, reference: ${refSteps}-step DDIM, ${prompts} prompts (seed ${seed})`);
    console.log('guidance  steps  sampler              MSE vs reference   ÷ DDIM');
  }
  const t0 = performance.now();
  for (const guidance of guidances) {
    for (const steps of stepCounts) {
      const plan = samplingPlanFromConfig(schedulerConfig, steps, shape);
      const ref = referencePlan(plan, refSteps);
      const errors = SAMPLER_CASES.map(() => 0);
      for (let k = 0; k < prompts; k++) {
        const cond = { cond: hidden.slice(k * per, (k + 1) * per), uncond, guidance };
        const start = Random.forName(seed + k, 'eval:exact-samplers:zT').normals(shape[0] * shape[1] * shape[2]);
        const reference = await sampleCase(SAMPLER_CASES[0]!, ref, unetBranchPredictor(unet, ref, [cond]), start, seed + k);
        const predict = unetBranchPredictor(unet, plan, [cond]);
        for (const [j, c] of SAMPLER_CASES.entries()) errors[j]! += mse(await sampleCase(c, plan, predict, start, seed + k), reference) / prompts;
      }
      const ddim = errors[0] as number;
      for (const [j, c] of SAMPLER_CASES.entries()) {
        const e = errors[j] as number;
        if (values.json) console.log(JSON.stringify({ guidance, steps, sampler: c.label, method: c.method, options: c.options, mse: e, ratioToDdim: e / ddim, prompts, reference: ref.timesteps.length, spacing: schedulerConfig.timestep_spacing ?? 'leading' }));
        else console.log(`${String(guidance).padEnd(8)}  ${String(steps).padStart(5)}  ${c.label.padEnd(19)}  ${e.toExponential(3).padStart(16)}   ${(e / ddim).toFixed(3)}`);
      }
    }
  }
  if (!values.json) console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(e instanceof RepriseError ? 2 : 3);
  },
);
