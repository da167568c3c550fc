/** CLIPTextModel (transformers) config.json: schema and support checks. */
import { z } from 'zod';
import { parseConfig, unsupported } from '../config-util.js';

/** The keys Reprise reads from a transformers CLIPTextModel config (others pass through). */
export const clipTextConfigSchema = z.looseObject({
  architectures: z.array(z.string()).optional(),
  hidden_size: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  max_position_embeddings: z.number().int().positive().default(77),
  vocab_size: z.number().int().positive(),
  hidden_act: z.string().default('quick_gelu'),
  layer_norm_eps: z.number().positive().default(1e-5),
  eos_token_id: z.number().int().default(2),
  bos_token_id: z.number().int().optional(),
  pad_token_id: z.number().int().optional(),
  projection_dim: z.number().int().optional(),
});

/** A parsed CLIP text config. */
export type ClipTextConfig = z.infer<typeof clipTextConfigSchema>;

/** Parses and checks a CLIP text-encoder config. */
export function resolveClipTextConfig(raw: unknown): ClipTextConfig {
  const C = 'CLIPTextModel';
  const cfg = parseConfig(clipTextConfigSchema, raw, C);
  const arch = cfg.architectures?.[0];
  if (arch !== undefined && arch !== 'CLIPTextModel' && arch !== 'CLIPTextModelWithProjection') unsupported(C, 'architectures', cfg.architectures, 'CLIPTextModel, CLIPTextModelWithProjection');
  if (!['quick_gelu', 'gelu'].includes(cfg.hidden_act)) unsupported(C, 'hidden_act', cfg.hidden_act, 'quick_gelu, gelu');
  if (cfg.hidden_size % cfg.num_attention_heads !== 0) unsupported(C, 'num_attention_heads', cfg.num_attention_heads, `a divisor of hidden_size ${cfg.hidden_size}`);
  return cfg;
}
