/**
 * Per-step control tensors for the controlled UNet from an edit plan: which cross-attention
 * layers follow the prompt-to-prompt coefficients, which self-attention layers copy the
 * source's probabilities (prompt-to-prompt: layers with ≤ 16² query tokens) and which attend
 * to the source's keys and values (mutual self-attention).
 */
import type { CrossAttentionControls, StepRange } from './alignment/index.js';
import type { AttentionLayerInfo, ControlTensors, ControlledUnetModel, UnetPlace } from './controlled-unet.js';
import { ConfigError } from '../errors.js';

/** Which layers a control applies to. Empty = all. */
export interface LayerSelection {
  readonly places?: readonly UnetPlace[];
  /** Query-token counts (h·w), e.g. [256] for 16×16 layers of a 64×64 latent. */
  readonly queryTokens?: readonly number[];
  /** Only layers with at most this many query tokens. */
  readonly maxQueryTokens?: number;
  /** Only layers with at least this many query tokens. */
  readonly minQueryTokens?: number;
}

/** Everything that decides the control tensors of a step. */
export interface AttentionPlan {
  /** One entry per target branch; undefined = no cross-attention control for that target. */
  readonly cross: readonly (CrossAttentionControls | undefined)[];
  readonly crossLayers?: LayerSelection;
  /** Self-attention replacement window [start, end) in steps (none when undefined). */
  readonly selfReplace?: StepRange;
  /** Default: layers with ≤ 256 query tokens, as the reference. */
  readonly selfLayers?: LayerSelection;
  /** Mutual self-attention window [start, end) in steps (none when undefined). */
  readonly mutual?: StepRange;
  readonly mutualLayers?: LayerSelection;
}

function selected(layer: AttentionLayerInfo, s: LayerSelection | undefined): boolean {
  if (!s) return true;
  if (s.places && s.places.length > 0 && !s.places.includes(layer.place)) return false;
  if (s.queryTokens && s.queryTokens.length > 0 && !s.queryTokens.includes(layer.queryTokens)) return false;
  if (s.maxQueryTokens !== undefined && layer.queryTokens > s.maxQueryTokens) return false;
  if (s.minQueryTokens !== undefined && layer.queryTokens < s.minQueryTokens) return false;
  return true;
}

const inWindow = (w: StepRange | undefined, step: number): boolean => w !== undefined && step >= w[0] && step < w[1];

/** The control tensors of `step` (0 = noisiest). `layers` comes from attentionLayerInfo for the latent size. */
export function stepControlTensors(unet: ControlledUnetModel, layers: readonly AttentionLayerInfo[], plan: AttentionPlan, step: number): ControlTensors {
  const c = unet.neutralControls();
  const E = unet.edits;
  const T = unet.textLength;
  if (plan.cross.length !== E) throw new ConfigError('CONFIG_INVALID', 'targets', `the attention plan has ${plan.cross.length} target(s), the controlled graph ${E}`, 'Build the plan and the controlled UNet for the same targets.');
  const byName = new Map(layers.map((l) => [l.name, l]));
  plan.cross.forEach((ctl, e) => {
    if (!ctl) return;
    c.crossMapper.set(ctl.mapper, e * T * T);
  });
  const coefs = plan.cross.map((ctl) => (ctl ? { src: ctl.coefSrc(Math.min(step, ctl.steps)), self: ctl.coefSelf(Math.min(step, ctl.steps)) } : undefined));
  unet.index.cross.forEach((name, l) => {
    const info = byName.get(name);
    if (!info || !selected(info, plan.crossLayers)) return;
    coefs.forEach((k, e) => {
      if (!k) return;
      c.crossSrc.set(k.src, (l * E + e) * T);
      c.crossSelf.set(k.self, (l * E + e) * T);
    });
  });
  const selfOn = inWindow(plan.selfReplace, step);
  const mutualOn = inWindow(plan.mutual, step);
  unet.index.self.forEach((name, l) => {
    const info = byName.get(name);
    if (!info) return;
    if (selfOn && selected(info, plan.selfLayers ?? { maxQueryTokens: 256 })) c.selfReplace[l] = 1;
    if (mutualOn && selected(info, plan.mutualLayers)) c.mutual[l] = 1;
  });
  return c;
}
