/**
 * DPM-Solver-v3 against DPM-Solver++ 2M and UniPC on a model, as the DPM-Solver-v3 paper measures
 * Stable Diffusion: for each guidance scale, N prompts with seeded z_T, the MSE of each solver's
 * final latent at NFE 5, 6, 8, 10 against a many-step DDIM reference from the same z_T.
 *
 *   npx tsx scripts/measure-dpm-solver-v3.ts [--model DIR] [--prompts 4] [--seed 5000]
 *       [--nfe 5,6,8,10] [--guidance 3,7.5] [--reference-steps 500] [--json]
 *
 * v3 uses the cached statistics of the model at each guidance (reprise fit-solver v3), and
 * "v3-degenerate" the same sampler with l = 1, s = b = 0. End points: v3 ends at timestep 0
 * (λ_0, as their code), DPM-Solver++ and UniPC (timestep_spacing "linspace", so every solver
 * starts at timestep 999 like the reference) at σ = 0; each is compared with the reference at its
 * own end: the DDIM run's final latent (ā_0, set_alpha_to_one false) and its x̂0 = (x − σ_0 ε)/α_0.
 * Prompts are scene captions of seeds 3 000 000 + k (neither the fit's nor the tests').
 */
import { parseArgs } from 'node:util';
import { Pipeline } from '../src/editing/pipeline.js';
import { loadV3Statistics } from '../src/editing/fit/v3-store.js';
import { sampleWithScheduler } from '../src/editing/scheduler-sampling.js';
import { samplingPlanFromConfig } from '../src/inversion/plan.js';
import { unetBranchPredictor } from '../src/inversion/predictor.js';
import type { BranchConditioning } from '../src/inversion/types.js';
import { bundledModelDir } from '../src/models/bundled-model.js';
import { resolveSchedulerConfig, type SchedulerConfig } from '../src/solvers/index.js';
import { Random } from '../src/util/random.js';
import { randomScene, sceneCaption } from '../tools/scenes/index.js';

const v = parseArgs({
  options: {
    model: { type: 'string' },
    prompts: { type: 'string', default: '4' },
    seed: { type: 'string', default: '5000' },
    nfe: { type: 'string', default: '5,6,8,10' },
    guidance: { type: 'string', default: '3,7.5' },
    'reference-steps': { type: 'string', default: '500' },
    json: { type: 'boolean', default: false },
  },
  strict: true,
}).values;

const list = (s: string): number[] => s.split(',').map(Number);
const nPrompts = Number(v.prompts);
const seed = Number(v.seed);
const nfes = list(v.nfe);
const guidances = list(v.guidance);
const refSteps = Number(v['reference-steps']);

const pipe = await Pipeline.load(v.model ?? bundledModelDir());
const model = pipe.model;
const side = model.nativeSize / model.vaeScaleFactor;
const shape: [number, number, number] = [4, side, side];
const size = shape[0] * side * side;
const captions = Array.from({ length: nPrompts }, (_, k) => sceneCaption(randomScene(3_000_000 + k)));
const emb = await model.encodePrompts(['', ...captions]);
const uncond = emb[0] as Float32Array;
// Branch (g, k): guidance g, prompt k; z_T of prompt k drawn like Pipeline.generate with seed + k.
const conds: BranchConditioning[] = guidances.flatMap((g) => captions.map((_, k) => ({ cond: emb[k + 1] as Float32Array, uncond, guidance: g })));
const starts = guidances.flatMap(() => captions.map((_, k) => new Random(seed + k).normals(size)));
const n = conds.length;
const plan = samplingPlanFromConfig(model.schedulerConfig, 10, shape);
const predict = unetBranchPredictor(model.unet, plan, conds);
const folder = model.schedulerConfig;
const cfg = (className: string, extra: Record<string, unknown> = {}): SchedulerConfig => resolveSchedulerConfig({ ...folder, _class_name: className, ...extra }, className);
const run = (config: SchedulerConfig, steps: number, branchConfigs?: SchedulerConfig[]): Promise<Float32Array[]> =>
  branchConfigs === undefined
    ? sampleWithScheduler(predict, { scheduler: config, steps, start: starts[0] as Float32Array, starts, branches: n, seed })
    : Promise.all(guidances.map(async (_, gi) => {
        // One run per guidance (its own statistics): branches of that guidance only.
        const sub = conds.slice(gi * nPrompts, (gi + 1) * nPrompts);
        const p = unetBranchPredictor(model.unet, plan, sub);
        return sampleWithScheduler(p, { scheduler: branchConfigs[gi] as SchedulerConfig, steps, start: starts[0] as Float32Array, starts: starts.slice(gi * nPrompts, (gi + 1) * nPrompts), branches: nPrompts, seed });
      })).then((r) => r.flat());

