import { describe, expect, it } from 'vitest';
import { ConfigError, WeightsError } from '../../src/errors.js';
import { maxRelativeError } from '../../src/conformance/compare.js';
import { paramSpecs, randomWeightSource } from '../../src/models/random-weights.js';
import { buildUnet } from '../../src/models/unet/build.js';
import { encodeModel } from '../../src/onnx/serialize.js';
import { UnetModel } from '../../src/runtime/load.js';
import { Random } from '../../src/util/random.js';
import { tinyUnetLcm, tinyUnetSd1, tinyUnetSd2 } from '../helpers.js';

function inputs(batch: number, size: number, crossDim: number, seed = 3) {
  const rng = new Random(seed);
  return {
    sample: { data: rng.normals(batch * 4 * size * size), dims: [batch, 4, size, size] },
    timestep: Float32Array.from({ length: batch }, (_, i) => 999 - 500 * i),
    encoderHiddenStates: { data: rng.normals(batch * 77 * crossDim), dims: [batch, 77, crossDim] },
  };
}

async function load(config: object, options: Parameters<typeof UnetModel.fromWeights>[2] = {}) {
  const weights = randomWeightSource(paramSpecs('unet', config), 7);
  return UnetModel.fromWeights(config, weights, { cache: false, ...options });
}

describe('UNet builder on random weights', () => {
  for (const [name, cfg] of [['sd1', tinyUnetSd1], ['sd2 (linear proj, per-block heads, 4 blocks)', tinyUnetSd2]] as const) {
    it(`${name}: output shape, finite values, attention probabilities are distributions`, async () => {
      const built = buildUnet(cfg, randomWeightSource(paramSpecs('unet', cfg), 7));
      const cross = built.attentionLayers.filter((l) => l.endsWith('attn2'));
      const unet = await load(cfg, { attentionOutputs: cross });
      const r = await unet.run(inputs(2, 16, 24));
      expect(r.out.dims).toEqual([2, 4, 16, 16]);
      expect((r.out.data as Float32Array).every(Number.isFinite)).toBe(true);
      expect([...r.attention.keys()].sort()).toEqual([...cross].sort());
      for (const [layer, p] of r.attention) {
        const [bh, q, k] = p.dims as [number, number, number];
        expect(k).toBe(77);
        const heads = bh / 2;
        expect(Number.isInteger(heads)).toBe(true);
        const data = p.data as Float32Array;
        for (let row = 0; row < bh * q; row += 7) {
          let s = 0;
          for (let j = 0; j < k; j++) s += data[row * k + j] as number;
          expect(Math.abs(s - 1), `${layer} row ${row}`).toBeLessThan(1e-5);
        }
      }
    });
  }

  it('per-block heads of an SD 2-style config give the right probability shapes', async () => {
    const layers = ['down_blocks.0.attentions.0.transformer_blocks.0.attn2', 'down_blocks.2.attentions.0.transformer_blocks.0.attn1', 'mid_block.attentions.0.transformer_blocks.0.attn2'];
    const unet = await load(tinyUnetSd2, { attentionOutputs: layers });
    const r = await unet.run(inputs(1, 16, 24));
    // heads [2, 4, 8, 8]; query tokens 16², 4², and the mid block 2².
    expect(r.attention.get(layers[0] as string)?.dims).toEqual([2, 256, 77]);
    expect(r.attention.get(layers[1] as string)?.dims).toEqual([8, 16, 16]);
    expect(r.attention.get(layers[2] as string)?.dims).toEqual([8, 4, 77]);
  });

  it('is deterministic: same bytes for the same build, same output for the same input', async () => {
    const w = randomWeightSource(paramSpecs('unet', tinyUnetSd1), 7);
    const a = encodeModel(buildUnet(tinyUnetSd1, w).graph);
    const b = encodeModel(buildUnet(tinyUnetSd1, w).graph);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
    const unet = await load(tinyUnetSd1);
    const x = inputs(2, 16, 24);
    const r1 = await unet.run(x);
    const r2 = await unet.run(x);
    expect(Array.from(r1.out.data as Float32Array)).toEqual(Array.from(r2.out.data as Float32Array));
  });

  it('timestep is per sample: a batch equals its samples run alone', async () => {
    const unet = await load(tinyUnetSd1);
    const x = inputs(2, 16, 24);
    const both = (await unet.run(x)).out.data as Float32Array;
    const n = 4 * 16 * 16;
    for (let b = 0; b < 2; b++) {
      const one = await unet.run({
        sample: { data: (x.sample.data as Float32Array).slice(b * n, (b + 1) * n), dims: [1, 4, 16, 16] },
        timestep: x.timestep.slice(b, b + 1),
        encoderHiddenStates: { data: (x.encoderHiddenStates.data as Float32Array).slice(b * 77 * 24, (b + 1) * 77 * 24), dims: [1, 77, 24] },
      });
      expect(maxRelativeError(one.out.data as Float32Array, both.slice(b * n, (b + 1) * n))).toBeLessThan(1e-5);
    }
    // and a different timestep changes the output
    const other = await unet.run({ ...x, timestep: Float32Array.of(10, 10) });
    expect(maxRelativeError(other.out.data as Float32Array, both)).toBeGreaterThan(1e-3);
  });

  it('non-square and odd latent sizes work like diffusers (upsampling to the skip size)', async () => {
    const unet = await load(tinyUnetSd1);
    const rng = new Random(5);
    const r = await unet.run({ sample: { data: rng.normals(4 * 12 * 20), dims: [1, 4, 12, 20] }, timestep: Float32Array.of(500), encoderHiddenStates: { data: rng.normals(77 * 24), dims: [1, 77, 24] } });
    expect(r.out.dims).toEqual([1, 4, 12, 20]);
    const odd = await unet.run({ sample: { data: rng.normals(4 * 10 * 10), dims: [1, 4, 10, 10] }, timestep: Float32Array.of(500), encoderHiddenStates: { data: rng.normals(77 * 24), dims: [1, 77, 24] } });
    expect(odd.out.dims).toEqual([1, 4, 10, 10]);
  });

  it('LCM: timestep_cond is an input and changes the output', async () => {
    const unet = await load(tinyUnetLcm);
    expect(unet.graph.session.inputNames).toContain('timestep_cond');
    const x = inputs(1, 16, 24);
    const a = await unet.run({ ...x, timestepCond: { data: new Float32Array(8).fill(0), dims: [1, 8] } });
    const b = await unet.run({ ...x, timestepCond: { data: new Float32Array(8).fill(1), dims: [1, 8] } });
    expect(maxRelativeError(a.out.data as Float32Array, b.out.data as Float32Array)).toBeGreaterThan(1e-4);
  });

  it('fp16 graphs compute within 1e-2 of fp32 (inputs and outputs stay float32)', async () => {
    const x = inputs(2, 16, 24);
    const f32 = await (await load(tinyUnetSd2)).run(x);
    const f16 = await (await load(tinyUnetSd2, { dtype: 'fp16' })).run(x);
    expect(f16.out.data).toBeInstanceOf(Float32Array);
    const err = maxRelativeError(f16.out.data as Float32Array, f32.out.data as Float32Array);
    expect(err).toBeLessThan(1e-2);
    expect(err).toBeGreaterThan(0); // it really ran in half precision
  });
});

