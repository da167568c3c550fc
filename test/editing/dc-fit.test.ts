/**
 * DC-Solver fitting on a tiny random model: the searched ratios lower the final-latent MSE vs the
 * DDIM reference on the fitting trajectories and on held-out seeds and prompts; the fit saved
 * in the solver-fit cache loads back and `generate` samples with it; a missing fit is an error
 * naming `reprise fit-solver dc`; the cascade predicts ratios for an unseen step count.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/editing/pipeline.js';
import { dcConfig, fitDcRatios } from '../../src/editing/fit/dc-fit.js';
import { dcRatiosFor, saveDcFit } from '../../src/editing/fit/dc-store.js';
import { ddimReference, fitPrompts, meanMse, prepareTrajectories, runSolver } from '../../src/editing/fit/trajectories.js';
import { loadSolverFit } from '../../src/runtime/solver-fit-cache.js';
import { writeRandomModel } from '../../src/models/random-model.js';
import { RepriseError } from '../../src/errors.js';
import { DC_RATIO_RANGE } from '../../src/solvers/index.js';
import { tempDir } from '../helpers.js';

describe('DC-Solver fit on a tiny model', async () => {
  const folder = writeRandomModel(path.join(tempDir(), 'model'), { seed: 11 });
  const pipe = await Pipeline.load(folder, { cache: false });
  const dir = path.join(tempDir(), 'fits');
  const o = { steps: 6, guidance: 5, prompts: 4, seed: 3, referenceSteps: 60, refinements: 5 };
  const fit = await fitDcRatios(pipe, o);

  it('finds non-neutral ratios (warm-up steps 0, 1 neutral) that lower the MSE on the fitting trajectories', () => {
    expect(fit.ratios).toHaveLength(6);
    expect(fit.ratios.slice(0, 2)).toEqual([1, 1]);
    expect(fit.ratios.slice(2).some((r) => r !== 1)).toBe(true);
    expect(fit.mse.fitted).toBeLessThan(fit.mse.unfitted);
    expect(fit.searchCalls).toBeGreaterThan(0);
  });

  it('lowers the MSE on held-out seeds and prompts', async () => {
    const held = await prepareTrajectories(pipe, { prompts: fitPrompts(3, 8), seed: 500, guidance: o.guidance });
    const ref = await ddimReference(held, pipe.model.scheduler('DDIMScheduler'), o.referenceSteps);
    const final = ref.latents[ref.latents.length - 1]!;
    const uni = meanMse(await runSolver(held, pipe.model.scheduler('UniPCMultistepScheduler'), o.steps), final);
    const dc = meanMse(await runSolver(held, dcConfig(pipe, fit.ratios), o.steps), final);
    expect(dc).toBeLessThan(uni);
  });

  it('saves the fit, loads it back for the same model, steps and guidance, and generate samples with it', async () => {
    const saved = saveDcFit(pipe.modelId(), fit, dir);
    expect(fs.existsSync(saved.file)).toBe(true);
    expect(fit.spacing).toBe(pipe.model.scheduler('DDIMScheduler').timestepSpacing);
    expect(loadSolverFit('dc', { modelId: pipe.modelId(), spacing: fit.spacing, steps: 6, guidance: 5 }, dir)?.data).toEqual(fit);
    const loaded = dcRatiosFor(pipe.modelId(), fit.spacing, 6, 5, dir);
    expect(loaded.source).toBe('fit');
    expect(loaded.ratios).toEqual(fit.ratios);
    // Ratios compensate one plan's timesteps: another spacing has no fit, and the error says how to make one.
    const other = fit.spacing === 'trailing' ? 'leading' : 'trailing';
    expect(() => dcRatiosFor(pipe.modelId(), other, 6, 5, dir)).toThrow(`--spacing ${other}`);
    const prev = process.env.REPRISE_CACHE_DIR;
    process.env.REPRISE_CACHE_DIR = path.dirname(dir);
    fs.renameSync(dir, path.join(path.dirname(dir), 'solver-fits'));
    try {
      const g = { seed: 4, steps: 6, guidance: 5 };
      const dcImage = await pipe.generate('a red circle', { ...g, scheduler: 'dc-unipc' });
      const uniImage = await pipe.generate('a red circle', { ...g, scheduler: 'unipc' });
      expect(dcImage.solver).toBe('dc-unipc');
      expect(Buffer.from(dcImage.image.data).equals(Buffer.from(uniImage.image.data))).toBe(false);
      // No fit for 7 steps and a single fitted point: no cascade either — the error names the command.
      const err = await pipe.generate('a red circle', { ...g, steps: 7, scheduler: 'dc-unipc' }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(RepriseError);
      expect((err as RepriseError).message).toContain('reprise fit-solver dc');
    } finally {
      fs.renameSync(path.join(path.dirname(dir), 'solver-fits'), dir);
      if (prev === undefined) delete process.env.REPRISE_CACHE_DIR;
      else process.env.REPRISE_CACHE_DIR = prev;
    }
  });

  it('with fits at two points, predicts ratios for an unseen step count from the cascade', async () => {
    const other = await fitDcRatios(pipe, { ...o, steps: 8, guidance: 7 });
    const saved = saveDcFit(pipe.modelId(), other, dir);
    expect(saved.cprFile).toBeDefined();
    const predicted = dcRatiosFor(pipe.modelId(), fit.spacing, 7, 6, dir);
    expect(predicted.source).toBe('cpr');
    expect(predicted.ratios).toHaveLength(7);
    expect(predicted.ratios.slice(0, 2)).toEqual([1, 1]);
    // Far from the fitted points too, the prediction stays in the searched range.
    const [lo, hi] = DC_RATIO_RANGE;
    for (const r of [...predicted.ratios, ...dcRatiosFor(pipe.modelId(), fit.spacing, 40, 12, dir).ratios]) expect(r >= lo && r <= hi, `ρ ${r}`).toBe(true);
  });
});
