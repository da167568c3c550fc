/**
 * Every run of every `schedulers*.json` in the reference fixture folder: timesteps identical,
 * per-step trajectory sums, final sum, final |x| mean and the first 8 values within 1e-5 relative.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compareSchedulerRun,
  createNoiseSchedule,
  parseSchedulerFixtures,
  resolveSchedulerConfig,
  runSchedulerFixture,
  type SchedulerFixtureInputs,
} from '../../src/solvers/index.js';
import { fixtureTestName, NO_REFERENCE_FIXTURES } from '../helpers.js';
import { fixtureDir, readSmallSafetensors } from './helpers.js';

const TOLERANCE = 1e-5;
const present = fs.existsSync(fixtureDir);
const files = present ? fs.readdirSync(fixtureDir).filter((f) => /^schedulers.*\.json$/.test(f)).sort() : [];


function loadInputs(): SchedulerFixtureInputs {
  const tensors = readSmallSafetensors(path.join(fixtureDir, 'scheduler-inputs.safetensors'));
  const xInit = tensors.get('x_init');
  if (xInit === undefined) throw new Error('scheduler-inputs.safetensors has no x_init');
  const noises = tensors.get('variance_noises');
  return { xInit: xInit.data, ...(noises ? { varianceNoises: noises.data } : {}) };
}

describe('scheduler fixtures', () => {
  it.skipIf(!present)(fixtureTestName('finds the schedulers*.json files (each run of each file is a test below)', present, `${NO_REFERENCE_FIXTURES} (looked in ${fixtureDir})`), () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    const fixture = parseSchedulerFixtures(fs.readFileSync(path.join(fixtureDir, file), 'utf8'));
    const inputs = loadInputs();

    describe(file, () => {
      for (const [name, run] of fixture.runs) {
        it(`${name} (${run.class}, ${run.steps} steps)`, () => {
          const result = runSchedulerFixture(run, inputs);
          const cmp = compareSchedulerRun(run, result, TOLERANCE);
          console.log(JSON.stringify({ file, run: name, class: run.class, ...cmp }));
          expect(result.timesteps).toEqual(run.timesteps);
          expect(cmp.timestepsIdentical).toBe(true);
          if (cmp.trajectoryCompared) {
            expect(cmp.maxStepRelError).toBeLessThanOrEqual(TOLERANCE);
            expect(cmp.finalSumRelError).toBeLessThanOrEqual(TOLERANCE);
            expect(cmp.finalAbsMeanRelError).toBeLessThanOrEqual(TOLERANCE);
            expect(cmp.finalFirst8MaxRelError).toBeLessThanOrEqual(TOLERANCE);
          }
          expect(cmp.pass).toBe(true);
        });
      }

      if (fixture.alphasCumprod !== null) {
        const table = fixture.alphasCumprod;
        it('alphas_cumprod_sd equals the float32 SD-1.x ā table bit for bit', () => {
          const run = [...fixture.runs.values()].find((r) => r.config['beta_schedule'] === 'scaled_linear' && r.config['rescale_betas_zero_snr'] !== true);
          expect(run).toBeDefined();
          const schedule = createNoiseSchedule(resolveSchedulerConfig(run!.config, 'DDIMScheduler'));
          expect(Array.from(schedule.alphasCumprod)).toEqual(table);
        });
      }
    });
  }
});
