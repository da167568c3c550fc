/**
 * Text-to-image generation whose result comes with an Inversion record that is exact by
 * construction: the sampler's own starting latents (and noise) are the record, so the image is
 * edited exactly like an inverted photo (prompt-to-prompt's original setting). With another
 * scheduler (DPM-Solver++, Euler…) the generated latent is inverted with EF-DDPM, which is exact.
 */
import { checkInversion, type Inversion } from '../inversion/record.js';
import { invert, sampleBranches } from '../inversion/reconstruct.js';
import { resolveInversionOptions } from '../inversion/options.js';
import { GENERATION_METHODS, getInversionMethod } from '../inversion/registry.js';
import type { BranchConditioning, BranchPredict, InversionMethod, SamplingPlan } from '../inversion/types.js';
import { requireSpec, requireTimeShift, SOLVER_IDS, specForName, TIME_SHIFT_SOLVER_IDS, type AnySolverSpec, type SchedulerConfig, type TimeShiftOptions } from '../solvers/index.js';
import { Random } from '../util/random.js';
import { RepriseError } from '../errors.js';
import { sampleWithScheduler } from './scheduler-sampling.js';

/** What generation needs. */
export interface GenerateArgs {
  readonly plan: SamplingPlan;
  readonly schedulerConfig: unknown;
  readonly predict: BranchPredict;
  readonly conditioning: BranchConditioning;
  /** The guidance w of the time-conditioning embedding (LCM UNets), stored in the record. */
  readonly embeddedGuidance?: number;
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly modelId: string;
  readonly seed: number;
  /** A method with its own generation rule (`GENERATION_METHODS`). */
  readonly method: InversionMethod;
  /** Generate with this scheduler instead; the record then comes from EF-DDPM inversion. */
  readonly scheduler?: SchedulerConfig;
  /** The registry id of `scheduler` (stored in the record's schedule.solver) and its Karras flag. */
  readonly solver?: { readonly id: string; readonly karras?: boolean };
  readonly invertPredict?: BranchPredict;
  /** The starting latent z_T (default: drawn from `seed`). */
  readonly start?: Float32Array;
  /** Time-shift sampling with `scheduler` (src/solvers/time-shift.ts). */
  readonly timeShift?: TimeShiftOptions;
}

/** Generates a latent and its record. */
export async function generateLatent(a: GenerateArgs): Promise<Inversion> {
  const [C, H, W] = a.plan.latentShape;
  const size = C * H * W;
  const rng = new Random(a.seed);
  const drawn = rng.normals(size);
  if (a.start !== undefined && a.start.length !== size) {
    throw new RepriseError('CONFIG_INVALID', `latents has ${a.start.length} values but the latent shape [${C}, ${H}, ${W}] needs ${size}`, { hint: 'Pass one unit-variance latent of the generated size (C·H·W values).' });
  }
  const start = a.start ?? drawn;
  const meta = { modelId: a.modelId, schedulerConfig: a.schedulerConfig, prompts: { source: a.prompt, ...(a.negativePrompt ? { negative: a.negativePrompt } : {}) }, conditioning: a.conditioning, ...(a.embeddedGuidance !== undefined ? { embeddedGuidance: a.embeddedGuidance } : {}) };
  if (a.scheduler) {
    const [z0] = await sampleWithScheduler(a.predict, { scheduler: a.scheduler, steps: a.plan.timesteps.length, start, branches: 1, seed: a.seed, ...(a.timeShift ? { timeShift: a.timeShift } : {}) });
    return invert(a.plan, a.invertPredict ?? a.predict, z0 as Float32Array, { method: 'ef-ddpm', seed: a.seed }, { ...meta, ...(a.solver ? { solver: a.solver } : {}) });
  }
  if (a.timeShift !== undefined && a.timeShift.window > 0) {
    throw new RepriseError('CONFIG_INVALID', `timeShift needs a scheduler: method "${a.method}" samples with its own rule`, { hint: `Pass scheduler (one of ${TIME_SHIFT_SOLVER_IDS.join(', ')}) with timeShift.` });
  }
  const steps = a.plan.timesteps.length;
  const base = {
    options: resolveInversionOptions({ method: a.method } as never, { steps }),
    method: a.method,
    modelId: a.modelId,
    schedule: { config: a.schedulerConfig, steps, timesteps: [...a.plan.timesteps], solver: a.method },
    prompts: meta.prompts,
    conditioning: a.conditioning,
    ...(a.embeddedGuidance !== undefined ? { embeddedGuidance: a.embeddedGuidance } : {}),
    latentShape: a.plan.latentShape,
  };
  const spec = getInversionMethod(a.method as string); // the erased spec: dispatch by name
  if (spec.generate === undefined) {
    throw new RepriseError('CONFIG_INVALID', `method "${a.method}" cannot generate images with its own rule`, { hint: `Choose one of ${GENERATION_METHODS.join(', ')}, or a scheduler.` });
  }
  const latents = { method: a.method, ...(await spec.generate({ plan: a.plan, predict: a.predict, start, rng })) } as Inversion['latents'];
  const provisional = { ...base, z0: new Float32Array(size), latents } as Inversion;
  const [z0] = await sampleBranches(provisional, a.predict, 1);
  const record = { ...provisional, z0: z0 as Float32Array } as Inversion;
  checkInversion(record);
  return record;
}

/** Classes whose folders generate with an inversion method's own rule (exact record by construction). */
const METHOD_CLASSES: ReadonlySet<string> = new Set(['DDIMScheduler', 'LCMScheduler']);

/**
 * The solver `generate` samples with: the `scheduler` asked for; none when a `method` is asked
 * for; else the folder's own class (SD 1.5: PNDMScheduler), except DDIM/LCM folders, which keep
 * the DDIM-family method. A class Reprise cannot run is an error naming it and the choices.
 */
export function generationSolver(scheduler: string | undefined, method: string | undefined, folderClass: string | undefined): AnySolverSpec | undefined {
  if (scheduler !== undefined) {
    const spec = specForName(scheduler) ?? requireSpec(scheduler);
    if (spec.className === 'DDIMInverseScheduler') {
      throw new RepriseError('CONFIG_INVALID', 'DDIMInverseScheduler runs image → noise and cannot generate', { hint: `Choose one of ${SOLVER_IDS.filter((i) => i !== 'ddim-inverse').join(', ')}.` });
    }
    return spec;
  }
  if (method !== undefined || folderClass === undefined || METHOD_CLASSES.has(folderClass)) return undefined;
  return requireSpec(folderClass);
}

/**
 * Checks time shift against the generation solver before any work: it needs a scheduler (not a
 * method's own rule) that takes it. Returns whether the shift is on (window > 0).
 * @throws RepriseError (CONFIG_INVALID) without a scheduler; ConfigError (CONFIG_UNSUPPORTED) for a solver that refuses it
 */
export function checkGenerationTimeShift(timeShift: TimeShiftOptions | undefined, spec: AnySolverSpec | undefined): boolean {
  if (timeShift === undefined || timeShift.window === 0) return false;
  if (spec === undefined) {
    throw new RepriseError('CONFIG_INVALID', 'timeShift needs a scheduler, but this generation samples with an inversion method\'s own rule', { hint: `Pass scheduler (one of ${TIME_SHIFT_SOLVER_IDS.join(', ')}) with timeShift.` });
  }
  requireTimeShift(spec, TIME_SHIFT_SOLVER_IDS);
  return true;
}