describe('UNet config and weight errors', () => {
  const weights = randomWeightSource(paramSpecs('unet', tinyUnetSd1), 1);
  const expectConfigError = (cfg: object, code: string, key: string) => {
    try {
      buildUnet(cfg, weights);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).code).toBe(code);
      expect((e as ConfigError).message).toContain(key);
      return;
    }
    throw new Error('expected a ConfigError');
  };

  it('a missing required key names it', () => {
    const { block_out_channels: _, ...cfg } = tinyUnetSd1;
    expectConfigError(cfg, 'CONFIG_INVALID', 'block_out_channels');
  });

  it('unsupported options name the key and the value', () => {
    expectConfigError({ ...tinyUnetSd1, down_block_types: ['AttnDownBlock2D', 'CrossAttnDownBlock2D', 'DownBlock2D'] }, 'CONFIG_UNSUPPORTED', 'down_block_types[0]');
    expectConfigError({ ...tinyUnetSd1, act_fn: 'mish' }, 'CONFIG_UNSUPPORTED', 'act_fn');
    expectConfigError({ ...tinyUnetSd1, resnet_time_scale_shift: 'scale_shift' }, 'CONFIG_UNSUPPORTED', 'resnet_time_scale_shift');
    expectConfigError({ ...tinyUnetSd1, addition_embed_type: 'text_time' }, 'CONFIG_UNSUPPORTED', 'addition_embed_type');
    expectConfigError({ ...tinyUnetSd1, class_embed_type: 'timestep' }, 'CONFIG_UNSUPPORTED', 'class_embed_type');
  });

  it('inconsistent configs are explained', () => {
    expectConfigError({ ...tinyUnetSd1, attention_head_dim: [2, 2] }, 'CONFIG_INVALID', 'num_attention_heads');
    expectConfigError({ ...tinyUnetSd1, attention_head_dim: 3 }, 'CONFIG_INVALID', 'attention_head_dim');
    expectConfigError({ ...tinyUnetSd1, norm_num_groups: 5 }, 'CONFIG_INVALID', 'norm_num_groups');
  });

  it('missing weights are listed by name', () => {
    const specs = paramSpecs('unet', tinyUnetSd1).filter((s) => !s.name.startsWith('mid_block.attentions.0.transformer_blocks.0.attn2'));
    try {
      buildUnet(tinyUnetSd1, randomWeightSource(specs, 1));
      throw new Error('expected WeightsError');
    } catch (e) {
      expect(e).toBeInstanceOf(WeightsError);
      expect((e as WeightsError).code).toBe('WEIGHTS_MISSING');
      expect((e as Error).message).toContain('mid_block.attentions.0.transformer_blocks.0.attn2.to_q.weight');
      expect((e as Error).message).toMatch(/5 weight tensor\(s\)/);
    }
  });

  it('weights of another config are a shape error naming the tensor', () => {
    const other = randomWeightSource(paramSpecs('unet', { ...tinyUnetSd1, cross_attention_dim: 32 }), 1);
    try {
      buildUnet(tinyUnetSd1, other);
      throw new Error('expected WeightsError');
    } catch (e) {
      expect((e as WeightsError).code).toBe('WEIGHTS_SHAPE');
      expect((e as Error).message).toContain('attn2.to_k.weight');
      expect((e as Error).message).toContain('[32, 32]');
    }
  });

  it('an unknown attention layer lists the real ones', () => {
    try {
      buildUnet(tinyUnetSd1, weights, { attentionOutputs: ['up_blocks.9.attentions.0.transformer_blocks.0.attn2'] });
      throw new Error('expected ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toContain('up_blocks.9');
      expect((e as Error).message).toContain('up_blocks.1.attentions.0.transformer_blocks.0.attn2');
    }
  });
});
