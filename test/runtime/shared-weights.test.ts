import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlledUnetModel } from '../../src/attention/controlled-unet.js';
import { cacheCommand } from '../../src/cli/cache.js';
import { writeRandomComponent } from '../../src/models/random-weights.js';
import { cacheUsage, pruneCache } from '../../src/runtime/cache-usage.js';
import { UnetModel } from '../../src/runtime/load.js';
import { capture } from '../cli/cli-helpers.js';
import { tempDir, tinyUnetSd1 } from '../helpers.js';

const x = { sample: { data: Float32Array.from({ length: 4 * 64 }, (_, i) => Math.sin(i)), dims: [1, 4, 8, 8] }, timestep: Float32Array.of(10), encoderHiddenStates: { data: Float32Array.from({ length: 77 * 24 }, (_, i) => Math.cos(i) / 4), dims: [1, 77, 24] } };
const out = async (m: UnetModel): Promise<number[]> => Array.from((await m.run(x)).out.data as Float32Array);
const inodes = (dir: string): string[] => fs.readdirSync(dir).map((f) => String(fs.statSync(path.join(dir, f)).ino));

describe('one copy of the weights', () => {
  it('plain and controlled graphs share one weights folder: stored tensors in place (hard links to the safetensors file), converted ones once', async () => {
    const cache = tempDir();
    const model = tempDir();
    const unetDir = path.join(model, 'unet');
    writeRandomComponent(unetDir, 'unet', tinyUnetSd1, { seed: 2 });
    const st = path.join(unetDir, 'diffusion_pytorch_model.safetensors');
    const plain = await UnetModel.load(unetDir, { cache: { dir: cache } });
    const usage1 = cacheUsage(cache);
    expect(usage1.weights).toHaveLength(1);
    const w = usage1.weights[0];
    expect(w?.inPlaceBytes).toBe(fs.statSync(st).size);
    const converted = w?.convertedBytes ?? 0;
    expect(converted).toBeGreaterThan(0); // transposed Linear weights
    // Nothing stored twice: converted data is smaller than the stored weights.
    expect(converted).toBeLessThan(fs.statSync(st).size);
    await ControlledUnetModel.load(unetDir, { cache: { dir: cache }, edits: 1 });
    const two = await ControlledUnetModel.load(unetDir, { cache: { dir: cache }, edits: 2 });
    expect(two.graph.cacheHit).toBe(true); // one controlled graph for every target count
    await ControlledUnetModel.load(unetDir, { cache: { dir: cache }, edits: 1, attentionOutputs: ['up_blocks.1.attentions.0.transformer_blocks.0.attn2'] });
    const usage = cacheUsage(cache);
    expect(usage.graphs).toHaveLength(3);
    expect(usage.weights).toHaveLength(1);
    expect(usage.weights[0]?.convertedBytes).toBe(converted); // the variants added no weights
    expect(usage.weights[0]?.graphs).toBe(3);
    // Every graph folder links the same files (same inodes), and the safetensors file is the model folder's own.
    const [g1, g2] = usage.graphs.map((g) => path.join(cache, g.key));
    const links = fs.readdirSync(g1 as string).filter((f) => f !== 'model.onnx' && f !== 'meta.json').sort();
    expect(links).toHaveLength(2);
    expect(links[1]).toBe('weights.data');
    expect(fs.statSync(path.join(g1 as string, links[0] as string)).ino).toBe(fs.statSync(st).ino);
    expect(inodes(g1 as string).filter((i) => inodes(g2 as string).includes(i))).toHaveLength(2);
    // The cache's own disk: graphs plus one converted file (the safetensors file is not counted).
    const graphsOwn = usage.graphs.reduce((a, g) => a + g.ownBytes, 0);
    const index = fs.statSync(path.join(cache, usage.weights[0]?.name ?? '', 'index.json')).size;
    expect(usage.diskBytes).toBe(graphsOwn + converted + index);
    // The cached graph computes what an in-memory build computes, bit for bit; a reload hits.
    const mem = await UnetModel.load(unetDir, { cache: false });
    expect(await out(plain)).toEqual(await out(mem));
    const again = await UnetModel.load(unetDir, { cache: { dir: cache } });
    expect(again.graph.cacheHit).toBe(true);
    expect(await out(again)).toEqual(await out(mem));
  });

  it('fp16 from fp32 files: one converted file of its own; cache ls reports it, prune removes unused graphs then orphaned weights', async () => {
    const cache = tempDir();
    const model = tempDir();
    const unetDir = path.join(model, 'unet');
    writeRandomComponent(unetDir, 'unet', tinyUnetSd1, { seed: 3 });
    await UnetModel.load(unetDir, { cache: { dir: cache } });
    await UnetModel.load(unetDir, { cache: { dir: cache }, dtype: 'fp16' });
    const u = cacheUsage(cache);
    expect(u.weights).toHaveLength(2);
    const fp16 = u.weights.find((w) => w.inPlaceBytes === 0);
    expect(fp16?.convertedBytes).toBeGreaterThan(0);
    const ls = await capture(() => cacheCommand(['ls', '--dir', cache, '--json']));
    expect(ls.code).toBe(0);
    const j = JSON.parse(ls.stdout) as { diskBytes: number; graphs: { component: string }[] };
    expect(j.diskBytes).toBe(u.diskBytes);
    expect(j.graphs.map((g) => g.component)).toEqual(['unet', 'unet']);
    const human = await capture(() => cacheCommand(['ls', '--dir', cache]));
    expect(human.stdout).toMatch(/^cache .*: \d+\.\d MB on disk \(\+ \d+\.\d MB referenced in place in model folders\)/);
    // Nothing is a day old: nothing goes.
    expect(pruneCache(cache, { kind: 'unused-for', days: 1 }).removedGraphs).toEqual([]);
    const dry = pruneCache(cache, { kind: 'unused-for', days: 1, now: new Date(Date.now() + 2 * 86_400_000), dryRun: true });
    expect(dry.removedGraphs).toHaveLength(2);
    expect(dry.removedWeights).toHaveLength(2);
    expect(dry.freedBytes).toBe(u.diskBytes); // the in-place safetensors file keeps its model-folder link
    expect(cacheUsage(cache).graphs).toHaveLength(2);
    const bad = await capture(() => cacheCommand(['prune', '--dir', cache]));
    expect(bad.code).toBe(2);
    const all = await capture(() => cacheCommand(['prune', '--all', '--dir', cache, '--json']));
    expect(JSON.parse(all.stdout)).toMatchObject({ ok: true, freedBytes: u.diskBytes });
    expect(fs.readdirSync(cache)).toEqual([]);
    expect(fs.existsSync(path.join(unetDir, 'diffusion_pytorch_model.safetensors'))).toBe(true);
  });
});
