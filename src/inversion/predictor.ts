/**
 * A {@link BranchPredict} over a plain UNet: one batched call per timestep, stacked
 * [uncond of each branch…, cond of each branch…] (branches with guidance 1 still send the
 * uncond row, keeping the batch layout — and so the arithmetic — identical for every call).
 * CFG (with rescale) is applied to the raw model output, then converted to ε and x̂0.
 */
import { alphaBarAtTime, classifierFreeGuidance, noiseLevelFromAlphaBar, toDenoised } from '../solvers/index.js';
import type { UnetModel } from '../runtime/load.js';
import type { HostTensor } from '../runtime/session.js';
import type { BranchConditioning, BranchPrediction, BranchPredict, SamplingPlan } from './types.js';
import { ConfigError } from '../errors.js';

/** Stacks branch latents twice ([uncond rows…, cond rows…]) and the matching embeddings. */
export function stackBranches(latents: readonly Float32Array[], conds: readonly BranchConditioning[], latentSize: number): { sample: Float32Array; context: Float32Array } {
  const n = latents.length;
  const ctxSize = conds[0]?.cond.length ?? 0;
  const sample = new Float32Array(2 * n * latentSize);
  const context = new Float32Array(2 * n * ctxSize);
  latents.forEach((z, b) => {
    sample.set(z, b * latentSize);
    sample.set(z, (n + b) * latentSize);
    const c = conds[b] as BranchConditioning;
    context.set(c.uncond, b * ctxSize);
    context.set(c.cond, (n + b) * ctxSize);
  });
  return { sample, context };
}

/** Applies CFG per branch to a [2n, …] model output and converts it to ε and x̂0. */
export function guideBranches(out: Float32Array, latents: readonly Float32Array[], conds: readonly BranchConditioning[], plan: SamplingPlan, t: number): BranchPrediction[] {
  const n = latents.length;
  const size = out.length / (2 * n);
  // Fractional t: Euler/Heun timesteps of a scheduler run.
  const level = noiseLevelFromAlphaBar(alphaBarAtTime(plan.schedule, t));
  return latents.map((z, b) => {
    const c = conds[b] as BranchConditioning;
    const u = out.slice(b * size, (b + 1) * size);
    const k = out.subarray((n + b) * size, (n + b + 1) * size);
    const guided = classifierFreeGuidance(u, k, { scale: c.guidance, ...(c.guidanceRescale ? { rescale: c.guidanceRescale } : {}) });
    const d = toDenoised(plan.predictionType, guided, z, level);
    return { eps: d.eps, x0: d.x0 };
  });
}

/** Builds the predictor for fixed per-branch conditionings. */
export function unetBranchPredictor(unet: UnetModel, plan: SamplingPlan, conds: readonly BranchConditioning[], options: { timestepCond?: Float32Array } = {}): BranchPredict {
  const [C, H, W] = plan.latentShape;
  const latentSize = C * H * W;
  return async (latents, t) => {
    if (latents.length !== conds.length) throw new ConfigError('CONFIG_INVALID', 'latents', `the predictor was built for ${conds.length} branch(es), got ${latents.length} latent(s)`, 'Pass one latent per conditioning the predictor was built with.');
    const n = latents.length;
    const { sample, context } = stackBranches(latents, conds, latentSize);
    const ctxSize = (conds[0]?.cond.length ?? 0);
    const D = unetContextDim(unet, ctxSize);
    const feeds: { sample: HostTensor; timestep: Float32Array; encoderHiddenStates: HostTensor; timestepCond?: HostTensor } = {
      sample: { data: sample, dims: [2 * n, C, H, W] },
      timestep: new Float32Array(2 * n).fill(t),
      encoderHiddenStates: { data: context, dims: [2 * n, ctxSize / D, D] },
    };
    if (options.timestepCond) {
      const k = options.timestepCond.length;
      const tc = new Float32Array(2 * n * k);
      for (let i = 0; i < 2 * n; i++) tc.set(options.timestepCond, i * k);
      feeds.timestepCond = { data: tc, dims: [2 * n, k] };
    }
    const r = await unet.run(feeds);
    return guideBranches(r.out.data as Float32Array, latents, conds, plan, t);
  };
}

function unetContextDim(unet: UnetModel, ctxSize: number): number {
  const d = unet.contextDim;
  if (ctxSize % d !== 0) throw new ConfigError('CONFIG_INVALID', 'cross_attention_dim', `a text embedding of ${ctxSize} values is not a multiple of the UNet's cross_attention_dim ${d}`, "The text encoder and the UNet do not belong together: check the folder's text_encoder/config.json hidden_size against unet/config.json cross_attention_dim.");
  return d;
}
