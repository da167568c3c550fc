/** Building blocks shared by the UNet and the VAE: ResnetBlock2D, Downsample2D, Upsample2D, spatial reshapes. */
import { attr, type Value } from '../onnx/types.js';
import type { Activation, Nn } from './nn.js';

/** diffusers ResnetBlock2D (time_embedding_norm 'default'). */
export function resnetBlock(
  nn: Nn,
  x: Value,
  name: string,
  o: {
    inChannels: number;
    outChannels: number;
    groups: number;
    eps: number;
    act: Activation;
    /** Activated time embedding [B, T] (already passed through the nonlinearity), or none (VAE). */
    temb?: { value: Value; channels: number };
    outputScaleFactor?: number;
  },
): Value {
  const { g } = nn;
  let h = nn.groupNorm(x, `${name}.norm1`, o.inChannels, o.groups, o.eps);
  h = nn.act(h, o.act);
  h = nn.conv2d(h, `${name}.conv1`, o.inChannels, o.outChannels, 3);
  if (o.temb) {
    const t = nn.linear(o.temb.value, `${name}.time_emb_proj`, o.temb.channels, o.outChannels);
    h = nn.add(h, g.node('Unsqueeze', [t, g.ints([2, 3])]));
  }
  h = nn.groupNorm(h, `${name}.norm2`, o.outChannels, o.groups, o.eps);
  h = nn.act(h, o.act);
  h = nn.conv2d(h, `${name}.conv2`, o.outChannels, o.outChannels, 3);
  const shortcut = o.inChannels !== o.outChannels ? nn.conv2d(x, `${name}.conv_shortcut`, o.inChannels, o.outChannels, 1, { padding: 0 }) : x;
  let y = nn.add(shortcut, h);
  const s = o.outputScaleFactor ?? 1;
  if (s !== 1) y = g.node('Div', [y, nn.scalar(s)]);
  return y;
}

/** diffusers Downsample2D with a conv (padding 0 pads right/bottom by one, as diffusers does). */
export function downsample(nn: Nn, x: Value, name: string, channels: number, padding: number): Value {
  let h = x;
  if (padding === 0) {
    h = nn.g.node('Pad', [h, nn.g.ints([0, 0, 0, 0, 0, 0, 1, 1])], { mode: attr.string('constant') });
  }
  return nn.conv2d(h, `${name}.conv`, channels, channels, 3, { stride: 2, padding });
}

/**
 * diffusers Upsample2D: nearest-neighbour ×2 (or to `sizeLike`'s spatial size, as diffusers
 * does for odd sizes) then a 3×3 conv.
 */
export function upsample(nn: Nn, x: Value, name: string, channels: number, sizeLike?: Value): Value {
  const { g } = nn;
  const nearest = { mode: attr.string('nearest'), coordinate_transformation_mode: attr.string('asymmetric'), nearest_mode: attr.string('floor') };
  let up: Value;
  if (sizeLike) {
    const sizes = g.node('Concat', [slice(nn, g.node('Shape', [x]), 0, 2), slice(nn, g.node('Shape', [sizeLike]), 2, 4)], { axis: attr.int(0) });
    up = g.node('Resize', [x, undefined, undefined, sizes], nearest);
  } else {
    up = g.node('Resize', [x, undefined, g.constant('float32', [4], [1, 1, 2, 2])], nearest);
  }
  return nn.conv2d(up, `${name}.conv`, channels, channels, 3);
}

function slice(nn: Nn, v: Value, start: number, end: number): Value {
  return nn.g.node('Slice', [v, nn.g.ints([start]), nn.g.ints([end])]);
}

/** [B, C, H, W] → [B, H·W, C]. */
export function toTokens(nn: Nn, x: Value, channels: number): Value {
  const t = nn.g.node('Transpose', [x], { perm: attr.ints([0, 2, 3, 1]) });
  return nn.g.node('Reshape', [t, nn.g.ints([0, -1, channels])]);
}

/** [B, H·W, C] → [B, C, H, W] with H, W taken from `like` ([B, ?, H, W]). */
export function fromTokens(nn: Nn, tokens: Value, like: Value, channels: number): Value {
  const { g } = nn;
  const shape = g.node('Shape', [like]);
  const bhw = g.node('Gather', [shape, g.ints([0, 2, 3])], { axis: attr.int(0) });
  const target = g.node('Concat', [bhw, g.ints([channels])], { axis: attr.int(0) });
  const nhwc = g.node('Reshape', [tokens, target]);
  return g.node('Transpose', [nhwc], { perm: attr.ints([0, 3, 1, 2]) });
}
