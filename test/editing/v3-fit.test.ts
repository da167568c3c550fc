/**
 * DPM-Solver-v3 statistics on a model: the store's save/load round trip and its key, the
 * missing-statistics error (naming the command that computes them), and the whole path on a tiny
 * random model — generate refuses dpm-solver-v3 before the fit, the fit saves statistics for the
 * model, guidance and latent shape, and generation then samples with them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/editing/pipeline.js';
import { fitV3 } from '../../src/editing/fit/v3-fit.js';
import { loadV3Statistics, saveV3Statistics, v3StatisticsFile, V3StatisticsMissingError, withSolverStatistics, type V3StatisticsKey } from '../../src/editing/fit/v3-store.js';
import { resolveSchedulerConfig } from '../../src/solvers/index.js';
import { writeRandomModel } from '../../src/models/random-model.js';
import { Random } from '../../src/util/random.js';
import { expectRepriseError, rejectionOf, tempDir, thrownBy } from '../helpers.js';

const key: V3StatisticsKey = { modelId: 'ab'.repeat(32), guidance: 7.5, latentShape: [4, 2, 3] };

function randomStats(seed: number, guidance = key.guidance) {
  const r = new Random(seed);
  const m = 11;
  const size = 24;
  const arr = () => Float64Array.from(r.normals(m * size));
  return { lambdas: Float64Array.from({ length: m }, (_, j) => -2.5 + j * 0.61 + r.uniform() * 1e-9), size, l: arr(), s: arr(), b: arr(), guidance };
}

describe('DPM-Solver-v3 statistics store', () => {
  const dir = tempDir();

  it('saves and loads l, s, b (F32), the exact λ grid and how they were computed; another key is another file', () => {
    const st = randomStats(1);
    const file = saveV3Statistics(st, key, { samples: 8, seed: 3, steps: 10, seconds: 1.5 }, dir);
    expect(file).toBe(v3StatisticsFile(key, dir));
    const back = loadV3Statistics(key, dir);
    expect(Array.from(back.statistics.lambdas)).toEqual(Array.from(st.lambdas));
    for (const name of ['l', 's', 'b'] as const) expect(Array.from(back.statistics[name])).toEqual(Array.from(st[name], Math.fround));
    expect(back.statistics.size).toBe(24);
    expect(back.statistics.guidance).toBe(7.5);
    expect(back.info).toEqual({ samples: 8, seed: 3, steps: 10, seconds: 1.5 });
    expect(v3StatisticsFile({ ...key, guidance: 3 }, dir)).not.toBe(file);
    expect(v3StatisticsFile({ ...key, latentShape: [4, 3, 2] }, dir)).not.toBe(file);
  });

  it('withSolverStatistics attaches the stored statistics to a v3 config only', () => {
    saveV3Statistics(randomStats(4), key, { samples: 1, seed: 0, steps: 10 }, dir);
    const other = resolveSchedulerConfig({}, 'UniPCMultistepScheduler');
    expect(withSolverStatistics(other, key, dir)).toBe(other);
    const v3 = resolveSchedulerConfig({}, 'DPMSolverV3Scheduler');
    const withStats = withSolverStatistics(v3, key, dir);
    expect(withStats.className === 'DPMSolverV3Scheduler' && withStats.statistics?.l[0]).toBe(Math.fround(randomStats(4).l[0]!));
    expect(() => withSolverStatistics(v3, { ...key, guidance: 1.5 }, dir)).toThrow(V3StatisticsMissingError);
  });

  it('refuses statistics whose size or guidance do not match the key', () => {
    expect(() => saveV3Statistics(randomStats(2, 3), key, { samples: 1, seed: 0, steps: 10 }, dir)).toThrow(/guidance 3/);
    expect(() => saveV3Statistics({ ...randomStats(2), size: 5 }, key, { samples: 1, seed: 0, steps: 10 }, dir)).toThrow(/5 values/);
  });

  it('missing statistics: a RepriseError naming the model, guidance and shape, with the command in the hint', () => {
    const e = expectRepriseError(
      thrownBy(() => loadV3Statistics({ ...key, guidance: 2 }, dir)),
      { code: 'CONFIG_INVALID', type: V3StatisticsMissingError, hint: true, message: ['dpm-solver-v3', 'guidance 2', '4×2×3'] },
    );
    expect(e.hint).toMatch(/reprise fit-solver v3/);
  });
});

describe('DPM-Solver-v3 on a tiny random model', async () => {
  const saved = process.env.REPRISE_CACHE_DIR;
  const cache = tempDir();
  process.env.REPRISE_CACHE_DIR = cache;
  afterAll(() => {
    if (saved === undefined) delete process.env.REPRISE_CACHE_DIR;
    else process.env.REPRISE_CACHE_DIR = saved;
  });
  const folder = writeRandomModel(path.join(tempDir(), 'model'), { seed: 9 });
  const pipe = await Pipeline.load(folder, { cache: false });

  it('generate refuses it before the fit; the fit stores statistics for (model, guidance, shape); generation then uses them', async () => {
    const o = { seed: 4, steps: 5, guidance: 3, scheduler: 'dpm-solver-v3' };
    expectRepriseError(await rejectionOf(pipe.generate('a red circle', o)), { type: V3StatisticsMissingError, hint: true });
    // Three samples: pooled per channel (per element, s from 3 samples is noise and e^{∫s} overflows).
    const fit = await fitV3(pipe, { samples: 3, gridSteps: 20, sampleSteps: 5, guidance: 3, batch: 2, prompts: ['a red circle', 'a blue square'], pool: 'channel' });
    expect(fs.existsSync(fit.file)).toBe(true);
    expect(path.dirname(fit.file)).toBe(path.join(cache, 'solver-fits'));
    const st = fit.statistics;
    expect(st.lambdas.length).toBe(21);
    expect([st.l, st.s, st.b].every((a) => a.every(Number.isFinite))).toBe(true);
    // l estimates the diagonal of σ∂ε/∂x: not the degenerate 1 everywhere.
    expect(st.l.some((v) => Math.abs(v - 1) > 1e-3)).toBe(true);
    const g = await pipe.generate('a red circle', o);
    expect(g.solver).toBe('dpm-solver-v3');
    expect(g.inversion.z0.every(Number.isFinite)).toBe(true);
    // Another guidance has no statistics.
    expectRepriseError(await rejectionOf(pipe.generate('a red circle', { ...o, guidance: 7.5 })), { type: V3StatisticsMissingError });
  });
});
