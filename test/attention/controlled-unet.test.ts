import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlledUnetModel, attentionLayerInfo } from '../../src/attention/controlled-unet.js';
import { maxRelativeError } from '../../src/conformance/compare.js';
import { openSafetensors } from '../../src/io/safetensors.js';
import type { WeightSource } from '../../src/io/weights.js';
import { openComponentWeights } from '../../src/models/folder.js';
import { paramSpecs, randomWeightSource } from '../../src/models/random-weights.js';
import { UnetModel } from '../../src/runtime/load.js';
import { Random } from '../../src/util/random.js';
import { fixturesDir, tinyUnetSd2 } from '../helpers.js';

const T = 77;
const D = 24;
const HW = 16;
const n = 4 * HW * HW;

/** Batch [src_u, t1_u, t2_u, src_c, t1_c, t2_c] (E = 2). */
function batchInputs(rng: Random, sameTargets: boolean) {
  const E = 2;
  const latent = rng.normals(n);
  const uncond = rng.normals(T * D);
  const cond = rng.normals(T * D);
  const tgtCond = [rng.normals(T * D), rng.normals(T * D)];
  const sample = new Float32Array(2 * (E + 1) * n);
  const ehs = new Float32Array(2 * (E + 1) * T * D);
  for (let b = 0; b < 2 * (E + 1); b++) {
    sample.set(latent, b * n);
    const isCond = b > E;
    const branch = b % (E + 1);
    ehs.set(!isCond ? uncond : branch === 0 || sameTargets ? cond : (tgtCond[branch - 1] as Float32Array), b * T * D);
  }
  return { sample: { data: sample, dims: [6, 4, HW, HW] }, timestep: Float32Array.of(600), encoderHiddenStates: { data: ehs, dims: [6, T, D] } };
}

const FIXTURELESS_LAYER = 'up_blocks.1.attentions.0.transformer_blocks.0.attn2';
const rows = (x: Float32Array, size: number, b: number) => x.subarray(b * size, (b + 1) * size);

