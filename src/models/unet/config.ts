/** UNet2DConditionModel config.json: schema, support checks, and the resolved per-block plan. */
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import { parseConfig, perBlock, unsupported } from '../config-util.js';
import type { Activation } from '../nn.js';

const intOrList = z.union([z.number().int().positive(), z.array(z.number().int().positive())]);

/** The keys Reprise reads from a diffusers UNet2DConditionModel config (others pass through). */
export const unetConfigSchema = z.looseObject({
  _class_name: z.string().optional(),
  in_channels: z.number().int().positive(),
  out_channels: z.number().int().positive(),
  block_out_channels: z.array(z.number().int().positive()).min(1),
  down_block_types: z.array(z.string()).min(1),
  up_block_types: z.array(z.string()).min(1),
  mid_block_type: z.string().nullable().default('UNetMidBlock2DCrossAttn'),
  layers_per_block: intOrList,
  attention_head_dim: intOrList.nullable().default(8),
  num_attention_heads: intOrList.nullable().default(null),
  cross_attention_dim: intOrList,
  transformer_layers_per_block: intOrList.default(1),
  reverse_transformer_layers_per_block: z.unknown().nullable().default(null),
  norm_num_groups: z.number().int().positive().nullable().default(32),
  norm_eps: z.number().positive().default(1e-5),
  act_fn: z.string().default('silu'),
  flip_sin_to_cos: z.boolean().default(true),
  freq_shift: z.number().default(0),
  downsample_padding: z.number().int().nonnegative().default(1),
  mid_block_scale_factor: z.number().default(1),
  center_input_sample: z.boolean().default(false),
  use_linear_projection: z.boolean().default(false),
  upcast_attention: z.boolean().default(false),
  only_cross_attention: z.union([z.boolean(), z.array(z.boolean())]).default(false),
  dual_cross_attention: z.boolean().default(false),
  mid_block_only_cross_attention: z.boolean().nullable().default(null),
  class_embed_type: z.string().nullable().default(null),
  num_class_embeds: z.number().nullable().default(null),
  addition_embed_type: z.string().nullable().default(null),
  encoder_hid_dim: z.number().nullable().default(null),
  encoder_hid_dim_type: z.string().nullable().default(null),
  time_embedding_type: z.string().default('positional'),
  time_embedding_dim: z.number().int().positive().nullable().default(null),
  time_embedding_act_fn: z.string().nullable().default(null),
  timestep_post_act: z.string().nullable().default(null),
  time_cond_proj_dim: z.number().int().positive().nullable().default(null),
  conv_in_kernel: z.number().int().positive().default(3),
  conv_out_kernel: z.number().int().positive().default(3),
  resnet_time_scale_shift: z.string().default('default'),
  resnet_skip_time_act: z.boolean().default(false),
  cross_attention_norm: z.string().nullable().default(null),
  attention_type: z.string().default('default'),
  class_embeddings_concat: z.boolean().default(false),
  dropout: z.number().default(0),
  sample_size: z.union([z.number().int().positive(), z.array(z.number().int().positive())]).nullable().default(null),
});

/** A parsed UNet config. */
export type UnetConfig = z.infer<typeof unetConfigSchema>;

/** One transformer stack (Transformer2DModel) in a block. */
export interface TransformerPlan {
  readonly heads: number;
  readonly headDim: number;
  readonly layers: number;
  readonly crossDim: number;
}

/** One down or up block. */
export interface BlockPlan {
  readonly kind: 'down' | 'up';
  readonly crossAttention: boolean;
  readonly inChannels: number;
  readonly outChannels: number;
  /** Up blocks: channels of the previous up block's output. */
  readonly prevOutChannels: number;
  readonly resnets: number;
  readonly transformer: TransformerPlan | undefined;
  /** Downsample (down blocks) or upsample (up blocks) after the block. */
  readonly resample: boolean;
}

