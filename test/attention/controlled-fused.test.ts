import { describe, expect, it } from 'vitest';
import { attentionControlFactory } from '../../src/attention/controlled-graph.js';
import { ControlledUnetModel } from '../../src/attention/controlled-unet.js';
import { buildUnet } from '../../src/models/unet/build.js';
import { maxRelativeError } from '../../src/conformance/compare.js';
import { paramSpecs, randomWeightSource } from '../../src/models/random-weights.js';
import { Random } from '../../src/util/random.js';
import { tinyUnetSd2 } from '../helpers.js';

describe('controlled attention in fused form (V-transform over MultiHeadAttention)', () => {
  const weights = randomWeightSource(paramSpecs('unet', tinyUnetSd2), 8);

  it('gives the same output as the probability form under active replace/refine/reweight, self-replace and mutual controls', async () => {
    const ref = await ControlledUnetModel.fromWeights(tinyUnetSd2, weights, { cache: false, edits: 2 });
    const fused = await ControlledUnetModel.fromWeights(tinyUnetSd2, weights, { cache: false, edits: 2, attentionLowering: 'fused' });
    expect(fused.graph.session.inputNames).toEqual(ref.graph.session.inputNames);
    const rng = new Random(2);
    const c = ref.neutralControls();
    // target 1: a token permutation with weights; target 2: identity with a reweight
    const T = 77;
    c.crossMapper.fill(0);
    for (let j = 0; j < T; j++) {
      c.crossMapper[j * T + (j === 2 ? 3 : j === 3 ? 2 : j)] = 1;
      c.crossMapper[T * T + j * T + j] = 1;
    }
    for (let i = 0; i < c.crossSrc.length; i++) {
      c.crossSrc[i] = rng.uniform() * 1.5;
      c.crossSelf[i] = rng.uniform();
    }
    c.selfReplace.forEach((_, i) => (c.selfReplace[i] = i % 2 ? 1 : 0.3));
    c.mutual.forEach((_, i) => (c.mutual[i] = i % 3 ? 0 : 1));
    const x = {
      sample: { data: rng.normals(6 * 4 * 16 * 16), dims: [6, 4, 16, 16] },
      timestep: Float32Array.of(700),
      encoderHiddenStates: { data: rng.normals(6 * 77 * 24), dims: [6, 77, 24] },
      controls: c,
    };
    const a = await ref.run(x);
    const b = await fused.run(x);
    expect(maxRelativeError(b.out.data as Float32Array, a.out.data as Float32Array)).toBeLessThan(1e-5);
    // and the controls matter (so the equality is not vacuous)
    const n = await ref.run({ ...x, controls: ref.neutralControls() });
    expect(maxRelativeError(n.out.data as Float32Array, a.out.data as Float32Array)).toBeGreaterThan(1e-3);
  });

  it('materializes probabilities only for probed layers', () => {
    const probe = 'up_blocks.1.attentions.0.transformer_blocks.0.attn2';
    const built = buildUnet(tinyUnetSd2, weights, { attentionLowering: 'fused', attentionOutputs: [probe], attentionControl: attentionControlFactory({ floatType: 'float32' }) });
    expect(built.graph.nodes.filter((n) => n.opType === 'Softmax')).toHaveLength(1);
    // per controlled layer: one call for the head rows and two for the targets (source-derived and own)
    const mha = built.graph.nodes.filter((n) => n.opType === 'MultiHeadAttention').length;
    expect(mha).toBe(3 * (built.attentionLayers.length - 1));
  });
});
