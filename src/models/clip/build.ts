/**
 * CLIPTextModel → ONNX. Input `input_ids` int64 [B, S] (S ≤ max_position_embeddings).
 * Outputs: `last_hidden_state` [B, S, D] (after the final layer norm), `penultimate_hidden_state`
 * [B, S, D] (output of the second-to-last layer, before the final norm: "clip skip"),
 * `pooler_output` [B, D] (the final-norm state at the eos position: first occurrence of
 * eos_token_id, or the highest id for legacy configs with eos_token_id 2, as transformers does).
 */
import type { WeightSource } from '../../io/weights.js';
import { attr, type Value } from '../../onnx/types.js';
import { finishBuild, startBuild, type BuildOptions, type BuiltGraph } from '../build-options.js';
import { resolveClipTextConfig } from './config.js';

/** Builds the CLIP text encoder graph. */
export function buildClipTextEncoder(rawConfig: unknown, weights: WeightSource, options: BuildOptions = {}): BuiltGraph {
  const cfg = resolveClipTextConfig(rawConfig);
  // transformers ≥ 5 saves CLIPTextModel without the `text_model.` prefix; older checkpoints have it.
  const prefix = weights.info('text_model.embeddings.token_embedding.weight') !== undefined || weights.info('embeddings.token_embedding.weight') === undefined ? 'text_model.' : '';
  const parts = startBuild('text_encoder', weights, options);
  const { g, nn } = parts;
  const D = cfg.hidden_size;
  const H = cfg.num_attention_heads;
  const P = cfg.max_position_embeddings;
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const seqLen = g.node('Slice', [g.node('Shape', [ids]), g.ints([1]), g.ints([2])]);

  const tok = g.node('Gather', [nn.p.param(`${prefix}embeddings.token_embedding.weight`, [cfg.vocab_size, D]), ids], { axis: attr.int(0) });
  const posTable = nn.p.param(`${prefix}embeddings.position_embedding.weight`, [P, D]);
  const pos = g.node('Slice', [posTable, g.ints([0]), seqLen, g.ints([0])]);
  let h = nn.add(tok, pos);

  // Causal mask [S, S]: 0 on and below the diagonal, a large negative number above.
  const mask = new Float32Array(P * P);
  for (let i = 0; i < P; i++) for (let j = i + 1; j < P; j++) mask[i * P + j] = -3.4028234663852886e38;
  const fullMask = nn.floats([P, P], nn.floatType === 'float16' ? mask.map((v) => (v < 0 ? -65504 : 0)) : mask);
  const causal = g.node('Slice', [fullMask, g.ints([0, 0]), g.node('Concat', [seqLen, seqLen], { axis: attr.int(0) }), g.ints([0, 1])]);

  const act = cfg.hidden_act === 'gelu' ? 'gelu' : 'quick_gelu';
  let penultimate: Value | undefined;
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const name = `${prefix}encoder.layers.${l}`;
    const x = nn.layerNorm(h, `${name}.layer_norm1`, D, cfg.layer_norm_eps);
    const q = nn.linear(x, `${name}.self_attn.q_proj`, D, D);
    const k = nn.linear(x, `${name}.self_attn.k_proj`, D, D);
    const v = nn.linear(x, `${name}.self_attn.v_proj`, D, D);
    const a = nn.attention({ q, k, v, heads: H, headDim: D / H, layer: `${name}.self_attn`, upcast: true, mask: causal });
    h = nn.add(h, nn.linear(a, `${name}.self_attn.out_proj`, D, D));
    const y = nn.layerNorm(h, `${name}.layer_norm2`, D, cfg.layer_norm_eps);
    const m = nn.linear(nn.act(nn.linear(y, `${name}.mlp.fc1`, D, cfg.intermediate_size), act), `${name}.mlp.fc2`, cfg.intermediate_size, D);
    h = nn.add(h, m);
    if (l === cfg.num_hidden_layers - 2) penultimate = h;
  }
  const last = nn.layerNorm(h, `${prefix}final_layer_norm`, D, cfg.layer_norm_eps);

  // Pooled output at the eos position.
  const eosIndex =
    cfg.eos_token_id === 2
      ? g.node('ArgMax', [ids], { axis: attr.int(-1), keepdims: attr.int(0) })
      : g.node('ArgMax', [g.node('Cast', [g.node('Equal', [ids, g.constant('int64', [], [cfg.eos_token_id])])], { to: attr.int(6) })], { axis: attr.int(-1), keepdims: attr.int(0) });
  const index = g.node('Expand', [g.node('Unsqueeze', [eosIndex, g.ints([1, 2])]), g.node('Concat', [g.node('Slice', [g.node('Shape', [ids]), g.ints([0]), g.ints([1])]), g.ints([1, D])], { axis: attr.int(0) })]);
  const pooled = g.node('Squeeze', [g.node('GatherElements', [last, index], { axis: attr.int(1) }), g.ints([1])]);

  g.output(nn.toFloat32(last), 'last_hidden_state', 'float32', ['batch', 'sequence', D]);
  g.output(nn.toFloat32(penultimate ?? g.node('Identity', [h])), 'penultimate_hidden_state', 'float32', ['batch', 'sequence', D]);
  g.output(nn.toFloat32(pooled), 'pooler_output', 'float32', ['batch', D]);
  g.metadata['reprise.component'] = 'text_encoder';
  return finishBuild('CLIPTextModel', parts);
}
