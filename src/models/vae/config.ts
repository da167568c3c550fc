/** AutoencoderKL config.json: schema and support checks. */
import { z } from 'zod';
import { parseConfig, unsupported } from '../config-util.js';
import type { Activation } from '../nn.js';

/** The keys Reprise reads from a diffusers AutoencoderKL config (others pass through). */
export const vaeConfigSchema = z.looseObject({
  _class_name: z.string().optional(),
  in_channels: z.number().int().positive().default(3),
  out_channels: z.number().int().positive().default(3),
  latent_channels: z.number().int().positive().default(4),
  block_out_channels: z.array(z.number().int().positive()).min(1),
  down_block_types: z.array(z.string()).min(1),
  up_block_types: z.array(z.string()).min(1),
  layers_per_block: z.number().int().positive().default(1),
  norm_num_groups: z.number().int().positive().default(32),
  act_fn: z.string().default('silu'),
  scaling_factor: z.number().positive().default(0.18215),
  shift_factor: z.number().nullable().default(null),
  mid_block_add_attention: z.boolean().default(true),
  use_quant_conv: z.boolean().default(true),
  use_post_quant_conv: z.boolean().default(true),
  force_upcast: z.boolean().default(true),
  latents_mean: z.unknown().nullable().default(null),
  latents_std: z.unknown().nullable().default(null),
  sample_size: z.union([z.number(), z.array(z.number())]).optional(),
});

/** A parsed VAE config. */
export type VaeConfig = z.infer<typeof vaeConfigSchema>;

/** Parses and checks a VAE config. */
export function resolveVaeConfig(raw: unknown): { config: VaeConfig; act: Activation } {
  const C = 'AutoencoderKL';
  const cfg = parseConfig(vaeConfigSchema, raw, C);
  if (cfg._class_name !== undefined && cfg._class_name !== C) unsupported(C, '_class_name', cfg._class_name, C);
  const n = cfg.block_out_channels.length;
  cfg.down_block_types.forEach((t, i) => t === 'DownEncoderBlock2D' || unsupported(C, `down_block_types[${i}]`, t, 'DownEncoderBlock2D'));
  cfg.up_block_types.forEach((t, i) => t === 'UpDecoderBlock2D' || unsupported(C, `up_block_types[${i}]`, t, 'UpDecoderBlock2D'));
  if (cfg.down_block_types.length !== n) unsupported(C, 'down_block_types', cfg.down_block_types, `one entry per block_out_channels (${n})`);
  if (cfg.up_block_types.length !== n) unsupported(C, 'up_block_types', cfg.up_block_types, `one entry per block_out_channels (${n})`);
  const act = cfg.act_fn === 'swish' ? 'silu' : cfg.act_fn;
  if (act !== 'silu' && act !== 'gelu' && act !== 'relu') unsupported(C, 'act_fn', cfg.act_fn, 'silu (swish), gelu, relu');
  return { config: cfg, act };
}
