/**
 * eval:solvers' parts: the cases come from the registry (every solver measured or left out with
 * a reason), NFE → steps never exceeds the budget, the MSE against the reference is zero for the
 * reference's own path and falls with NFE for a smooth model, the best-solver headline and the
 * picture follow the rows.
 */
import { describe, expect, it } from 'vitest';
import { samplingPlanFromConfig } from '../../src/inversion/plan.js';
import { SOLVERS, specOf } from '../../src/solvers/index.js';
import { RepriseError } from '../../src/errors.js';
import type { SchedulerConfig } from '../../src/solvers/index.js';
import { solverCase, solverCases, stepsForNfe, type SolverCase } from '../../tools/eval/solvers/cases.js';
import { parseSolverEvalOptions } from '../../tools/eval/solvers/options.js';
import { linesOf, logRange, solverPlotSvg } from '../../tools/eval/solvers/plot.js';
import { bestCells, solverMarkdown } from '../../tools/eval/solvers/report.js';
import { runSolverEval, type SolverEvalRow } from '../../tools/eval/solvers/run.js';
import { analyticPredict, SD1_SCHEDULER } from '../inversion/helpers.js';

const folder = { ...SD1_SCHEDULER, timestep_spacing: 'linspace' };

describe('eval:solvers cases', () => {
  it('measures every registered solver or names why it is left out', () => {
    const { cases, skipped } = solverCases(folder);
    expect(cases.length + skipped.length).toBe(SOLVERS.length);
    expect(new Set([...cases.map((c) => c.id), ...skipped.map((s) => s.id)])).toEqual(new Set(SOLVERS.map((s) => s.id)));
    expect(skipped.map((s) => s.id)).toEqual(['ddim-inverse']);
    expect(skipped[0]?.reason).toContain('timestep_spacing');
    // At trailing spacing the inverse DDIM resolves, and is left out because it does not sample.
    const trailing = solverCases({ ...SD1_SCHEDULER, timestep_spacing: 'trailing' }).skipped;
    expect(trailing.find((s) => s.id === 'ddim-inverse')?.reason).toContain('does not sample');
    expect(cases.find((c) => c.id === 'ddpm')?.stochastic).toBe(true);
    expect(cases.find((c) => c.id === 'dpm-solver++')?.stochastic).toBe(false);
  });

  it('picks the most steps whose model calls fit the NFE', () => {
    for (const c of solverCases(folder).cases) {
      for (const nfe of [5, 6, 8, 10]) {
        const fit = stepsForNfe(c.config, nfe);
        if (!fit) continue;
        const spec = specOf(c.config);
        expect(fit.calls).toBe(spec.modelCalls(c.config, fit.steps));
        expect(fit.calls).toBeLessThanOrEqual(nfe);
        if (fit.steps < nfe) expect(spec.modelCalls(c.config, fit.steps + 1)).toBeGreaterThan(nfe);
      }
    }
    const heun = solverCase(folder, { id: 'heun' });
    expect(stepsForNfe(heun.config, 10)).toEqual({ steps: 5, calls: 9 });
    expect(stepsForNfe(solverCase(folder, { id: 'ddim' }).config, 7)).toEqual({ steps: 7, calls: 7 });
  });

  it('refuses bad flags naming them', () => {
    expect(() => parseSolverEvalOptions({ nfe: '5,x' })).toThrow(/--nfe/);
    expect(() => parseSolverEvalOptions({ judgeNfe: '0' })).toThrow(/--judge-nfe/);
    expect(parseSolverEvalOptions({}).reference).toBe(500);
    // Every solver and the reference start at t = T − 1 unless asked otherwise.
    expect(parseSolverEvalOptions({}).spacing).toBe('trailing');
    expect(() => parseSolverEvalOptions({ spacing: 'karras' })).toThrow(/--spacing/);
  });
});

