/**
 * The editing loop shared by every inversion method: the method's sampler advances the source
 * and target branches together; each model evaluation is one call of the attention-controlled
 * UNet (batch [uncond of each branch…, cond of each branch…]) with that step's control tensors;
 * cross-attention maps feed an attention store; local blend runs between steps.
 */
import { stepControlTensors, type AttentionPlan } from '../attention/step-controls.js';
import { attentionLayerInfo, type ControlledUnetModel } from '../attention/controlled-unet.js';
import { AttentionStore } from '../attention/store.js';
import { blendInPlace, localBlendMasks, type LocalBlendOptions, type UserMask } from '../attention/local-blend.js';
import { guideBranches, stackBranches } from '../inversion/predictor.js';
import { recordPlan, sampleBranches, type SamplingOverrides } from '../inversion/reconstruct.js';
import type { Inversion } from '../inversion/record.js';
import type { BranchConditioning, BranchPredict, StepEndHook } from '../inversion/types.js';
import type { HostTensor } from '../runtime/session.js';
import type { SchedulerConfig } from '../solvers/index.js';
import { targetStepping } from './target-scheduler.js';
import { ConfigError } from '../errors.js';

/** Local blend between steps. */
export interface LocalBlendRun extends LocalBlendOptions {
  /** First step (0 = noisiest) after which blending applies (reference: 0.2 · steps). */
  readonly startStep: number;
  readonly userMask?: UserMask;
}

/** Everything one edit pass needs. */
export interface EditLoopArgs {
  readonly unet: ControlledUnetModel;
  readonly record: Inversion;
  /** Conditioning of each target branch (branch 0 is the record's source conditioning). */
  readonly targets: readonly BranchConditioning[];
  /** Source-branch conditioning (default: the record's, so the source reconstructs exactly). */
  readonly source?: BranchConditioning;
  readonly attention: AttentionPlan;
  /** Cross-attention map size to keep ([height, width], e.g. [16, 16]); needed by local blend. */
  readonly storeSize?: readonly [number, number];
  readonly localBlend?: LocalBlendRun;
  readonly overrides?: SamplingOverrides;
  readonly timestepCond?: Float32Array;
  /** The solver of the target branches (see target-scheduler.ts); default: the record's rule. */
  readonly targetScheduler?: SchedulerConfig;
  readonly onStep?: (step: number, total: number) => void;
}

/** Result of an edit pass. */
export interface EditLoopResult {
  /** Final latent per branch (0 = source). */
  readonly latents: Float32Array[];
  readonly store: AttentionStore | undefined;
  /** Last local-blend masks per branch [latentH·latentW], when local blend ran. */
  readonly masks: Float32Array[] | undefined;
}

/** Runs one edit pass. */
export async function runEditLoop(a: EditLoopArgs): Promise<EditLoopResult> {
  const plan = recordPlan(a.record);
  const [C, H, W] = plan.latentShape;
  const branches = a.targets.length + 1;
  if (a.unet.edits !== a.targets.length) throw new ConfigError('CONFIG_INVALID', 'targets', `the controlled UNet was built for ${a.unet.edits} edit(s), got ${a.targets.length} target(s)`, 'Build the controlled UNet for as many edits as targets (ModelUnets.controlled(targets.length)).');
  const conds = [a.source ?? a.record.conditioning, ...a.targets];
  const layers = attentionLayerInfo(a.unet.config, a.unet.graph.attentionLayers, H, W);
  const needStore = a.storeSize !== undefined || a.localBlend !== undefined;
  const mapSize = a.storeSize ?? ([16, 16] as const);
  const store = needStore ? new AttentionStore({ branches, height: mapSize[0], width: mapSize[1], tokens: a.unet.textLength }) : undefined;
  const stored = new Set<number>();
  const ctxSize = conds[0]?.cond.length ?? 0;
  const D = ctxSize / a.unet.textLength;
  const latentSize = C * H * W;
  const total = plan.timesteps.length;
  const unetPredict: BranchPredict = async (latents, t, step) => {
    const { sample, context } = stackBranches(latents, conds, latentSize);
    const n = 2 * branches;
    const r = await a.unet.run({
      sample: { data: sample, dims: [n, C, H, W] },
      timestep: new Float32Array(n).fill(t),
      encoderHiddenStates: { data: context, dims: [n, a.unet.textLength, D] },
      ...(a.timestepCond ? { timestepCond: repeatRows(a.timestepCond, n) } : {}),
      controls: stepControlTensors(a.unet, layers, a.attention, step),
    });
    if (store && !stored.has(step)) {
      stored.add(step);
      store.addStep(step, r.attention);
    }
    if (!stored.has(-1 - step)) {
      stored.add(-1 - step);
      a.onStep?.(step, total);
    }
    return guideBranches(r.out.data as Float32Array, latents, conds, plan, t);
  };
  const targets = a.targetScheduler ? targetStepping(unetPredict, a.targetScheduler, total, branches) : undefined;
  const predict = targets?.predict ?? unetPredict;
  let masks: Float32Array[] | undefined;
  const lb = a.localBlend;
  const blend: StepEndHook | undefined = lb
    ? (step, latents) => {
        if (step < lb.startStep || !store) return;
        masks = localBlendMasks(store.sum(), mapSize, a.unet.textLength, H, W, lb, lb.userMask);
        blendInPlace(latents, masks, C);
      }
    : undefined;
  // The target solver steps first; local blend then mixes its result with the source.
  const onStepEnd: StepEndHook | undefined =
    targets && blend
      ? async (step, latents) => {
          await targets.onStepEnd(step, latents);
          await blend(step, latents);
        }
      : (targets?.onStepEnd ?? blend);
  const latents = await sampleBranches(a.record, predict, branches, { ...(a.overrides ?? {}), ...(onStepEnd ? { onStepEnd } : {}) });
  return { latents, store, masks };
}

function repeatRows(row: Float32Array, n: number): HostTensor {
  const out = new Float32Array(n * row.length);
  for (let i = 0; i < n; i++) out.set(row, i * row.length);
  return { data: out, dims: [n, row.length] };
}
