import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiffusionModel } from '../../src/editing/model.js';
import { readJsonFile } from '../../src/models/config-util.js';
import { writeRandomModel } from '../../src/models/random-model.js';
import { tempDir } from '../helpers.js';

// What diffusers (Python's json module) writes for a DPM-Solver++ scheduler: bare -Infinity.
const DPM_CONFIG_TEXT = `{
  "_class_name": "DPMSolverMultistepScheduler",
  "num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
  "algorithm_type": "dpmsolver++", "solver_order": 2, "prediction_type": "epsilon", "steps_offset": 1,
  "timestep_spacing": "linspace", "lambda_min_clipped": -Infinity, "variance_type": null,
  "note": "strings keep -Infinity and NaN as text"
}`;

describe('config JSON with Python non-finite tokens', () => {
  const dir = tempDir();

  it('readJsonFile reads -Infinity/Infinity/NaN as numbers and leaves strings alone', () => {
    const file = path.join(dir, 'c.json');
    fs.writeFileSync(file, '{"a": -Infinity, "b": [Infinity, NaN], "s": "-Infinity NaN"}');
    const j = readJsonFile(file, 'test') as { a: number; b: number[]; s: string };
    expect(j.a).toBe(Number.NEGATIVE_INFINITY);
    expect(j.b[0]).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(j.b[1])).toBe(true);
    expect(j.s).toBe('-Infinity NaN');
    fs.writeFileSync(file, '{"a": -Infinit}');
    expect(() => readJsonFile(file, 'test')).toThrow(/not valid JSON/);
  });

  it('a model folder whose scheduler config holds lambda_min_clipped: -Infinity loads and resolves', async () => {
    const folder = writeRandomModel(path.join(dir, 'dpm'), { seed: 5 });
    fs.writeFileSync(path.join(folder, 'scheduler', 'scheduler_config.json'), DPM_CONFIG_TEXT);
    const m = await DiffusionModel.load(folder, { cache: false });
    expect(m.schedulerConfig.lambda_min_clipped).toBe(Number.NEGATIVE_INFINITY);
    const s = m.scheduler('DPMSolverMultistepScheduler') as unknown as { lambdaMinClipped: number };
    expect(s.lambdaMinClipped).toBe(Number.NEGATIVE_INFINITY);
  });
});