describe('eval:solvers run', () => {
  const shape = [4, 4, 4] as const;
  const plan = samplingPlanFromConfig(folder, 10, shape);
  const prompts = [0, 1].map((k) => ({ cond: new Float32Array([k]), uncond: new Float32Array([0]) }));
  const predictor = (c: { readonly guidance: number }) => analyticPredict(plan, [0.02 * c.guidance]);

  it("is zero for the reference's own path and falls with NFE for the multistep solvers", async () => {
    const ddim = solverCase(folder, { id: 'ddim' });
    const cases = [ddim, solverCase(folder, { id: 'dpm-solver++' }), solverCase(folder, { id: 'unipc' })];
    const rows = await runSolverEval({ cases, reference: { config: ddim.config, steps: 40 }, nfes: [5, 10, 40], guidances: [1, 3], prompts, latentSize: 64, seed: 3, predictor });
    expect(rows).toHaveLength(2 * 3 * 3);
    const at = (g: number, n: number, s: string): number => rows.find((r) => r.guidance === g && r.nfe === n && r.solver === s)?.mse as number;
    for (const g of [1, 3]) {
      expect(at(g, 40, 'ddim')).toBe(0);
      for (const s of ['ddim', 'dpm-solver++', 'unipc']) expect(at(g, 10, s)).toBeLessThan(at(g, 5, s));
      for (const s of ['dpm-solver++', 'unipc']) expect(at(g, 10, s)).toBeLessThan(at(g, 10, 'ddim'));
    }
  });

  it('checks the reference against a second converged solver: zero for the same path, the end-point gap otherwise', async () => {
    const ddim = solverCase(folder, { id: 'ddim' });
    const checks: { guidance: number; mse: number }[] = [];
    const base = { cases: [], reference: { config: ddim.config, steps: 40 }, nfes: [5], guidances: [1, 3], prompts, latentSize: 64, seed: 3, predictor };
    await runSolverEval({ ...base, check: { label: 'ddim', config: ddim.config, steps: 40 }, onCheck: (r) => checks.push(r) });
    expect(checks).toEqual([{ guidance: 1, solver: 'ddim', steps: 40, mse: 0 }, { guidance: 3, solver: 'ddim', steps: 40, mse: 0 }]);
    const other: number[] = [];
    await runSolverEval({ ...base, check: { label: 'dpm-solver++', config: solverCase(folder, { id: 'dpm-solver++' }).config, steps: 40 }, onCheck: (r) => other.push(r.mse) });
    expect(other).toHaveLength(2);
    for (const m of other) expect(m).toBeGreaterThan(0);
  });

  it('samples fitted solvers with their fit, and leaves a cell without one empty with the command that makes it', async () => {
    const ddim = solverCase(folder, { id: 'ddim' });
    const dc = solverCases(folder).cases.find((c) => c.id === 'dc-unipc');
    expect(dc?.config.className).toBe('DCSolverMultistepScheduler');
    const asked: [number, number][] = [];
    const configFor = (c: SolverCase, steps: number, guidance: number): SchedulerConfig => {
      if (c.id !== 'dc-unipc') return c.config;
      asked.push([steps, guidance]);
      if (guidance === 3) throw new RepriseError('CONFIG_INVALID', 'no ratios', { hint: 'run reprise fit-solver dc' });
      return { ...c.config, dcRatios: new Array<number>(steps).fill(1) } as SchedulerConfig;
    };
    const unipc = solverCase(folder, { id: 'unipc' });
    const rows = await runSolverEval({ cases: [unipc, dc as SolverCase], reference: { config: ddim.config, steps: 20 }, nfes: [5], guidances: [1, 3], prompts, latentSize: 64, seed: 3, predictor, configFor });
    expect(asked).toEqual([[5, 1], [5, 3]]);
    const cell = (g: number, s: string) => rows.find((r) => r.guidance === g && r.solver === s);
    // Neutral ratios are UniPC bit for bit, so the MSE is UniPC's.
    expect(cell(1, 'dc-unipc')?.mse).toBe(cell(1, 'unipc')?.mse);
    expect(cell(3, 'dc-unipc')?.mse).toBeNull();
    expect(cell(3, 'dc-unipc')?.note).toBe('no ratios (run reprise fit-solver dc)');
  });
});

describe('eval:solvers report and picture', () => {
  const row = (solver: string, nfe: number, mse: number | null, stochastic = false): SolverEvalRow => ({ guidance: 3, nfe, solver, steps: nfe, calls: nfe, mse, stochastic });
  const rows = [row('dpm-solver++', 5, 0.1), row('unipc', 5, 0.07), row('ddpm', 5, 0.01, true), row('dpm-solver++', 10, 0.01), row('unipc', 10, 0.02), row('ddpm', 10, null, true)];

  it('names the best deterministic solver and its gain over DPM-Solver++', () => {
    const best = bestCells(rows);
    expect(best.map((b) => [b.nfe, b.best])).toEqual([
      [5, 'unipc'],
      [10, 'dpm-solver++'],
    ]);
    expect(best[0]?.gain).toBeCloseTo(0.3, 12);
    expect(best[1]?.gain).toBe(0);
    const md = solverMarkdown(rows);
    expect(md).toContain('| `unipc` | 7.00e-2 (0.70) | 2.00e-2 (2.00) |');
    expect(md).toContain('| `ddpm` (stochastic) | 1.00e-2 (0.10) | — |');
    // A diverged run's ratio in exponent form.
    expect(solverMarkdown([row('dpm-solver++', 5, 0.1), row('dc-unipc', 5, 2.5e20)])).toContain('| `dc-unipc` | 2.50e+20 (2.5e+21) |');
  });

  it('draws one line per solver on a log axis, higher MSE lower on the picture', () => {
    expect(logRange([0.07, 0.1, 0.01])).toEqual({ lo: -2, hi: -1 });
    const lines = linesOf(rows, 3);
    expect(lines.get('ddpm')).toEqual([[5, 0.01]]);
    const svg = solverPlotSvg(rows, 'a < b');
    expect(svg).toContain('a &lt; b');
    const polylines = [...svg.matchAll(/<polyline[^>]*points="([^"]+)"/g)].map((m) => (m[1] as string).split(' ').map((p) => p.split(',').map(Number)));
    expect(polylines).toHaveLength(2); // ddpm has one point: a dot, no line
    const [dpm] = polylines as [number[][]];
    // dpm-solver++: 0.1 at NFE 5 is one decade above 0.01 at NFE 10 → smaller y (SVG y grows downwards).
    expect((dpm[0] as number[])[1]).toBeLessThan((dpm[1] as number[])[1] as number);
    expect((dpm[0] as number[])[0]).toBeLessThan((dpm[1] as number[])[0] as number);
  });
});
