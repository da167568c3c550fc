/** diffusers Transformer2DModel with BasicTransformerBlocks (self-attention, cross-attention, GEGLU). */
import { attr, type Value } from '../../onnx/types.js';
import { fromTokens, toTokens } from '../blocks.js';
import type { Nn } from '../nn.js';
import type { TransformerPlan } from './config.js';

/** Options shared by every transformer in one UNet. */
export interface TransformerOptions {
  readonly groups: number;
  readonly linearProjection: boolean;
  readonly upcastAttention: boolean;
}

/** diffusers Attention (to_q/to_k/to_v without bias, to_out.0 with bias). */
export function attentionLayer(nn: Nn, x: Value, context: Value | undefined, name: string, dim: number, contextDim: number, heads: number, headDim: number, upcast: boolean): Value {
  const inner = heads * headDim;
  const src = context ?? x;
  const srcDim = context ? contextDim : dim;
  const q = nn.linear(x, `${name}.to_q`, dim, inner, false);
  const k = nn.linear(src, `${name}.to_k`, srcDim, inner, false);
  const v = nn.linear(src, `${name}.to_v`, srcDim, inner, false);
  const o = nn.attention({ q, k, v, heads, headDim, layer: name, upcast, kind: context ? 'cross' : 'self' });
  return nn.linear(o, `${name}.to_out.0`, inner, dim);
}

/** GEGLU feed-forward: Linear(dim, 2·4dim) → hidden · gelu(gate) → Linear(4dim, dim). */
function feedForward(nn: Nn, x: Value, name: string, dim: number): Value {
  const inner = dim * 4;
  const proj = nn.linear(x, `${name}.net.0.proj`, dim, inner * 2);
  const [hidden, gate] = nn.g.nodeMulti('Split', [proj, nn.g.ints([inner, inner])], 2, { axis: attr.int(-1) });
  const y = nn.mul(hidden as Value, nn.act(gate as Value, 'gelu'));
  return nn.linear(y, `${name}.net.2`, inner, dim);
}

/** One Transformer2DModel: x [B, C, H, W], context [B, 77, crossDim] → [B, C, H, W]. */
export function spatialTransformer(nn: Nn, x: Value, context: Value, name: string, channels: number, plan: TransformerPlan, o: TransformerOptions): Value {
  const inner = plan.heads * plan.headDim;
  let h = nn.groupNorm(x, `${name}.norm`, channels, o.groups, 1e-6);
  if (o.linearProjection) {
    h = nn.linear(toTokens(nn, h, channels), `${name}.proj_in`, channels, inner);
  } else {
    h = toTokens(nn, nn.conv2d(h, `${name}.proj_in`, channels, inner, 1, { padding: 0 }), inner);
  }
  for (let l = 0; l < plan.layers; l++) {
    const b = `${name}.transformer_blocks.${l}`;
    h = nn.add(attentionLayer(nn, nn.layerNorm(h, `${b}.norm1`, inner, 1e-5), undefined, `${b}.attn1`, inner, inner, plan.heads, plan.headDim, o.upcastAttention), h);
    h = nn.add(attentionLayer(nn, nn.layerNorm(h, `${b}.norm2`, inner, 1e-5), context, `${b}.attn2`, inner, plan.crossDim, plan.heads, plan.headDim, o.upcastAttention), h);
    h = nn.add(feedForward(nn, nn.layerNorm(h, `${b}.norm3`, inner, 1e-5), `${b}.ff`, inner), h);
  }
  let out: Value;
  if (o.linearProjection) {
    out = fromTokens(nn, nn.linear(h, `${name}.proj_out`, inner, channels), x, channels);
  } else {
    out = nn.conv2d(fromTokens(nn, h, x, inner), `${name}.proj_out`, inner, channels, 1, { padding: 0 });
  }
  return nn.add(out, x);
}
