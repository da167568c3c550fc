/** Scheduler conformance: every run of a `schedulers*.json` file against the solver primitives. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openSafetensors } from '../io/safetensors.js';
import { compareSchedulerRun, parseSchedulerFixtures, runSchedulerFixture, type SchedulerFixtureInputs } from '../solvers/index.js';
import type { ConformanceResult } from './result.js';

/** `schedulers<suffix>.json` reads its inputs from `scheduler-inputs<suffix>.safetensors`, else `scheduler-inputs.safetensors`. */
export function schedulerInputsPath(file: string): string {
  const dir = path.dirname(file);
  const suffix = path.basename(file).replace(/^schedulers/, '').replace(/\.json$/, '');
  const specific = path.join(dir, `scheduler-inputs${suffix}.safetensors`);
  return fs.existsSync(specific) ? specific : path.join(dir, 'scheduler-inputs.safetensors');
}

function readInputs(file: string): SchedulerFixtureInputs {
  const st = openSafetensors(file);
  try {
    return {
      xInit: st.readFloat32('x_init'),
      ...(st.info('variance_noises') ? { varianceNoises: st.readFloat32('variance_noises') } : {}),
    };
  } finally {
    st.close();
  }
}

/** Runs every scheduler run in one file; one result per run. */
export function checkSchedulerFile(file: string, tolerance: number): ConformanceResult[] {
  const fixtures = parseSchedulerFixtures(fs.readFileSync(file, 'utf8'));
  const inputs = readInputs(schedulerInputsPath(file));
  const results: ConformanceResult[] = [];
  for (const [name, run] of fixtures.runs) {
    const base = { component: `${path.basename(file, '.json')}:${name}`, kind: 'scheduler' as const, className: run.class, tolerance };
    try {
      const res = runSchedulerFixture(run, inputs);
      const cmp = compareSchedulerRun(run, res, tolerance);
      const errors = [cmp.maxStepRelError, cmp.finalSumRelError, cmp.finalAbsMeanRelError, cmp.finalFirst8MaxRelError].filter((e) => !Number.isNaN(e));
      results.push({
        ...base,
        ok: cmp.pass,
        maxRelError: cmp.timestepsIdentical ? (errors.length ? Math.max(...errors) : 0) : Number.POSITIVE_INFINITY,
        outputs: cmp.trajectoryCompared
          ? { traj_sums: cmp.maxStepRelError, final_sum: cmp.finalSumRelError, final_abs_mean: cmp.finalAbsMeanRelError, final_first8: cmp.finalFirst8MaxRelError }
          : {},
        details: { steps: run.steps, timestepsIdentical: cmp.timestepsIdentical, trajectoryCompared: cmp.trajectoryCompared, ...(cmp.timestepsIdentical ? {} : { timesteps: res.timesteps, expected: run.timesteps }) },
      });
    } catch (e) {
      results.push({ ...base, ok: false, maxRelError: Number.POSITIVE_INFINITY, outputs: {}, error: (e as Error).message });
    }
  }
  return results;
}
