import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RepriseError } from '../../src/errors.js';
import { paramSpecs, randomWeightSource, writeRandomComponent } from '../../src/models/random-weights.js';
import { buildUnet } from '../../src/models/unet/build.js';
import { cudaProviderPath, deviceStatus, resolveDevice } from '../../src/runtime/device.js';
import { getOrBuildGraph, graphCacheKey } from '../../src/runtime/graph-cache.js';
import { UnetModel, VaeModel } from '../../src/runtime/load.js';
import { ModelSession } from '../../src/runtime/session.js';
import { tempDir, tinyUnetSd1, tinyVae3 } from '../helpers.js';

describe('devices', () => {
  it('an unknown device lists the devices and their availability', () => {
    try {
      resolveDevice('gpu');
      throw new Error('expected error');
    } catch (e) {
      expect(e).toBeInstanceOf(RepriseError);
      expect((e as RepriseError).code).toBe('RUNTIME_DEVICE');
      expect((e as Error).message).toContain('"gpu"');
      expect((e as Error).message).toMatch(/cpu \(available\)/);
      expect((e as Error).message).toMatch(/cuda/);
    }
  });

  it('cuda without its provider library says which file is missing and how to install it', () => {
    const cuda = deviceStatus().find((d) => d.device === 'cuda');
    expect(cuda).toBeDefined();
    if (fs.existsSync(cudaProviderPath())) {
      expect(cuda?.available).toBe(true);
      expect(resolveDevice('cuda')).toBe('cuda');
    } else {
      expect(cuda?.available).toBe(false);
      expect(() => resolveDevice('cuda')).toThrow(/libonnxruntime_providers_cuda\.so/);
      expect(() => resolveDevice('cuda')).toThrow(/com\.github\.asus4\.onnxruntime\.linux-x64-gpu@0\.4\.9/);
      expect(() => resolveDevice('cuda')).toThrow(/Available here: cpu/);
    }
  });
});

describe('sessions check their feeds', () => {
  it('missing and unknown inputs are named, with the inputs the model takes', async () => {
    const unet = await UnetModel.fromWeights(tinyUnetSd1, randomWeightSource(paramSpecs('unet', tinyUnetSd1), 1), { cache: false });
    const s = unet.graph.session;
    await expect(s.run({ sample: { data: new Float32Array(4 * 64), dims: [1, 4, 8, 8] }, foo: { data: new Float32Array(1), dims: [1] } })).rejects.toThrow(
      /missing input\(s\) timestep, encoder_hidden_states; unknown input\(s\) foo[\s\S]*takes: sample, timestep, encoder_hidden_states/,
    );
    await expect(
      s.run({ sample: { data: new Float32Array(3), dims: [1, 4, 8, 8] }, timestep: { data: Float32Array.of(1), dims: [1] }, encoder_hidden_states: { data: new Float32Array(77 * 24), dims: [1, 77, 24] } }),
    ).rejects.toThrow(/"sample" has 3 values for dims \[1, 4, 8, 8\]/);
  });

  it('a model file that is not ONNX is a clear load error', async () => {
    const dir = tempDir();
    const f = path.join(dir, 'bad.onnx');
    fs.writeFileSync(f, 'not a model');
    await expect(ModelSession.create(f)).rejects.toMatchObject({ code: 'RUNTIME_FAILURE' });
  });
});