describe('controlled UNet graph (prompt-to-prompt batch layout)', () => {
  const weights = randomWeightSource(paramSpecs('unet', tinyUnetSd2), 21);
  const crossLayer = 'up_blocks.1.attentions.0.transformer_blocks.0.attn2';

  it('(a) target prompt = source prompt with the identity mapper and full control: every target branch equals the source', async () => {
    const unet = await ControlledUnetModel.fromWeights(tinyUnetSd2, weights, { cache: false, edits: 2 });
    const c = unet.neutralControls();
    c.crossSrc.fill(1);
    c.crossSelf.fill(0);
    c.selfReplace.fill(1);
    c.mutual.fill(1);
    const r = await unet.run({ ...batchInputs(new Random(1), true), controls: c });
    const out = r.out.data as Float32Array;
    for (const b of [1, 2, 4, 5]) {
      const src = rows(out, n, b < 3 ? 0 : 3);
      expect(maxRelativeError(rows(out, n, b), src)).toBeLessThan(1e-6);
    }
  });

  it('(b) while α = 1 a target\'s cross-attention is the mapped source map; with α = 0 it is its own', async () => {
    const unet = await ControlledUnetModel.fromWeights(tinyUnetSd2, weights, { cache: false, edits: 2, attentionOutputs: [crossLayer] });
    const x = batchInputs(new Random(2), false);
    // A swap mapper for target 1 (tokens 3 ↔ 4) and the identity for target 2.
    const c = unet.neutralControls();
    const M = c.crossMapper;
    for (let j = 0; j < T; j++) M[j * T + j] = 0;
    for (let j = 0; j < T; j++) M[j * T + (j === 3 ? 4 : j === 4 ? 3 : j)] = 1;
    const li = unet.index.cross.indexOf(crossLayer);
    c.crossSrc.fill(1, li * 2 * T, (li + 1) * 2 * T);
    c.crossSelf.fill(0, li * 2 * T, (li + 1) * 2 * T);
    const on = (await unet.run({ ...x, controls: c })).attention.get(crossLayer);
    const off = (await unet.run({ ...x, controls: unet.neutralControls() })).attention.get(crossLayer);
    const [bh, q] = on?.dims as [number, number, number];
    const heads = bh / 6;
    const per = heads * q * T;
    const pOn = on?.data as Float32Array;
    const pOff = off?.data as Float32Array;
    const src = rows(pOn, per, 3);
    const mapped = new Float32Array(per);
    for (let r = 0; r < heads * q; r++) for (let j = 0; j < T; j++) mapped[r * T + j] = src[r * T + (j === 3 ? 4 : j === 4 ? 3 : j)] as number;
    expect(maxRelativeError(rows(pOn, per, 4), mapped)).toBeLessThan(1e-6);
    expect(maxRelativeError(rows(pOn, per, 5), src)).toBeLessThan(1e-6);
    // uncond half untouched, and with α = 0 the targets keep their own maps, which differ from the source
    for (const b of [0, 1, 2, 3]) expect(maxRelativeError(rows(pOn, per, b), rows(pOff, per, b))).toBeLessThan(1e-6);
    expect(maxRelativeError(rows(pOff, per, 4), src)).toBeGreaterThan(1e-3);
    // the target's own maps equal a plain UNet run on that branch alone
    const plain = await UnetModel.fromWeights(tinyUnetSd2, weights, { cache: false, attentionOutputs: [crossLayer] });
    const alone = await plain.run({
      sample: { data: rows(x.sample.data, n, 4).slice(), dims: [1, 4, HW, HW] },
      timestep: Float32Array.of(600),
      encoderHiddenStates: { data: rows(x.encoderHiddenStates.data, T * D, 4).slice(), dims: [1, T, D] },
    });
    expect(maxRelativeError(rows(pOff, per, 4), alone.attention.get(crossLayer)?.data as Float32Array)).toBeLessThan(1e-5);
  });

  it('(c) reweight scales exactly the chosen tokens\' columns of the source map', async () => {
    const unet = await ControlledUnetModel.fromWeights(tinyUnetSd2, weights, { cache: false, edits: 2, attentionOutputs: [crossLayer] });
    const c = unet.neutralControls();
    const li = unet.index.cross.indexOf(crossLayer);
    const eq = new Float32Array(T).fill(1);
    eq[2] = 2.5;
    eq[5] = 0.5;
    for (let e = 0; e < 2; e++) {
      c.crossSrc.set(eq, (li * 2 + e) * T);
      c.crossSelf.fill(0, (li * 2 + e) * T, (li * 2 + e + 1) * T);
    }
    const p = (await unet.run({ ...batchInputs(new Random(3), false), controls: c })).attention.get(crossLayer);
    const [bh, q] = p?.dims as [number, number, number];
    const per = (bh / 6) * q * T;
    const data = p?.data as Float32Array;
    const src = rows(data, per, 3);
    const tgt = rows(data, per, 4);
    for (let r = 0; r < per / T; r++) {
      for (let j = 0; j < T; j++) expect(tgt[r * T + j]).toBeCloseTo((src[r * T + j] as number) * (eq[j] as number), 6);
    }
  });

  it('layer info gives resolution and place per layer', async () => {
    const unet = await ControlledUnetModel.fromWeights(tinyUnetSd2, weights, { cache: false, edits: 1 });
    const info = attentionLayerInfo(tinyUnetSd2, unet.graph.attentionLayers, 64, 64);
    expect(info.find((l) => l.name === 'down_blocks.0.attentions.0.transformer_blocks.0.attn1')).toMatchObject({ place: 'down', kind: 'self', queryTokens: 4096 });
    expect(info.find((l) => l.name.startsWith('mid_block'))).toMatchObject({ place: 'mid', queryTokens: 64 });
    expect(info.find((l) => l.name === 'up_blocks.1.attentions.0.transformer_blocks.0.attn2')).toMatchObject({ place: 'up', kind: 'cross', queryTokens: 256 });
  });

  it('a wrong batch size is a clear error', async () => {
    const unet = await ControlledUnetModel.fromWeights(tinyUnetSd2, weights, { cache: false, edits: 1 });
    const x = batchInputs(new Random(1), true);
    await expect(unet.run({ ...x, controls: unet.neutralControls() })).rejects.toThrow(/sample batch 6 ≠ 2·\(edits\+1\) = 4/);
  });
});

