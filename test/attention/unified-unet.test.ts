import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlledUnetModel } from '../../src/attention/controlled-unet.js';
import { loadModelUnets, unetAttentionLayers } from '../../src/attention/unified-unet.js';
import { maxRelativeError } from '../../src/conformance/compare.js';
import { DiffusionModel } from '../../src/editing/model.js';
import { paramSpecs, randomWeightSource, writeRandomComponent } from '../../src/models/random-weights.js';
import { writeRandomModel } from '../../src/models/random-model.js';
import { UnetModel } from '../../src/runtime/load.js';
import { Random } from '../../src/util/random.js';
import { tempDir, tinyUnetSd1, tinyUnetSd2 } from '../helpers.js';

const T = 77;
const D = 24;
const HW = 8;
const n = 4 * HW * HW;

function inputs(rng: Random, batch: number) {
  return {
    sample: { data: rng.normals(batch * n), dims: [batch, 4, HW, HW] },
    timestep: new Float32Array(batch).fill(500),
    encoderHiddenStates: { data: rng.normals(batch * T * D), dims: [batch, T, D] },
  };
}

describe('one UNet graph for plain and controlled use', () => {
  it('with neutral controls (E = 0) the unified graph is the plain UNet bit for bit (SD 1.x and 2.x, batch 1 and 2)', async () => {
    for (const [config, seed] of [[tinyUnetSd1, 3], [tinyUnetSd2, 4]] as const) {
      const dir = path.join(tempDir(), 'unet');
      writeRandomComponent(dir, 'unet', config, { seed });
      const plain = await UnetModel.load(dir, { cache: false });
      const unets = await loadModelUnets(dir, { cache: false });
      expect(unets.unified).toBe(true);
      expect(unets.unet.graph.session.inputNames).toContain('ctrl_cross_mapper');
      for (const batch of [1, 2]) {
        const x = inputs(new Random(seed * 10 + batch), batch);
        const a = (await plain.run(x)).out.data as Float32Array;
        const b = await unets.unet.run(x);
        expect(b.attention.size).toBe(0); // the plain view fetches only `out`
        expect(Buffer.from((b.out.data as Float32Array).buffer).equals(Buffer.from(a.buffer))).toBe(true);
      }
    }
  });

  it('one graph serves every target count: with neutral controls each branch of E = 1 and E = 2 is the plain UNet of that branch', async () => {
    const weights = randomWeightSource(paramSpecs('unet', tinyUnetSd2), 21);
    const plain = await UnetModel.fromWeights(tinyUnetSd2, weights, { cache: false });
    const cross = unetAttentionLayers(tinyUnetSd2).filter((l) => l.endsWith('attn2'));
    const base = await ControlledUnetModel.fromWeights(tinyUnetSd2, weights, { cache: false, edits: 0, attentionOutputs: cross });
    for (const E of [1, 2]) {
      const view = base.withEdits(E, [cross[0] as string]);
      expect(view.graph.session).toBe(base.graph.session);
      const x = inputs(new Random(E), 2 * (E + 1));
      const r = await view.run({ ...x, controls: view.neutralControls() });
      expect([...r.attention.keys()]).toEqual([cross[0]]);
      const ref = (await plain.run(x)).out.data as Float32Array;
      expect(maxRelativeError(r.out.data as Float32Array, ref)).toBeLessThan(1e-5);
    }
  });

  it('a model creates one UNet session: plain, every target count and stored maps are views of it', async () => {
    const folder = writeRandomModel(path.join(tempDir(), 'model'), { seed: 6 });
    const m = await DiffusionModel.load(folder, { cache: false });
    const one = await m.controlledUnet(1);
    const three = await m.controlledUnet(3, [m.unet.graph.attentionLayers.find((l) => l.endsWith('attn2')) as string]);
    expect(one.graph.session).toBe(m.unet.graph.session);
    expect(three.graph.session).toBe(m.unet.graph.session);
    expect([one.edits, three.edits]).toEqual([1, 3]);
  });
});
