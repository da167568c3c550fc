/**
 * The `scheduler` override of an edit: the registered solver that advances the TARGET branches
 * while the source branch keeps the record's own rule (so it still reconstructs the record
 * exactly). It means something only for records whose latent is a z_T sampled by the DDIM rule
 * (DDIM and negative-prompt inversions, DDIM generations): every branch then starts from the same
 * z_T, and a target branch may follow any solver that calls the model once per record step, at
 * the record's timesteps, in the variance-preserving frame (one batched UNet call per step, with
 * the same attention controls for every branch). Methods with their own rule (EF-DDPM, BDIA, EDICT,
 * DDCM) are refused with a ConfigError naming the method, never silently ignored.
 */
import { ConfigError } from '../errors.js';
import type { Inversion } from '../inversion/record.js';
import type { BranchPredict, StepEndHook } from '../inversion/types.js';
import { createSchedulerFromConfig, requireSpec, resolveSchedulerConfig, SOLVER_IDS, specForName, type Scheduler, type SchedulerConfig } from '../solvers/index.js';
import { Random } from '../util/random.js';

/** Record methods whose latent is a DDIM-sampled z_T (the target branches may take another solver). */
export const Z_T_METHODS: ReadonlySet<string> = new Set(['ddim', 'negative-prompt']);

/** Why `scheduler` cannot edit records of `method` (undefined when it can). */
export function ownRuleMessage(name: string, method: string): string | undefined {
  return Z_T_METHODS.has(method) ? undefined : `scheduler "${name}" cannot be used to edit a ${method} record: ${method} samples with its own rule (its stored latents only regenerate the image under that rule)`;
}

/** What an edit asks for: a registry name (id, alias or class name) and Karras σ. */
export interface TargetSchedulerRequest {
  readonly scheduler?: string | undefined;
  readonly karras?: boolean | undefined;
}

/**
 * The resolved config of the solver for the record's target branches, or undefined when none is asked.
 * @throws ConfigError (CONFIG_INVALID, key `scheduler`/`karras`) for a method with its own rule, an
 *   unknown name, karras without a scheduler, or a solver whose model calls do not line up with the record's steps
 */
export function targetSchedulerFor(record: Inversion, request: TargetSchedulerRequest): SchedulerConfig | undefined {
  const { scheduler: name, karras } = request;
  if (name === undefined) {
    if (karras === true) throw new ConfigError('CONFIG_INVALID', 'karras', 'karras needs a scheduler with Karras σ', 'Pass scheduler (e.g. "dpm-solver++", "unipc") with karras.');
    return undefined;
  }
  const own = ownRuleMessage(name, record.method);
  if (own !== undefined) {
    throw new ConfigError(
      'CONFIG_INVALID',
      'scheduler',
      own,
      'Leave out scheduler for this record, or invert the image with method "ddim" (or generate with method "ddim") to edit with another solver.',
    );
  }
  const spec = specForName(name) ?? requireSpec(name);
  const unusable = (why: string): ConfigError =>
    new ConfigError('CONFIG_INVALID', 'scheduler', `scheduler "${name}" cannot drive the target branches of this ${record.method} record: ${why}`, `Choose a solver that calls the model once per step at the record's timesteps (e.g. ddim, dpm-solver++, deis, unipc; choices: ${SOLVER_IDS.join(', ')}).`);
  if (spec.sampleFrame !== 'vp') throw unusable('it samples in the σ frame, the record in the variance-preserving one');
  let config: SchedulerConfig;
  let probe: Scheduler;
  try {
    // The record's own spacing (its DDIM plan), not the target class's default, so the steps can line up.
    const own = resolveSchedulerConfig(record.schedule.config, 'DDIMScheduler');
    const spacing = { timestep_spacing: own.timestepSpacing, steps_offset: own.stepsOffset ?? 0 };
    config = resolveSchedulerConfig({ ...(record.schedule.config as Record<string, unknown>), ...spacing, _class_name: spec.className, ...(karras === true ? { use_karras_sigmas: true } : {}) }, spec.className);
    probe = createSchedulerFromConfig(config);
    probe.setTimesteps(record.schedule.steps);
  } catch (e) {
    throw unusable(e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e));
  }
  const mine = probe.timesteps.join(', ');
  const theirs = record.schedule.timesteps.join(', ');
  if (mine !== theirs) throw unusable(`with ${record.schedule.steps} steps it calls the model at timesteps [${mine}], the record steps through [${theirs}]`);
  return config;
}

/** A predictor and step hook that step branches 1… with the target scheduler (branch 0 keeps the record's rule). */
export interface TargetStepping {
  readonly predict: BranchPredict;
  readonly onStepEnd: StepEndHook;
}

/**
 * Wraps the edit's predictor: it keeps each target branch's input and ε of the step, and after
 * the record's rule has stepped every branch, replaces each target branch's latent (in place) by
 * its own scheduler's step from that input. Stochastic solvers draw from a fixed generator per branch.
 */
export function targetStepping(predict: BranchPredict, config: SchedulerConfig, steps: number, branches: number): TargetStepping {
  const epsConfig = { ...config, predictionType: 'epsilon' } as SchedulerConfig;
  const schedulers = Array.from({ length: branches }, () => {
    const s = createSchedulerFromConfig(epsConfig);
    s.setTimesteps(steps);
    return s;
  });
  const generators = Array.from({ length: branches }, () => new Random(0, 0x5eed));
  const stochastic = schedulers[0]?.isStochastic() === true;
  let pending: { t: number; inputs: Float32Array[]; eps: Float32Array[] } | undefined;
  return {
    predict: async (latents, t, step) => {
      const out = await predict(latents, t, step);
      pending = { t, inputs: latents.map((z) => Float32Array.from(z)), eps: out.map((p) => Float32Array.from(p.eps)) };
      return out;
    },
    onStepEnd: (_step, latents) => {
      const p = pending;
      if (p === undefined) return;
      pending = undefined;
      for (let b = 1; b < latents.length; b++) {
        const s = schedulers[b] as Scheduler;
        const next = s.step(p.eps[b] as Float32Array, p.t, p.inputs[b] as Float32Array, stochastic ? { generator: generators[b] as Random } : {}).prevSample;
        (latents[b] as Float32Array).set(next);
      }
    },
  };
}