describe('(e) with no controls active, the controlled graph reproduces the reference fixture', () => {
  it('source-branch output and attention probabilities match reference outputs', async () => {
    let config: unknown = tinyUnetSd2;
    let weights: WeightSource = randomWeightSource(paramSpecs('unet', tinyUnetSd2), 21);
    let ref: { sample: Float32Array; ehs: Float32Array; ts: Float32Array; out: Float32Array; attn: Map<string, Float32Array>; hw: number; d: number };
    if (fixturesDir) {
      const dir = path.join(fixturesDir, 'unet-sd15-tiny');
      const r = openSafetensors(path.join(dir, 'reference.safetensors'));
      const cfg = JSON.parse((await import('node:fs')).readFileSync(path.join(dir, 'config.json'), 'utf8')) as { cross_attention_dim: number };
      config = cfg;
      weights = openComponentWeights(dir);
      const attn = new Map(r.names().filter((k) => k.startsWith('attn:')).map((k) => [k.slice(5), r.readFloat32(k)]));
      ref = { sample: r.readFloat32('sample'), ehs: r.readFloat32('encoder_hidden_states'), ts: Float32Array.from(r.readBigInt64('timestep'), Number), out: r.readFloat32('out'), attn, hw: 16, d: cfg.cross_attention_dim };
    } else {
      console.warn('SKIPPED fixture comparison: reference fixtures absent; comparing against the plain UNet graph instead');
      const rng = new Random(5);
      const sample = rng.normals(2 * n);
      const ehs = rng.normals(2 * T * D);
      const ts = Float32Array.of(999, 1);
      const plain = await UnetModel.fromWeights(config, weights, { cache: false, attentionOutputs: [FIXTURELESS_LAYER] });
      const o = await plain.run({ sample: { data: sample, dims: [2, 4, HW, HW] }, timestep: ts, encoderHiddenStates: { data: ehs, dims: [2, T, D] } });
      ref = { sample, ehs, ts, out: o.out.data as Float32Array, attn: new Map([[FIXTURELESS_LAYER, o.attention.get(FIXTURELESS_LAYER)?.data as Float32Array]]), hw: HW, d: D };
    }
    const layers = [...ref.attn.keys()];
    const unet = await ControlledUnetModel.fromWeights(config, weights, { cache: false, edits: 1, attentionOutputs: layers });
    // Fixture sample 0 → source uncond (row 0), sample 1 → source cond (row 2); targets get other data.
    const m = 4 * ref.hw * ref.hw;
    const rng = new Random(9);
    const sample = new Float32Array(4 * m);
    sample.set(ref.sample.subarray(0, m), 0);
    sample.set(rng.normals(m), m);
    sample.set(ref.sample.subarray(m, 2 * m), 2 * m);
    sample.set(rng.normals(m), 3 * m);
    const te = T * ref.d;
    const ehs = new Float32Array(4 * te);
    ehs.set(ref.ehs.subarray(0, te), 0);
    ehs.set(rng.normals(te), te);
    ehs.set(ref.ehs.subarray(te, 2 * te), 2 * te);
    ehs.set(rng.normals(te), 3 * te);
    const ts = Float32Array.of(ref.ts[0] as number, 500, ref.ts[1] as number, 500);
    const r = await unet.run({ sample: { data: sample, dims: [4, 4, ref.hw, ref.hw] }, timestep: ts, encoderHiddenStates: { data: ehs, dims: [4, T, ref.d] }, controls: unet.neutralControls() });
    const out = r.out.data as Float32Array;
    const got = new Float32Array(2 * m);
    got.set(rows(out, m, 0), 0);
    got.set(rows(out, m, 2), m);
    expect(maxRelativeError(got, ref.out)).toBeLessThan(1e-4);
    for (const l of layers) {
      const p = r.attention.get(l)?.data as Float32Array;
      const expected = ref.attn.get(l) as Float32Array;
      const per = expected.length / 2;
      const srcRows = new Float32Array(2 * per);
      srcRows.set(p.subarray(0, per), 0);
      srcRows.set(p.subarray(2 * per, 3 * per), per);
      expect(maxRelativeError(srcRows, expected), l).toBeLessThan(1e-4);
    }
  });
});
