/**
 * The solver registry: one line per family. Everything that lists scheduler classes (config
 * resolution, `--scheduler` choices, the docs table, the contract test) reads this list.
 * Adding a solver: one file in families/ exporting a spec, and one line here.
 */
import type { z } from 'zod';
import type { CommonConfig } from './config.js';
import { dcSolverSpec } from './families/dc-unipc.js';
import { ddimInverseSpec } from './families/ddim-inverse.js';
import { ddimSpec } from './families/ddim.js';
import { ddpmSpec } from './families/ddpm.js';
import { deisSpec } from './families/deis.js';
import { dpmSolverSinglestepSpec } from './families/dpm-solver-singlestep.js';
import { dpmSolverMultistepSpec } from './families/dpm-solver-multistep.js';
import { dpmSolverV3Spec } from './families/dpm-solver-v3.js';
import { eulerSpec } from './families/euler.js';
import { heunSpec } from './families/heun.js';
import { lcmSpec } from './families/lcm.js';
import { pndmSpec } from './families/pndm.js';
import { uniPcSpec } from './families/unipc.js';
import type { SolverSpec } from './spec.js';

/** Every registered solver spec. */
export const SOLVERS = [
  ddimSpec,
  ddimInverseSpec,
  ddpmSpec,
  dpmSolverMultistepSpec,
  eulerSpec,
  heunSpec,
  lcmSpec,
  pndmSpec,
  deisSpec,
  uniPcSpec,
  dpmSolverSinglestepSpec,
  dcSolverSpec,
  dpmSolverV3Spec,
] as const;

/** The union of every registered spec. */
export type Registered = (typeof SOLVERS)[number];

/** Name of a supported diffusers scheduler class. */
export type SchedulerClassName = Registered['className'];

/** A complete scheduler config for one class (discriminated by `className`). */
export type SchedulerConfig = ReturnType<Registered['resolve']>;

/** A registered spec with its types erased (dispatch by class name). */
export type AnySolverSpec = SolverSpec<CommonConfig, unknown, z.ZodType>;

/** The supported diffusers scheduler class names, in registry order. */
export const SCHEDULER_CLASSES: readonly SchedulerClassName[] = SOLVERS.map((s) => s.className);

/** The `--scheduler` names (each spec's id), in registry order. */
export const SOLVER_IDS: readonly string[] = SOLVERS.map((s) => s.id);

/** The ids of the solvers that take the time shift (src/solvers/time-shift.ts), in registry order. */
export const TIME_SHIFT_SOLVER_IDS: readonly string[] = SOLVERS.filter((s) => s.timeShift.supported).map((s) => s.id);

/** True when `name` is a supported scheduler class name. */
export function isSchedulerClassName(name: string): name is SchedulerClassName {
  return (SCHEDULER_CLASSES as readonly string[]).includes(name);
}

/** The spec of a class name (undefined when not registered). */
export function specForClass(className: string): AnySolverSpec | undefined {
  return (SOLVERS as readonly unknown[]).find((s) => (s as AnySolverSpec).className === className) as AnySolverSpec | undefined;
}

/** The spec of a `--scheduler` id or alias, or of a class name (undefined when none matches). */
export function specForName(name: string): AnySolverSpec | undefined {
  const lower = name.toLowerCase();
  const found = (SOLVERS as readonly unknown[]).find((s) => {
    const spec = s as AnySolverSpec;
    return spec.id === lower || (spec.aliases ?? []).includes(lower);
  });
  return (found as AnySolverSpec | undefined) ?? specForClass(name);
}
