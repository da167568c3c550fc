/**
 * AutoencoderKL → two ONNX graphs.
 * Encoder: `image` [B, 3, H, W] in [-1, 1] → `posterior_mean`, `posterior_logvar` [B, 4, H/f, W/f]
 * (after quant_conv; logvar clamped to [-30, 20] as diffusers' DiagonalGaussianDistribution).
 * Decoder: `latent` [B, 4, h, w] → `decoded` [B, 3, h·f, w·f] (post_quant_conv first).
 * scaling_factor / shift_factor are applied by the caller, not the graph.
 */
import type { WeightSource } from '../../io/weights.js';
import { attr, type Value } from '../../onnx/types.js';
import { downsample, fromTokens, resnetBlock, toTokens, upsample } from '../blocks.js';
import { finishBuild, startBuild, type BuildOptions, type BuiltGraph } from '../build-options.js';
import type { Activation, Nn } from '../nn.js';
import { resolveVaeConfig, type VaeConfig } from './config.js';

const EPS = 1e-6;

/** Older diffusers checkpoints name the mid-block attention query/key/value/proj_attn. */
export function legacyVaeAliases(prefix: 'encoder' | 'decoder'): Map<string, string> {
  const m = new Map<string, string>();
  const a = `${prefix}.mid_block.attentions.0`;
  for (const [now, old] of [['to_q', 'query'], ['to_k', 'key'], ['to_v', 'value'], ['to_out.0', 'proj_attn']] as const) {
    m.set(`${a}.${now}.weight`, `${a}.${old}.weight`);
    m.set(`${a}.${now}.bias`, `${a}.${old}.bias`);
  }
  return m;
}

/** Single-head (heads = channels / attention_head_dim) attention with residual, as in the VAE mid block. */
function midAttention(nn: Nn, x: Value, name: string, ch: number, groups: number): Value {
  const h = toTokens(nn, nn.groupNorm(x, `${name}.group_norm`, ch, groups, EPS), ch);
  const q = nn.linear(h, `${name}.to_q`, ch, ch);
  const k = nn.linear(h, `${name}.to_k`, ch, ch);
  const v = nn.linear(h, `${name}.to_v`, ch, ch);
  const o = nn.linear(nn.attention({ q, k, v, heads: 1, headDim: ch, layer: name, upcast: true }), `${name}.to_out.0`, ch, ch);
  return nn.add(fromTokens(nn, o, x, ch), x);
}

function midBlock(nn: Nn, x: Value, name: string, cfg: VaeConfig, act: Activation): Value {
  const ch = cfg.block_out_channels[cfg.block_out_channels.length - 1] as number;
  const res = (v: Value, n: string): Value => resnetBlock(nn, v, n, { inChannels: ch, outChannels: ch, groups: cfg.norm_num_groups, eps: EPS, act });
  let h = res(x, `${name}.resnets.0`);
  if (cfg.mid_block_add_attention) h = midAttention(nn, h, `${name}.attentions.0`, ch, cfg.norm_num_groups);
  return res(h, `${name}.resnets.1`);
}

/** Builds the VAE encoder graph. */
export function buildVaeEncoder(rawConfig: unknown, weights: WeightSource, options: BuildOptions = {}): BuiltGraph {
  const { config: cfg, act } = resolveVaeConfig(rawConfig);
  const parts = startBuild('vae_encoder', weights, { weightAliases: legacyVaeAliases('encoder'), ...options });
  const { g, nn } = parts;
  const boc = cfg.block_out_channels;
  const image = g.input('image', 'float32', ['batch', cfg.in_channels, 'height', 'width']);
  let x = nn.conv2d(nn.fromFloat32(image), 'encoder.conv_in', cfg.in_channels, boc[0] as number, 3);
  let ch = boc[0] as number;
  boc.forEach((out, i) => {
    for (let j = 0; j < cfg.layers_per_block; j++) {
      x = resnetBlock(nn, x, `encoder.down_blocks.${i}.resnets.${j}`, { inChannels: j === 0 ? ch : out, outChannels: out, groups: cfg.norm_num_groups, eps: EPS, act });
    }
    ch = out;
    if (i < boc.length - 1) x = downsample(nn, x, `encoder.down_blocks.${i}.downsamplers.0`, out, 0);
  });
  x = midBlock(nn, x, 'encoder.mid_block', cfg, act);
  x = nn.act(nn.groupNorm(x, 'encoder.conv_norm_out', ch, cfg.norm_num_groups, EPS), act);
  const L = cfg.latent_channels;
  x = nn.conv2d(x, 'encoder.conv_out', ch, 2 * L, 3);
  if (cfg.use_quant_conv) x = nn.conv2d(x, 'quant_conv', 2 * L, 2 * L, 1, { padding: 0 });
  const [mean, logvar] = g.nodeMulti('Split', [nn.toFloat32(x), g.ints([L, L])], 2, { axis: attr.int(1) });
  const clamped = g.node('Clip', [logvar as Value, g.scalar(-30), g.scalar(20)]);
  g.output(mean as Value, 'posterior_mean', 'float32', ['batch', L, 'latent_height', 'latent_width']);
  g.output(clamped, 'posterior_logvar', 'float32', ['batch', L, 'latent_height', 'latent_width']);
  g.metadata['reprise.component'] = 'vae_encoder';
  return finishBuild('AutoencoderKL encoder', parts);
}

/** Builds the VAE decoder graph. */
export function buildVaeDecoder(rawConfig: unknown, weights: WeightSource, options: BuildOptions = {}): BuiltGraph {
  const { config: cfg, act } = resolveVaeConfig(rawConfig);
  const parts = startBuild('vae_decoder', weights, { weightAliases: legacyVaeAliases('decoder'), ...options });
  const { g, nn } = parts;
  const L = cfg.latent_channels;
  const rboc = [...cfg.block_out_channels].reverse();
  const latent = g.input('latent', 'float32', ['batch', L, 'latent_height', 'latent_width']);
  let x = nn.fromFloat32(latent);
  if (cfg.use_post_quant_conv) x = nn.conv2d(x, 'post_quant_conv', L, L, 1, { padding: 0 });
  let ch = rboc[0] as number;
  x = nn.conv2d(x, 'decoder.conv_in', L, ch, 3);
  x = midBlock(nn, x, 'decoder.mid_block', cfg, act);
  rboc.forEach((out, i) => {
    for (let j = 0; j < cfg.layers_per_block + 1; j++) {
      x = resnetBlock(nn, x, `decoder.up_blocks.${i}.resnets.${j}`, { inChannels: j === 0 ? ch : out, outChannels: out, groups: cfg.norm_num_groups, eps: EPS, act });
    }
    ch = out;
    if (i < rboc.length - 1) x = upsample(nn, x, `decoder.up_blocks.${i}.upsamplers.0`, out);
  });
  x = nn.act(nn.groupNorm(x, 'decoder.conv_norm_out', ch, cfg.norm_num_groups, EPS), act);
  x = nn.conv2d(x, 'decoder.conv_out', ch, cfg.out_channels, 3);
  g.output(nn.toFloat32(x), 'decoded', 'float32', ['batch', cfg.out_channels, 'height', 'width']);
  g.metadata['reprise.component'] = 'vae_decoder';
  return finishBuild('AutoencoderKL decoder', parts);
}
