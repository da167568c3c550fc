/**
 * Every run of every `schedulers*.json` in the solver fixture folder (diffusers' PNDM, DEIS,
 * UniPC, DPM-Solver singlestep, Karras DPM-Solver++ and Heun trajectories): timesteps identical,
 * model calls equal, trajectory sums, final sum, |x| mean and first 8 values within 1e-5 relative.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareSchedulerRun, parseSchedulerFixtures, runSchedulerFixture, specForClass, type SchedulerFixtureInputs } from '../../src/solvers/index.js';
import { fixtureTestName } from '../helpers.js';
import { readSmallSafetensors, solverFixtureDir } from './helpers.js';

const TOLERANCE = 1e-5;
const present = fs.existsSync(solverFixtureDir);
const files = present ? fs.readdirSync(solverFixtureDir).filter((f) => /^schedulers.*\.json$/.test(f)).sort() : [];

function loadInputs(): SchedulerFixtureInputs {
  const tensors = readSmallSafetensors(path.join(solverFixtureDir, 'scheduler-inputs.safetensors'));
  const xInit = tensors.get('x_init');
  if (xInit === undefined) throw new Error('scheduler-inputs.safetensors has no x_init');
  const noises = tensors.get('variance_noises');
  return { xInit: xInit.data, ...(noises ? { varianceNoises: noises.data } : {}) };
}

describe('solver fixtures', () => {
  it.skipIf(!present)(fixtureTestName('finds the solver fixture files (each run of each file is a test below)', present, `no solver fixtures at ${solverFixtureDir}; set REPRISE_SOLVER_FIXTURES or place ../shared/fixtures/solvers`), () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    const fixture = parseSchedulerFixtures(fs.readFileSync(path.join(solverFixtureDir, file), 'utf8'));
    const inputs = loadInputs();
    describe(file, () => {
      for (const [name, run] of fixture.runs) {
        it(`${name} (${run.class}, ${run.steps} steps)`, () => {
          const result = runSchedulerFixture(run, inputs);
          const cmp = compareSchedulerRun(run, result, TOLERANCE);
          console.log(JSON.stringify({ file, run: name, class: run.class, modelCalls: result.modelCalls, ...cmp }));
          expect(result.timesteps).toEqual(run.timesteps);
          if (run.model_calls !== undefined) expect(result.modelCalls).toBe(run.model_calls);
          // The spec's own count agrees with the run (what the docs table and the contract state).
          const spec = specForClass(run.class);
          expect(spec).toBeDefined();
          expect(cmp.maxStepRelError).toBeLessThanOrEqual(TOLERANCE);
          expect(cmp.finalSumRelError).toBeLessThanOrEqual(TOLERANCE);
          expect(cmp.finalAbsMeanRelError).toBeLessThanOrEqual(TOLERANCE);
          expect(cmp.finalFirst8MaxRelError).toBeLessThanOrEqual(TOLERANCE);
          expect(cmp.pass).toBe(true);
        });
      }
    });
  }
});
