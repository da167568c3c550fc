/**
 * The solvers `eval:solvers` compares: every registered solver that samples (noise → image; the
 * inverse DDIM is left out by its ascending plan, not by name) with its class defaults, so a
 * solver added to the registry is measured without touching this file; plus any extra variants
 * (Karras σ, class keys) a caller asks for.
 */
import { RepriseError } from '../../../src/errors.js';
import { createNoiseSchedule, resolveSchedulerConfig, setTimesteps, SOLVERS, specOf, type AnySolverSpec, type SchedulerConfig, type TimeShiftOptions } from '../../../src/solvers/index.js';

/** One compared solver: a registry id with a resolved config. */
export interface SolverCase {
  /** Row label: the id, plus `-karras` or the overridden keys. */
  readonly label: string;
  readonly id: string;
  readonly config: SchedulerConfig;
  readonly stochastic: boolean;
  /** Time-shift sampling (src/solvers/time-shift.ts), handed to sampleWithScheduler. */
  readonly timeShift?: TimeShiftOptions;
}

/** A variant on top of the registry's defaults. */
export interface CaseVariant {
  readonly id: string;
  readonly label?: string;
  /** Raw diffusers keys (snake_case) laid over the folder's config, e.g. `{ use_karras_sigmas: true }`. */
  readonly keys?: Readonly<Record<string, unknown>>;
  readonly timeShift?: TimeShiftOptions;
}

/** True when the solver's plan visits timesteps in descending order (it samples, not inverts). */
export function samples(config: SchedulerConfig): boolean {
  const plan = setTimesteps(config, 4, createNoiseSchedule(config));
  const ts = plan.timesteps;
  return ts.length > 1 && (ts[0] as number) > (ts[ts.length - 1] as number);
}

/** The case of solver `id` on the folder's raw scheduler config with `keys` laid over it. */
export function solverCase(folderConfig: Readonly<Record<string, unknown>>, variant: CaseVariant): SolverCase {
  const spec = (SOLVERS as readonly AnySolverSpec[]).find((s) => s.id === variant.id);
  if (!spec) throw new Error(`invariant: no registered solver ${variant.id}`);
  const config = resolveSchedulerConfig({ ...folderConfig, _class_name: spec.className, ...(variant.keys ?? {}) }, spec.className);
  return { label: variant.label ?? variant.id, id: spec.id, config, stochastic: specOf(config).stochastic(config, {}), ...(variant.timeShift ? { timeShift: variant.timeShift } : {}) };
}

/** A registered solver left out, and why. */
export interface SkippedSolver {
  readonly id: string;
  readonly reason: string;
}

/**
 * Every sampling solver of the registry with its defaults, then the variants; a solver whose
 * class refuses the folder's config (e.g. a spacing it does not have) or that does not sample
 * is listed in `skipped` with the reason.
 */
export function solverCases(folderConfig: Readonly<Record<string, unknown>>, variants: readonly CaseVariant[] = []): { readonly cases: SolverCase[]; readonly skipped: SkippedSolver[] } {
  const cases: SolverCase[] = [];
  const skipped: SkippedSolver[] = [];
  for (const v of [...(SOLVERS as readonly AnySolverSpec[]).map((s): CaseVariant => ({ id: s.id })), ...variants]) {
    let c: SolverCase;
    try {
      c = solverCase(folderConfig, v);
    } catch (e) {
      if (!(e instanceof RepriseError)) throw e;
      // A fitted solver (DC-Solver) resolves on its contract stand-in; the eval's `configFor` swaps in the real fit.
      const spec = (SOLVERS as readonly AnySolverSpec[]).find((x) => x.id === v.id);
      const stand = spec?.contractKeys?.(4);
      if (stand === undefined) {
        skipped.push({ id: v.label ?? v.id, reason: e.message });
        continue;
      }
      c = solverCase(folderConfig, { ...v, keys: { ...(v.keys ?? {}), ...stand } });
    }
    if (samples(c.config)) cases.push(c);
    else skipped.push({ id: c.label, reason: 'does not sample (its timesteps ascend: noise from an image)' });
  }
  return { cases, skipped };
}

/**
 * The step count whose model calls come closest to `nfe` without exceeding it (Heun: 2 calls
 * a step but 1 on the last; PNDM: one warm-up call more), with the calls it makes; undefined
 * when even the fewest steps the class runs need more.
 */
export function stepsForNfe(config: SchedulerConfig, nfe: number): { readonly steps: number; readonly calls: number } | undefined {
  const spec = specOf(config);
  const min = spec.minSteps?.(config) ?? 1;
  for (let steps = nfe; steps >= min; steps--) {
    const calls = spec.modelCalls(config, steps);
    if (calls <= nfe) return { steps, calls };
  }
  return undefined;
}