describe('compiled-graph cache', () => {
  it('stores external-data graphs, hits on reload, and keys on config, weights and options', async () => {
    const cache = tempDir();
    const model = tempDir();
    writeRandomComponent(path.join(model, 'unet'), 'unet', tinyUnetSd1, { seed: 2 });
    const a = await UnetModel.load(path.join(model, 'unet'), { cache: { dir: cache } });
    expect(a.graph.cacheHit).toBe(false);
    const b = await UnetModel.load(path.join(model, 'unet'), { cache: { dir: cache } });
    expect(b.graph.cacheHit).toBe(true);
    const graphs = (): string[] => fs.readdirSync(cache).filter((e) => !e.startsWith('w-'));
    const entries = graphs();
    expect(entries).toHaveLength(1);
    // External data lives in the shared weights folder (hard links here: the safetensors file in place, the converted tensors).
    expect(fs.readdirSync(path.join(cache, entries[0] as string)).sort()).toEqual(['meta.json', 'model.onnx', expect.stringMatching(/^src-[0-9a-f]{12}-diffusion_pytorch_model\.safetensors$/), 'weights.data']);
    const c = await UnetModel.load(path.join(model, 'unet'), { cache: { dir: cache }, dtype: 'fp16' });
    expect(c.graph.cacheHit).toBe(false);
    const d = await UnetModel.load(path.join(model, 'unet'), { cache: { dir: cache }, attentionOutputs: ['mid_block.attentions.0.transformer_blocks.0.attn1'] });
    expect(d.graph.cacheHit).toBe(false);
    expect(graphs()).toHaveLength(3);
    // same outputs from the cached graph as from an in-memory build
    const x = { sample: { data: new Float32Array(4 * 64).fill(0.5), dims: [1, 4, 8, 8] }, timestep: Float32Array.of(10), encoderHiddenStates: { data: new Float32Array(77 * 24).fill(0.1), dims: [1, 77, 24] } };
    const mem = await UnetModel.load(path.join(model, 'unet'), { cache: false });
    expect(Array.from((await b.run(x)).out.data as Float32Array)).toEqual(Array.from((await mem.run(x)).out.data as Float32Array));
  });

  it('keys differ for different configs and weights; equal configs with reordered keys share a key', () => {
    const base = { component: 'unet', config: { a: 1, b: [1, 2] }, weightsId: 'w1', options: { dtype: 'fp32' } };
    expect(graphCacheKey(base)).toBe(graphCacheKey({ ...base, config: { b: [1, 2], a: 1 } }));
    expect(graphCacheKey(base)).not.toBe(graphCacheKey({ ...base, weightsId: 'w2' }));
    expect(graphCacheKey(base)).not.toBe(graphCacheKey({ ...base, config: { a: 2, b: [1, 2] } }));
  });

  it('a failing build leaves no entry behind', () => {
    const cache = tempDir();
    expect(() =>
      getOrBuildGraph(cache, 'k', () => buildUnet({ ...tinyUnetSd1, act_fn: 'mish' }, randomWeightSource([], 1))),
    ).toThrow(/act_fn/);
    expect(fs.readdirSync(cache)).toEqual([]);
  });
});

describe('component folders', () => {
  it('a folder of another kind is rejected with what it holds', async () => {
    const dir = tempDir();
    writeRandomComponent(path.join(dir, 'vae'), 'vae', tinyVae3, { seed: 1 });
    await expect(UnetModel.load(path.join(dir, 'vae'), { cache: false })).rejects.toThrow(/not a unet folder \(it holds a vae\)/);
    const vae = await VaeModel.load(path.join(dir, 'vae'), { cache: false });
    expect(vae.decoder.session.outputNames).toEqual(['decoded']);
  });

  it('pickle-only folders are refused with how to convert', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(tinyUnetSd1));
    fs.writeFileSync(path.join(dir, 'diffusion_pytorch_model.bin'), 'PK');
    await expect(UnetModel.load(dir, { cache: false })).rejects.toThrow(/never reads pickle[\s\S]*safe_serialization=True/);
  });

  it('truncated and corrupt weight files are typed errors naming the file', async () => {
    const dir = tempDir();
    const unet = path.join(dir, 'unet');
    writeRandomComponent(unet, 'unet', tinyUnetSd1, { seed: 1 });
    const file = path.join(unet, 'diffusion_pytorch_model.safetensors');
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    await expect(UnetModel.load(unet, { cache: false })).rejects.toMatchObject({ code: 'SAFETENSORS_INVALID', file });
    const corrupt = Buffer.from(bytes);
    corrupt.write('{"x":', 8); // damage the JSON header
    fs.writeFileSync(file, corrupt);
    await expect(UnetModel.load(unet, { cache: false })).rejects.toMatchObject({ code: 'SAFETENSORS_INVALID', file });
  });

  it('a config.json that is not JSON, or lacks keys, names the file and the key', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), '{"_class_name": "UNet2DConditionModel",');
    await expect(UnetModel.load(dir, { cache: false })).rejects.toThrow(/config\.json is not valid JSON/);
    writeRandomComponent(dir, 'unet', tinyUnetSd1, { seed: 1 });
    const { in_channels: _, ...noIn } = tinyUnetSd1;
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(noIn));
    await expect(UnetModel.load(dir, { cache: false })).rejects.toMatchObject({ code: 'CONFIG_INVALID', key: 'in_channels' });
  });

  it('an unsupported component class is named', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ _class_name: 'UNet2DModel' }));
    await expect(UnetModel.load(dir, { cache: false })).rejects.toThrow(/"UNet2DModel" is not supported/);
  });
});