/** The resolved architecture of a UNet. */
export interface UnetPlan {
  readonly config: UnetConfig;
  readonly act: Activation;
  readonly groups: number;
  readonly timeInputDim: number;
  readonly timeEmbedDim: number;
  readonly down: BlockPlan[];
  readonly mid: TransformerPlan | undefined;
  readonly up: BlockPlan[];
  readonly crossAttentionDim: number;
}

const C = 'UNet2DConditionModel';
const DOWN_TYPES = ['CrossAttnDownBlock2D', 'DownBlock2D'];
const UP_TYPES = ['CrossAttnUpBlock2D', 'UpBlock2D'];

/** Parses a raw config.json object and resolves the block plan; unsupported options are errors. */
export function resolveUnetConfig(raw: unknown): UnetPlan {
  const cfg = parseConfig(unetConfigSchema, raw, C);
  if (cfg._class_name !== undefined && cfg._class_name !== C) unsupported(C, '_class_name', cfg._class_name, C);
  const act = cfg.act_fn === 'swish' ? 'silu' : cfg.act_fn;
  if (act !== 'silu' && act !== 'gelu' && act !== 'relu') unsupported(C, 'act_fn', cfg.act_fn, 'silu (swish), gelu, relu');
  const checks: Array<[string, unknown, unknown]> = [
    ['time_embedding_type', cfg.time_embedding_type, 'positional'],
    ['resnet_time_scale_shift', cfg.resnet_time_scale_shift, 'default'],
    ['resnet_skip_time_act', cfg.resnet_skip_time_act, false],
    ['dual_cross_attention', cfg.dual_cross_attention, false],
    ['class_embed_type', cfg.class_embed_type, null],
    ['num_class_embeds', cfg.num_class_embeds, null],
    ['addition_embed_type', cfg.addition_embed_type, null],
    ['encoder_hid_dim', cfg.encoder_hid_dim, null],
    ['encoder_hid_dim_type', cfg.encoder_hid_dim_type, null],
    ['time_embedding_act_fn', cfg.time_embedding_act_fn, null],
    ['timestep_post_act', cfg.timestep_post_act, null],
    ['cross_attention_norm', cfg.cross_attention_norm, null],
    ['attention_type', cfg.attention_type, 'default'],
    ['reverse_transformer_layers_per_block', cfg.reverse_transformer_layers_per_block, null],
    ['class_embeddings_concat', cfg.class_embeddings_concat, false],
  ];
  for (const [key, value, ok] of checks) if (value !== ok) unsupported(C, key, value, JSON.stringify(ok));
  if (cfg.only_cross_attention !== false && !(Array.isArray(cfg.only_cross_attention) && cfg.only_cross_attention.every((x) => !x))) {
    unsupported(C, 'only_cross_attention', cfg.only_cross_attention, 'false');
  }
  if (cfg.mid_block_only_cross_attention === true) unsupported(C, 'mid_block_only_cross_attention', true, 'null or false');
  if (cfg.norm_num_groups === null) unsupported(C, 'norm_num_groups', null, 'a positive integer');
  if (cfg.conv_in_kernel % 2 === 0) unsupported(C, 'conv_in_kernel', cfg.conv_in_kernel, 'odd kernel sizes');
  if (cfg.conv_out_kernel % 2 === 0) unsupported(C, 'conv_out_kernel', cfg.conv_out_kernel, 'odd kernel sizes');
  if (cfg.mid_block_type !== null && cfg.mid_block_type !== 'UNetMidBlock2DCrossAttn') {
    unsupported(C, 'mid_block_type', cfg.mid_block_type, 'UNetMidBlock2DCrossAttn or null');
  }

  const n = cfg.block_out_channels.length;
  if (cfg.down_block_types.length !== n || cfg.up_block_types.length !== n) {
    throw new ConfigError('CONFIG_INVALID', 'down_block_types', `${C}: block_out_channels has ${n} entries but down_block_types ${cfg.down_block_types.length} and up_block_types ${cfg.up_block_types.length}`, 'Give one block type per entry of block_out_channels.');
  }
  cfg.down_block_types.forEach((t, i) => DOWN_TYPES.includes(t) || unsupported(C, `down_block_types[${i}]`, t, DOWN_TYPES.join(', ')));
  cfg.up_block_types.forEach((t, i) => UP_TYPES.includes(t) || unsupported(C, `up_block_types[${i}]`, t, UP_TYPES.join(', ')));

  // diffusers: num_attention_heads = num_attention_heads or attention_head_dim (a historical misnomer).
  const headsRaw = cfg.num_attention_heads ?? cfg.attention_head_dim;
  if (headsRaw === null) throw new ConfigError('CONFIG_INVALID', 'attention_head_dim', `${C}: neither num_attention_heads nor attention_head_dim is set`, 'Set attention_head_dim (heads per block) as in the diffusers config.');
  const heads = perBlock(C, 'num_attention_heads', headsRaw, n);
  const crossDims = perBlock(C, 'cross_attention_dim', cfg.cross_attention_dim, n);
  const tLayers = perBlock(C, 'transformer_layers_per_block', cfg.transformer_layers_per_block, n);
  const layers = perBlock(C, 'layers_per_block', cfg.layers_per_block, n);
  const boc = cfg.block_out_channels;
  const groups = cfg.norm_num_groups;

  const transformer = (channels: number, h: number, l: number, cross: number, where: string): TransformerPlan => {
    if (channels % h !== 0) {
      throw new ConfigError('CONFIG_INVALID', 'attention_head_dim', `${C}: ${where} has ${channels} channels, not divisible by ${h} heads`, 'attention_head_dim / num_attention_heads must divide the block channels.');
    }
    return { heads: h, headDim: channels / h, layers: l, crossDim: cross };
  };

  const down: BlockPlan[] = [];
  let outCh = boc[0] as number;
  for (let i = 0; i < n; i++) {
    const inCh = outCh;
    outCh = boc[i] as number;
    const cross = cfg.down_block_types[i] === 'CrossAttnDownBlock2D';
    down.push({
      kind: 'down',
      crossAttention: cross,
      inChannels: inCh,
      outChannels: outCh,
      prevOutChannels: inCh,
      resnets: layers[i] as number,
      transformer: cross ? transformer(outCh, heads[i] as number, tLayers[i] as number, crossDims[i] as number, `down_blocks.${i}`) : undefined,
      resample: i < n - 1,
    });
  }
  const last = boc[n - 1] as number;
  const mid = cfg.mid_block_type === null ? undefined : transformer(last, heads[n - 1] as number, tLayers[n - 1] as number, crossDims[n - 1] as number, 'mid_block');

  const rBoc = [...boc].reverse();
  const rHeads = [...heads].reverse();
  const rCross = [...crossDims].reverse();
  const rTLayers = [...tLayers].reverse();
  const rLayers = [...layers].reverse();
  const up: BlockPlan[] = [];
  let prevOut = rBoc[0] as number;
  for (let i = 0; i < n; i++) {
    const o = rBoc[i] as number;
    const inCh = rBoc[Math.min(i + 1, n - 1)] as number;
    const cross = cfg.up_block_types[i] === 'CrossAttnUpBlock2D';
    up.push({
      kind: 'up',
      crossAttention: cross,
      inChannels: inCh,
      outChannels: o,
      prevOutChannels: prevOut,
      resnets: (rLayers[i] as number) + 1,
      transformer: cross ? transformer(o, rHeads[i] as number, rTLayers[i] as number, rCross[i] as number, `up_blocks.${i}`) : undefined,
      resample: i < n - 1,
    });
    prevOut = o;
  }
  const timeInputDim = boc[0] as number;
  return {
    config: cfg,
    act,
    groups,
    timeInputDim,
    timeEmbedDim: cfg.time_embedding_dim ?? timeInputDim * 4,
    down,
    mid,
    up,
    crossAttentionDim: crossDims[0] as number,
  };
}
