/**
 * Time-shift sampling on a model: for N scene captions and seeded z_T, each solver plain and with
 * time shift (`<id>+ts`, tools/eval/time-shift.ts) at each NFE; the final latent's MSE against a
 * many-step DDIM reference from the same z_T and prompt, averaged over the prompts, with the
 * ratio ts / plain.
 *
 *   npx tsx scripts/eval-time-shift.ts [--model DIR] [--solvers ddim,dpm-solver++] [--nfe 5,10,20]
 *       [--guidance 3,7.5] [--prompts 4] [--seed 0] [--reference 500] [--window 30] [--cutoff 300]
 *       [--spacing trailing|leading|linspace] [--json]
 *
 * `--window` and `--cutoff` take comma-separated lists (every pair is a case). `--spacing`
 * overrides the folder's timestep_spacing (default trailing, so every NFE starts at t = 999 as the
 * reference does; the folder's leading spacing would start 5 steps at t = 801).
 * `--model` defaults to the embedded default model. Exit status 0 when the run finished, 2 for bad flags.
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
import { mse } from '../tools/eval/exact-samplers.js';
import { sampleSolverCase, timeShiftedSolvers, type SolverCase } from '../tools/eval/time-shift.js';
import { numberList } from '../tools/eval/number-list.js';
import { randomScene, sceneCaption } from '../tools/scenes/index.js';

const list = (flag: string, text: string, integer: boolean): number[] => numberList(flag, text, { integer, positive: false });

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      solvers: { type: 'string', default: 'ddim,dpm-solver++' },
      nfe: { type: 'string', default: '5,10,20' },
      guidance: { type: 'string', default: '3,7.5' },
      prompts: { type: 'string', default: '4' },
      seed: { type: 'string', default: '0' },
      reference: { type: 'string', default: '500' },
      window: { type: 'string', default: '30' },
      cutoff: { type: 'string', default: '300' },
      spacing: { type: 'string', default: 'trailing' },
      json: { type: 'boolean', default: false },
    },
  });
  const nfes = list('nfe', values.nfe, true);
  const guidances = list('guidance', values.guidance, false);
  const [prompts] = list('prompts', values.prompts, true) as [number];
  const [refSteps] = list('reference', values.reference, true) as [number];
  const [seed] = list('seed', values.seed, true) as [number];
  const windows = list('window', values.window, true);
  const cutoffs = list('cutoff', values.cutoff, true);
  const ids = values.solvers.split(',');
  const cases: SolverCase[] = ids.flatMap((id) => [{ label: id, solver: id }, ...windows.flatMap((window) => cutoffs.flatMap((cutoff) => timeShiftedSolvers({ window, cutoff }, [id]).map((c) => ({ ...c, label: `${c.label}(w${window},c${cutoff})` }))))]);

  const dir = values.model ?? bundledModelDir();
  if (!['leading', 'linspace', 'trailing'].includes(values.spacing)) throw new RepriseError('RUNTIME_INPUT', `--spacing must be leading, linspace or trailing, got ${values.spacing}`);
  const folder = parseJsonWithNonFinite(fs.readFileSync(path.join(dir, 'scheduler', 'scheduler_config.json'), 'utf8')) as Record<string, unknown>;
  // Trailing spacing (default): every NFE starts at t = 999 like the reference, so the MSE measures the solver, not a later first timestep.
  const config = { ...folder, timestep_spacing: values.spacing };
  const unet = await UnetModel.load(path.join(dir, 'unet'), { cache: false });
  const tokenizer = ClipTokenizer.fromFolder(path.join(dir, 'tokenizer'));
  const encoder = await TextEncoderModel.load(path.join(dir, 'text_encoder'), { cache: false });
  const unetConfig = JSON.parse(fs.readFileSync(path.join(dir, 'unet', 'config.json'), 'utf8')) as { sample_size?: number; in_channels?: number };
  const size = unetConfig.sample_size ?? 64;
  const shape = [unetConfig.in_channels ?? 4, size, size] as const;
  const captions = Array.from({ length: prompts }, (_, k) => sceneCaption(randomScene(seed + 2_000_000 + k)));
  const hidden = (await encoder.encode(tokenizer.encodeBatch([...captions, '']), prompts + 1)).lastHiddenState.data as Float32Array;
  const per = hidden.length / (prompts + 1);
  const uncond = hidden.slice(prompts * per);
  if (!values.json) console.log(`model ${dir}, latent [${shape.join(', ')}], reference ${refSteps}-step DDIM, ${prompts} prompts (seed ${seed}), spacing ${values.spacing}\nguidance  NFE  case                        MSE vs reference  ÷ plain`);
  const t0 = performance.now();
  for (const guidance of guidances) {
    const refPlan = samplingPlanFromConfig(config, refSteps, shape);
    const conds = captions.map((_, k) => ({ cond: hidden.slice(k * per, (k + 1) * per), uncond, guidance }));
    const starts = captions.map((_, k) => Random.forName(seed + k, 'eval:time-shift:zT').normals(shape[0] * shape[1] * shape[2]));
    const refs: Float32Array[] = [];
    for (const [k, cond] of conds.entries()) refs.push(await sampleSolverCase({ label: 'ddim', solver: 'ddim' }, config, refSteps, unetBranchPredictor(unet, refPlan, [cond]), starts[k]!, seed + k));
    for (const nfe of nfes) {
      const plan = samplingPlanFromConfig(config, nfe, shape);
      const plain = new Map<string, number>();
      for (const c of cases) {
        let e = 0;
        for (const [k, cond] of conds.entries()) e += mse(await sampleSolverCase(c, config, nfe, unetBranchPredictor(unet, plan, [cond]), starts[k]!, seed + k), refs[k]!) / prompts;
        if (c.timeShift === undefined) plain.set(c.solver, e);
        const ratio = e / (plain.get(c.solver) ?? e);
        if (values.json) console.log(JSON.stringify({ guidance, nfe, case: c.label, solver: c.solver, timeShift: c.timeShift ?? null, mse: e, ratioToPlain: ratio, prompts, reference: refSteps }));
        else console.log(`${String(guidance).padEnd(8)}  ${String(nfe).padStart(3)}  ${c.label.padEnd(26)}  ${e.toExponential(3).padStart(16)}  ${ratio.toFixed(3)}`);
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
