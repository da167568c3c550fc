import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { maxRelativeError } from '../../src/conformance/compare.js';
import { ConfigError } from '../../src/errors.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import type { WeightSource } from '../../src/io/weights.js';
import { paramSpecs, randomTensor, randomWeightSource } from '../../src/models/random-weights.js';
import { TextEncoderModel, VaeModel } from '../../src/runtime/load.js';
import { Random } from '../../src/util/random.js';
import { tempDir, tinyClip, tinyVae3 } from '../helpers.js';

/** Renames tensors of a weight source. */
function renamed(src: WeightSource, rename: (n: string) => string): WeightSource {
  const back = new Map(src.names().map((n) => [rename(n), n]));
  return {
    id: `${src.id}:renamed`,
    names: () => [...back.keys()],
    info: (n) => {
      const o = back.get(n);
      const i = o === undefined ? undefined : src.info(o);
      return i ? { ...i, name: n } : undefined;
    },
    readFloat32: (n) => src.readFloat32(back.get(n) ?? n),
  };
}

describe('AutoencoderKL builder', () => {
  const specs = paramSpecs('vae', tinyVae3);
  const weights = randomWeightSource(specs, 11);

  it('3-block VAE: encoder downsamples by 4, decoder upsamples by 4; logvar is clamped', async () => {
    const vae = await VaeModel.fromWeights(tinyVae3, weights, { cache: false });
    const img = { data: new Random(2).uniforms(2 * 3 * 32 * 24, -1, 1), dims: [2, 3, 32, 24] };
    const { mean, logvar } = await vae.encode(img);
    expect(mean.dims).toEqual([2, 4, 8, 6]);
    expect(logvar.dims).toEqual([2, 4, 8, 6]);
    expect((logvar.data as Float32Array).every((v) => v >= -30 && v <= 20)).toBe(true);
    const dec = await vae.decode(mean);
    expect(dec.dims).toEqual([2, 3, 32, 24]);
    expect((dec.data as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it('legacy checkpoints (query/key/value/proj_attn) load and give identical outputs', async () => {
    const legacy = renamed(weights, (n) => n.replace('attentions.0.to_q', 'attentions.0.query').replace('attentions.0.to_k', 'attentions.0.key').replace('attentions.0.to_v', 'attentions.0.value').replace('attentions.0.to_out.0', 'attentions.0.proj_attn'));
    expect(legacy.names().some((n) => n.includes('proj_attn'))).toBe(true);
    const a = await VaeModel.fromWeights(tinyVae3, weights, { cache: false });
    const b = await VaeModel.fromWeights(tinyVae3, legacy, { cache: false });
    const z = { data: new Random(3).normals(4 * 8 * 8), dims: [1, 4, 8, 8] };
    const da = await a.decode(z);
    const db = await b.decode(z);
    expect(Array.from(db.data as Float32Array)).toEqual(Array.from(da.data as Float32Array));
  });

  it('unsupported block types are named', () => {
    expect(() => paramSpecs('vae', { ...tinyVae3, down_block_types: ['DownEncoderBlock2D', 'AttnDownEncoderBlock2D', 'DownEncoderBlock2D'] })).toThrow(/down_block_types\[1\].*AttnDownEncoderBlock2D/);
  });
});

describe('CLIPTextModel builder', () => {
  const specs = paramSpecs('text_encoder', tinyClip);
  const weights = randomWeightSource(specs, 5);
  const ids = (rows: number[][]) => BigInt64Array.from(rows.flatMap((r) => [...r, ...new Array(77 - r.length).fill(299)]), BigInt);

  it('outputs have the right shapes; the causal mask makes a prefix independent of what follows', async () => {
    const te = await TextEncoderModel.fromWeights(tinyClip, weights, { cache: false });
    const a = await te.encode(ids([[298, 5, 6, 7, 299], [298, 5, 6, 100, 299]]), 2);
    expect(a.lastHiddenState.dims).toEqual([2, 77, 16]);
    expect(a.penultimateHiddenState.dims).toEqual([2, 77, 16]);
    expect(a.pooled.dims).toEqual([2, 16]);
    const h = a.lastHiddenState.data as Float32Array;
    // Positions 0..2 see the same tokens in both rows: identical; position 3 differs.
    const row = 77 * 16;
    expect(maxRelativeError(h.slice(0, 3 * 16), h.slice(row, row + 3 * 16))).toBeLessThan(1e-6);
    expect(maxRelativeError(h.slice(3 * 16, 4 * 16), h.slice(row + 3 * 16, row + 4 * 16))).toBeGreaterThan(1e-3);
  });

  it('pooled output is the final state at the first eos (or at the highest id for legacy eos_token_id 2)', async () => {
    const input = ids([[298, 5, 6, 299]]);
    const te = await TextEncoderModel.fromWeights(tinyClip, weights, { cache: false });
    const r = await te.encode(input, 1);
    const h = r.lastHiddenState.data as Float32Array;
    expect(Array.from(r.pooled.data as Float32Array)).toEqual(Array.from(h.slice(3 * 16, 4 * 16)));
    const legacy = await TextEncoderModel.fromWeights({ ...tinyClip, eos_token_id: 2 }, weights, { cache: false });
    const withHigh = BigInt64Array.from(input);
    withHigh[2] = 250n; // the highest id that is not padding... padding (299) is higher still
    const r2 = await legacy.encode(withHigh, 1);
    // argmax over ids picks the first 299 (position 3)
    expect(Array.from(r2.pooled.data as Float32Array)).toEqual(Array.from((r2.lastHiddenState.data as Float32Array).slice(3 * 16, 4 * 16)));
  });

  it('accepts both `text_model.`-prefixed and unprefixed checkpoints', async () => {
    expect(weights.names().every((n) => n.startsWith('text_model.'))).toBe(true);
    const bare = renamed(weights, (n) => n.replace(/^text_model\./, ''));
    const a = await TextEncoderModel.fromWeights(tinyClip, weights, { cache: false });
    const b = await TextEncoderModel.fromWeights(tinyClip, bare, { cache: false });
    const x = ids([[298, 9, 299]]);
    expect(Array.from((await b.encode(x, 1)).lastHiddenState.data as Float32Array)).toEqual(Array.from((await a.encode(x, 1)).lastHiddenState.data as Float32Array));
  });

  it('penultimate state is the second-to-last layer output: its final norm equals a 1-layer model\'s last state', async () => {
    const oneLayer = { ...tinyClip, num_hidden_layers: 1 };
    // Random weights are a function of (seed, name): the 1-layer model shares layer 0 and the final norm.
    const sub = randomWeightSource(paramSpecs('text_encoder', oneLayer), 5);
    const x = ids([[298, 9, 10, 299]]);
    const f = await (await TextEncoderModel.fromWeights(tinyClip, weights, { cache: false })).encode(x, 1);
    const one = await (await TextEncoderModel.fromWeights(oneLayer, sub, { cache: false })).encode(x, 1);
    const gamma = weights.readFloat32('text_model.final_layer_norm.weight');
    const beta = weights.readFloat32('text_model.final_layer_norm.bias');
    const pen = f.penultimateHiddenState.data as Float32Array;
    const normed = new Float32Array(pen.length);
    for (let t = 0; t < 77; t++) {
      const row = pen.subarray(t * 16, t * 16 + 16);
      const mean = row.reduce((a, b) => a + b, 0) / 16;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 16;
      for (let c = 0; c < 16; c++) normed[t * 16 + c] = (((row[c] as number) - mean) / Math.sqrt(variance + 1e-5)) * (gamma[c] as number) + (beta[c] as number);
    }
    expect(maxRelativeError(normed, one.lastHiddenState.data as Float32Array)).toBeLessThan(1e-5);
    expect(maxRelativeError(pen, f.lastHiddenState.data as Float32Array)).toBeGreaterThan(1e-3);
  });

  it('bad configs name the key', () => {
    expect(() => paramSpecs('text_encoder', { ...tinyClip, hidden_act: 'swiglu' })).toThrow(ConfigError);
    expect(() => paramSpecs('text_encoder', { ...tinyClip, hidden_act: 'swiglu' })).toThrow(/hidden_act/);
    const { hidden_size: _, ...noHidden } = tinyClip;
    expect(() => paramSpecs('text_encoder', noHidden)).toThrow(/hidden_size/);
  });

  it('fp16 text encoder stays within 1e-2 of fp32', async () => {
    const x = ids([[298, 9, 10, 11, 299]]);
    const a = await (await TextEncoderModel.fromWeights(tinyClip, weights, { cache: false })).encode(x, 1);
    const b = await (await TextEncoderModel.fromWeights(tinyClip, weights, { cache: false, dtype: 'fp16' })).encode(x, 1);
    expect(maxRelativeError(b.lastHiddenState.data as Float32Array, a.lastHiddenState.data as Float32Array)).toBeLessThan(1e-2);
  });

  it('weights written as F16 safetensors load into an fp32 graph', async () => {
    const dir = tempDir();
    writeSafetensors(path.join(dir, 'model.safetensors'), specs.map((s) => ({ name: s.name, dtype: 'F16' as const, shape: [...s.shape], data: randomTensor(5, s) })));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(tinyClip));
    const te = await TextEncoderModel.load(dir, { cache: false });
    const ref = await (await TextEncoderModel.fromWeights(tinyClip, weights, { cache: false })).encode(ids([[298, 7, 299]]), 1);
    const got = await te.encode(ids([[298, 7, 299]]), 1);
    expect(maxRelativeError(got.lastHiddenState.data as Float32Array, ref.lastHiddenState.data as Float32Array)).toBeLessThan(1e-2);
  });
});
