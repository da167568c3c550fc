/**
 * DC-Solver on a model (default: the bundled one): fit the ratios on N trajectories at each
 * (NFE, guidance), then measure on held-out prompts and seeds the final-latent MSE against a
 * many-step DDIM reference for UniPC, DC-Solver (fitted) and DPM-Solver++ 2M.
 *
 *   npx tsx scripts/eval-dc.ts [--model DIR] [--fit N] [--test N] [--nfe 5,10] [--guidance 7.5,3] [--reference 500] [--fit-reference 200]
 *
 * The fit's reference defaults to 200 DDIM steps (their diffusers search script's `generate_gt`);
 * the held-out measurement uses --reference steps (500).
 */
import { parseArgs } from 'node:util';
import { Pipeline } from '../src/editing/pipeline.js';
import { bundledModelDir } from '../src/models/bundled-model.js';
import { dcConfig, searchDcRatios } from '../src/editing/fit/dc-fit.js';
import { ddimReference, fitPrompts, meanMse, prepareTrajectories, runSolver } from '../src/editing/fit/trajectories.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, fit: { type: 'string', default: '10' }, test: { type: 'string', default: '4' }, nfe: { type: 'string', default: '5,10' }, guidance: { type: 'string', default: '7.5,3' }, reference: { type: 'string', default: '500' }, 'fit-reference': { type: 'string', default: '200' } } });
const pipe = await Pipeline.load(values.model ?? bundledModelDir());
const nFit = Number(values.fit);
const nTest = Number(values.test);
const refSteps = Number(values.reference);
const rows: unknown[] = [];
for (const guidance of values.guidance!.split(',').map(Number)) {
  const t0 = Date.now();
  const train = await prepareTrajectories(pipe, { prompts: fitPrompts(nFit), seed: 0, guidance });
  const trainRef = await ddimReference(train, pipe.model.scheduler('DDIMScheduler'), Number(values['fit-reference']));
  const refSeconds = (Date.now() - t0) / 1000;
  const test = await prepareTrajectories(pipe, { prompts: fitPrompts(nTest, nFit), seed: 1000, guidance });
  const testRef = await ddimReference(test, pipe.model.scheduler('DDIMScheduler'), refSteps);
  const final = testRef.latents[testRef.latents.length - 1]!;
  for (const nfe of values.nfe!.split(',').map(Number)) {
    const t1 = Date.now();
    const calls = train.calls;
    const ratios = await searchDcRatios(train, dcConfig(pipe, []), nfe, trainRef);
    const searchSeconds = (Date.now() - t1) / 1000;
    const mse = {
      unipc: meanMse(await runSolver(test, pipe.model.scheduler('UniPCMultistepScheduler'), nfe), final),
      dc: meanMse(await runSolver(test, dcConfig(pipe, ratios), nfe), final),
      dpmpp2m: meanMse(await runSolver(test, pipe.model.scheduler('DPMSolverMultistepScheduler'), nfe), final),
    };
    const row = { guidance, nfe, ratios: ratios.map((r) => +r.toFixed(4)), mse, dcVsUnipc: 1 - mse.dc / mse.unipc, dcVsDpmpp: 1 - mse.dc / mse.dpmpp2m, searchCalls: train.calls - calls, searchSeconds, trainReferenceSeconds: refSeconds };
    rows.push(row);
    console.error(JSON.stringify(row));
  }
}
console.log(JSON.stringify({ model: values.model ?? 'bundled', fitTrajectories: nFit, testTrajectories: nTest, referenceSteps: refSteps, fitReferenceSteps: Number(values['fit-reference']), rows }, null, 1));
