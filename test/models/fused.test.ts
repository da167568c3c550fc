import { describe, expect, it } from 'vitest';
import { maxRelativeError } from '../../src/conformance/compare.js';
import { paramSpecs, randomWeightSource } from '../../src/models/random-weights.js';
import { buildUnet } from '../../src/models/unet/build.js';
import { UnetModel } from '../../src/runtime/load.js';
import { Random } from '../../src/util/random.js';
import { tinyUnetSd2 } from '../helpers.js';

describe('fused attention lowering (com.microsoft MultiHeadAttention)', () => {
  const weights = randomWeightSource(paramSpecs('unet', tinyUnetSd2), 4);

  it('replaces every attention layer without probes by one MultiHeadAttention node', () => {
    const probe = 'up_blocks.1.attentions.0.transformer_blocks.0.attn2';
    const ref = buildUnet(tinyUnetSd2, weights);
    const fused = buildUnet(tinyUnetSd2, weights, { attentionLowering: 'fused', attentionOutputs: [probe] });
    const mha = fused.graph.nodes.filter((n) => n.opType === 'MultiHeadAttention');
    expect(mha.length).toBe(ref.attentionLayers.length - 1);
    expect(mha.every((n) => n.domain === 'com.microsoft')).toBe(true);
    expect(fused.graph.nodes.filter((n) => n.opType === 'Softmax').length).toBe(1);
    expect(fused.graph.usedDomains).toContain('com.microsoft');
  });

  it('computes the same UNet output as the reference lowering on the CPU provider (fp32 and fp16)', async () => {
    const rng = new Random(6);
    const x = { sample: { data: rng.normals(2 * 4 * 16 * 16), dims: [2, 4, 16, 16] }, timestep: Float32Array.of(900, 20), encoderHiddenStates: { data: rng.normals(2 * 77 * 24), dims: [2, 77, 24] } };
    const ref = await (await UnetModel.fromWeights(tinyUnetSd2, weights, { cache: false })).run(x);
    const fused = await (await UnetModel.fromWeights(tinyUnetSd2, weights, { cache: false, attentionLowering: 'fused' })).run(x);
    expect(maxRelativeError(fused.out.data as Float32Array, ref.out.data as Float32Array)).toBeLessThan(1e-5);
    const fused16 = await (await UnetModel.fromWeights(tinyUnetSd2, weights, { cache: false, attentionLowering: 'fused', dtype: 'fp16' })).run(x);
    expect(maxRelativeError(fused16.out.data as Float32Array, ref.out.data as Float32Array)).toBeLessThan(1e-2);
  });
});