const t0 = performance.now();
const refEnd = await run(cfg('DDIMScheduler', { set_alpha_to_one: false }), refSteps);
// x̂0 of the reference: one ε call at timestep 0.
const a0 = model.scheduler('DDIMScheduler');
const ac0 = (await import('../src/solvers/index.js')).createNoiseSchedule(a0).alphasCumprod[0]!;
const eps0 = await predict(refEnd, 0, 0);
const refX0 = refEnd.map((x, b) => Float32Array.from(x, (xv, e) => (xv - Math.sqrt(1 - ac0) * (eps0[b] as { eps: Float32Array }).eps[e]!) / Math.sqrt(ac0)));
const refSeconds = (performance.now() - t0) / 1000;

const stats = guidances.map((g) => loadV3Statistics({ modelId: pipe.modelId(), guidance: g, latentShape: shape }));
const v3 = guidances.map((_, gi) => ({ ...cfg('DPMSolverV3Scheduler'), statistics: stats[gi]!.statistics }) as SchedulerConfig);
const v3Degenerate = guidances.map((_, gi) => ({ ...cfg('DPMSolverV3Scheduler', { degenerated: true }), statistics: stats[gi]!.statistics }) as SchedulerConfig);
const solvers: { name: string; end: 'a0' | 'x0'; run: (steps: number) => Promise<Float32Array[]> }[] = [
  { name: 'dpm-solver++ 2M', end: 'x0', run: (s) => run(cfg('DPMSolverMultistepScheduler', { timestep_spacing: 'linspace' }), s) },
  { name: 'unipc', end: 'x0', run: (s) => run(cfg('UniPCMultistepScheduler', { timestep_spacing: 'linspace' }), s) },
  { name: 'dpm-solver-v3', end: 'a0', run: (s) => run(v3[0]!, s, v3) },
  { name: 'v3-degenerate', end: 'a0', run: (s) => run(v3Degenerate[0]!, s, v3Degenerate) },
];
const mse = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
};
const rows: { solver: string; guidance: number; nfe: number; mse: number }[] = [];
for (const s of solvers) {
  for (const nfe of nfes) {
    const out = await s.run(nfe);
    guidances.forEach((g, gi) => {
      let acc = 0;
      for (let k = 0; k < nPrompts; k++) {
        const b = gi * nPrompts + k;
        acc += mse(out[b]!, (s.end === 'a0' ? refEnd : refX0)[b]!) / nPrompts;
      }
      rows.push({ solver: s.name, guidance: g, nfe, mse: acc });
    });
    if (!v.json) console.error(`${s.name} NFE ${nfe} done`);
  }
}
const result = { prompts: captions, seed, referenceSteps: refSteps, referenceSeconds: refSeconds, statistics: stats.map((s) => ({ file: s.file, ...s.info })), rows };
if (v.json) console.log(JSON.stringify(result));
else {
  console.log(`| solver | guidance | ${nfes.map((k) => `NFE ${k}`).join(' | ')} |\n|---|---|${nfes.map(() => '---').join('|')}|`);
  for (const s of solvers) for (const g of guidances) console.log(`| ${s.name} | ${g} | ${nfes.map((k) => rows.find((r) => r.solver === s.name && r.guidance === g && r.nfe === k)!.mse.toExponential(3)).join(' | ')} |`);
  console.log(JSON.stringify({ referenceSeconds: refSeconds, statistics: result.statistics, prompts: captions }));
}
