/**
 * UNet2DConditionModel → ONNX. Inputs: `sample` [B, C, H, W], `timestep` [B] (float32,
 * one per sample), `encoder_hidden_states` [B, L, D], and `timestep_cond` [B, time_cond_proj_dim]
 * for LCM models. Output: `out` [B, C_out, H, W], plus `attn:<layer>` probes on request.
 */
import type { WeightSource } from '../../io/weights.js';
import { attr, type Value } from '../../onnx/types.js';
import { downsample, resnetBlock, upsample } from '../blocks.js';
import { finishBuild, startBuild, type BuildOptions, type BuiltGraph } from '../build-options.js';
import type { Nn } from '../nn.js';
import { resolveUnetConfig, type UnetPlan } from './config.js';
import { spatialTransformer, type TransformerOptions } from './transformer.js';

/** Builds the UNet graph for a diffusers config.json object and its weights. */
export function buildUnet(rawConfig: unknown, weights: WeightSource, options: BuildOptions = {}): BuiltGraph {
  const plan = resolveUnetConfig(rawConfig);
  const parts = startBuild('unet', weights, options);
  const { g, nn } = parts;
  const cfg = plan.config;
  const sample = g.input('sample', 'float32', ['batch', cfg.in_channels, 'height', 'width']);
  const timestep = g.input('timestep', 'float32', ['batch']);
  const context32 = g.input('encoder_hidden_states', 'float32', ['batch', 'sequence', plan.crossAttentionDim]);
  const cond = cfg.time_cond_proj_dim === null ? undefined : g.input('timestep_cond', 'float32', ['batch', cfg.time_cond_proj_dim]);

  const temb = timeEmbedding(nn, plan, timestep, sample, cond);
  const tembAct = { value: nn.act(temb, plan.act), channels: plan.timeEmbedDim };
  const context = nn.fromFloat32(context32);
  const topts: TransformerOptions = { groups: plan.groups, linearProjection: cfg.use_linear_projection, upcastAttention: cfg.upcast_attention };
  const resnet = (x: Value, name: string, inC: number, outC: number, scale = 1): Value =>
    resnetBlock(nn, x, name, { inChannels: inC, outChannels: outC, groups: plan.groups, eps: cfg.norm_eps, act: plan.act, temb: tembAct, outputScaleFactor: scale });

  let x = nn.fromFloat32(sample);
  if (cfg.center_input_sample) x = g.node('Sub', [nn.mul(x, nn.scalar(2)), nn.scalar(1)]);
  x = nn.conv2d(x, 'conv_in', cfg.in_channels, cfg.block_out_channels[0] as number, cfg.conv_in_kernel);

  const skips: Value[] = [x];
  plan.down.forEach((b, i) => {
    const name = `down_blocks.${i}`;
    for (let j = 0; j < b.resnets; j++) {
      x = resnet(x, `${name}.resnets.${j}`, j === 0 ? b.inChannels : b.outChannels, b.outChannels);
      if (b.transformer) x = spatialTransformer(nn, x, context, `${name}.attentions.${j}`, b.outChannels, b.transformer, topts);
      skips.push(x);
    }
    if (b.resample) {
      x = downsample(nn, x, `${name}.downsamplers.0`, b.outChannels, cfg.downsample_padding);
      skips.push(x);
    }
  });

  if (plan.mid) {
    const ch = cfg.block_out_channels[cfg.block_out_channels.length - 1] as number;
    x = resnet(x, 'mid_block.resnets.0', ch, ch, cfg.mid_block_scale_factor);
    for (let l = 0; l < 1; l++) {
      x = spatialTransformer(nn, x, context, `mid_block.attentions.${l}`, ch, plan.mid, topts);
      x = resnet(x, `mid_block.resnets.${l + 1}`, ch, ch, cfg.mid_block_scale_factor);
    }
  }

  plan.up.forEach((b, i) => {
    const name = `up_blocks.${i}`;
    for (let j = 0; j < b.resnets; j++) {
      const skip = skips.pop() as Value;
      const skipCh = j === b.resnets - 1 ? b.inChannels : b.outChannels;
      const inCh = j === 0 ? b.prevOutChannels : b.outChannels;
      x = g.node('Concat', [x, skip], { axis: attr.int(1) });
      x = resnet(x, `${name}.resnets.${j}`, inCh + skipCh, b.outChannels);
      if (b.transformer) x = spatialTransformer(nn, x, context, `${name}.attentions.${j}`, b.outChannels, b.transformer, topts);
    }
    if (b.resample) x = upsample(nn, x, `${name}.upsamplers.0`, b.outChannels, skips[skips.length - 1]);
  });

  const lastCh = cfg.block_out_channels[0] as number;
  x = nn.act(nn.groupNorm(x, 'conv_norm_out', lastCh, plan.groups, cfg.norm_eps), plan.act);
  x = nn.conv2d(x, 'conv_out', lastCh, cfg.out_channels, cfg.conv_out_kernel);
  g.output(nn.toFloat32(x), 'out', 'float32', ['batch', cfg.out_channels, 'height', 'width']);
  g.metadata['reprise.component'] = 'unet';
  return finishBuild('UNet2DConditionModel', parts);
}

/**
 * Sinusoidal timestep embedding (diffusers get_timestep_embedding) then TimestepEmbedding MLP.
 * Frequencies are computed with float32 rounding at each step, as torch does.
 */
function timeEmbedding(nn: Nn, plan: UnetPlan, timestep: Value, sample: Value, cond: Value | undefined): Value {
  const { g } = nn;
  const cfg = plan.config;
  const dim = plan.timeInputDim;
  const half = Math.floor(dim / 2);
  const freqs = new Float32Array(half);
  const negLog = Math.fround(-Math.log(10000));
  for (let i = 0; i < half; i++) {
    freqs[i] = Math.fround(Math.exp(Math.fround(Math.fround(negLog * i) / (half - cfg.freq_shift))));
  }
  // Broadcast a [1] timestep to the batch, like diffusers' timesteps.expand(batch).
  const batch = g.node('Slice', [g.node('Shape', [sample]), g.ints([0]), g.ints([1])]);
  const t = g.node('Expand', [timestep, batch]);
  const args = g.node('Mul', [g.node('Unsqueeze', [t, g.ints([1])]), g.constant('float32', [half], freqs)]);
  const sin = g.node('Sin', [args]);
  const cos = g.node('Cos', [args]);
  let emb = g.node('Concat', cfg.flip_sin_to_cos ? [cos, sin] : [sin, cos], { axis: attr.int(-1) });
  if (dim % 2 === 1) emb = g.node('Pad', [emb, g.ints([0, 0, 0, 1])], { mode: attr.string('constant') });
  emb = nn.fromFloat32(emb);
  if (cond) emb = nn.add(emb, nn.linear(nn.fromFloat32(cond), 'time_embedding.cond_proj', cfg.time_cond_proj_dim ?? 0, dim, false));
  let h = nn.linear(emb, 'time_embedding.linear_1', dim, plan.timeEmbedDim);
  h = nn.act(h, plan.act);
  return nn.linear(h, 'time_embedding.linear_2', plan.timeEmbedDim, plan.timeEmbedDim);
}
