import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { attentionControlFactory } from '../../src/attention/controlled-graph.js';
import { loadModelUnets, unetAttentionLayers } from '../../src/attention/unified-unet.js';
import { maxRelativeError } from '../../src/conformance/compare.js';
import { DiffusionModel } from '../../src/editing/model.js';
import { writeRandomComponent } from '../../src/models/random-weights.js';
import { writeRandomModel } from '../../src/models/random-model.js';
import { buildUnet } from '../../src/models/unet/build.js';
import { paramSpecs, randomWeightSource } from '../../src/models/random-weights.js';
import { Random } from '../../src/util/random.js';
import { tempDir, tinyUnetSd1, tinyUnetSd2 } from '../helpers.js';

const T = 77;
const D = 24;

/**
 * The CPU's one UNet graph with the fused lowering: self-attention through MultiHeadAttention
 * (the flash kernel, controls in V-transform form), cross-attention with explicit (probed)
 * probabilities. It must compute what the explicit graph computes, controls included.
 */
describe('unified UNet graph with fused self-attention (CPU default)', () => {
  it('has no self-attention Softmax: one Softmax per cross-attention layer, three MultiHeadAttention calls per self-attention layer', () => {
    const weights = randomWeightSource(paramSpecs('unet', tinyUnetSd2), 5);
    const layers = unetAttentionLayers(tinyUnetSd2);
    const cross = layers.filter((l) => l.endsWith('attn2'));
    const self = layers.filter((l) => l.endsWith('attn1'));
    const built = buildUnet(tinyUnetSd2, weights, { attentionLowering: 'fused', attentionOutputs: cross, attentionControl: attentionControlFactory({ floatType: 'float32' }) });
    expect(self.length).toBeGreaterThan(0);
    expect(built.graph.nodes.filter((n) => n.opType === 'Softmax').length).toBe(cross.length);
    expect(built.graph.nodes.filter((n) => n.opType === 'MultiHeadAttention').length).toBe(3 * self.length);
  });

  it('equals the explicit graph (out and stored cross-attention maps) under active cross, self-replace and mutual controls, SD 1.x and 2.x', async () => {
    for (const [config, seed] of [[tinyUnetSd1, 31], [tinyUnetSd2, 32]] as const) {
      const dir = path.join(tempDir(), 'unet');
      writeRandomComponent(dir, 'unet', config, { seed });
      const ref = await loadModelUnets(dir, { cache: false });
      const fused = await loadModelUnets(dir, { cache: false, attentionLowering: 'fused' });
      expect(fused.unified).toBe(true);
      expect(fused.unet.graph.session.inputNames).toEqual(ref.unet.graph.session.inputNames);
      const cross = ref.unet.graph.attentionLayers.filter((l) => l.endsWith('attn2'));
      const a = await ref.controlled(2, cross);
      const b = await fused.controlled(2, cross);
      const rng = new Random(seed);
      const c = a.neutralControls();
      c.crossMapper.fill(0);
      for (let j = 0; j < T; j++) {
        c.crossMapper[j * T + (j === 2 ? 3 : j === 3 ? 2 : j)] = 1;
        c.crossMapper[T * T + j * T + j] = 1;
      }
      for (let i = 0; i < c.crossSrc.length; i++) {
        c.crossSrc[i] = rng.uniform() * 1.5;
        c.crossSelf[i] = rng.uniform();
      }
      c.selfReplace.forEach((_, i) => (c.selfReplace[i] = i % 2 ? 1 : 0.4));
      c.mutual.forEach((_, i) => (c.mutual[i] = i % 3 ? 0 : 1));
      const x = {
        sample: { data: rng.normals(6 * 4 * 16 * 16), dims: [6, 4, 16, 16] },
        timestep: Float32Array.of(600),
        encoderHiddenStates: { data: rng.normals(6 * T * D), dims: [6, T, D] },
      };
      const ra = await a.run({ ...x, controls: c });
      const rb = await b.run({ ...x, controls: c });
      expect(maxRelativeError(rb.out.data as Float32Array, ra.out.data as Float32Array)).toBeLessThan(1e-5);
      expect([...rb.attention.keys()].sort()).toEqual([...cross].sort());
      for (const l of cross) expect(maxRelativeError(rb.attention.get(l)?.data as Float32Array, ra.attention.get(l)?.data as Float32Array)).toBeLessThan(1e-5);
      // The self-attention controls change the result (so the equality covers them).
      const noSelf = { ...c, selfReplace: new Float32Array(c.selfReplace.length), mutual: new Float32Array(c.mutual.length) };
      const rn = await b.run({ ...x, controls: noSelf });
      expect(maxRelativeError(rn.out.data as Float32Array, rb.out.data as Float32Array)).toBeGreaterThan(1e-3);
      // The plain view (E = 0) agrees too.
      const p = { sample: { data: x.sample.data.subarray(0, 2 * 4 * 16 * 16), dims: [2, 4, 16, 16] }, timestep: Float32Array.of(600), encoderHiddenStates: { data: x.encoderHiddenStates.data.subarray(0, 2 * T * D), dims: [2, T, D] } };
      expect(maxRelativeError((await fused.unet.run(p)).out.data as Float32Array, (await ref.unet.run(p)).out.data as Float32Array)).toBeLessThan(1e-5);
    }
  });

  it('is what a model loads on the CPU by default, still one UNet session', async () => {
    const folder = writeRandomModel(path.join(tempDir(), 'model'), { seed: 7 });
    const m = await DiffusionModel.load(folder, { cache: false });
    expect(m.options.attentionLowering).toBe('fused');
    expect((await m.controlledUnet(2)).graph.session).toBe(m.unet.graph.session);
  });
});
