import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { conformanceCommand } from '../../src/cli/conformance.js';
import { discover, runConformance } from '../../src/conformance/runner.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { writeRandomComponent } from '../../src/models/random-weights.js';
import { UnetModel } from '../../src/runtime/load.js';
import { Random } from '../../src/util/random.js';
import { fixtureTestName, fixturesDir, NO_REFERENCE_FIXTURES, tempDir, tinyUnetSd2 } from '../helpers.js';

describe('conformance on the shared reference fixtures', () => {
  it.skipIf(fixturesDir === undefined)(fixtureTestName('every component is within tolerance (fp32 ≤ 1e-4, tokenizer identical)', fixturesDir !== undefined, NO_REFERENCE_FIXTURES), async () => {
    const results = await runConformance(fixturesDir ?? expect.unreachable(NO_REFERENCE_FIXTURES), { cache: false });
    for (const r of results) console.log(JSON.stringify({ component: r.component, kind: r.kind, ok: r.ok, maxRelError: r.maxRelError, error: r.error }));
    const kinds = results.map((r) => r.kind);
    for (const k of ['unet', 'vae', 'text_encoder', 'tokenizer', 'scheduler'] as const) expect(kinds).toContain(k);
    const bad = results.filter((r) => !r.ok);
    expect(bad, JSON.stringify(bad, null, 1)).toEqual([]);
    const unet = results.find((r) => r.component === 'unet-sd15-tiny');
    expect(Object.keys(unet?.attention ?? {}).length).toBeGreaterThan(0);
  });
});

/** A UNet folder with a reference.safetensors produced by our own graph, optionally perturbed. */
async function unetFolderWithReference(root: string, name: string, perturb: number): Promise<string> {
  const dir = path.join(root, name);
  writeRandomComponent(dir, 'unet', tinyUnetSd2, { seed: 9 });
  const layer = 'up_blocks.1.attentions.0.transformer_blocks.0.attn2';
  const unet = await UnetModel.load(dir, { cache: false, attentionOutputs: [layer] });
  const rng = new Random(4);
  const sample = rng.normals(2 * 4 * 16 * 16);
  const ehs = rng.normals(2 * 77 * 24);
  const r = await unet.run({ sample: { data: sample, dims: [2, 4, 16, 16] }, timestep: Float32Array.of(999, 1), encoderHiddenStates: { data: ehs, dims: [2, 77, 24] } });
  const out = Float32Array.from(r.out.data as Float32Array, (v, i) => (i === 0 ? v + perturb : v));
  const attn = r.attention.get(layer);
  writeSafetensors(path.join(dir, 'reference.safetensors'), [
    { name: 'sample', dtype: 'F32', shape: [2, 4, 16, 16], data: sample },
    { name: 'timestep', dtype: 'I64', shape: [2], data: BigInt64Array.of(999n, 1n) },
    { name: 'encoder_hidden_states', dtype: 'F32', shape: [2, 77, 24], data: ehs },
    { name: 'out', dtype: 'F32', shape: [2, 4, 16, 16], data: out },
    { name: `attn:${layer}`, dtype: 'F32', shape: [...(attn?.dims ?? [])], data: attn?.data as Float32Array },
  ]);
  return dir;
}

describe('conformance runner on other folders', () => {
  it('discovers components by class name, tokenizers by vocab.json and scheduler files by name', () => {
    const root = tempDir();
    writeRandomComponent(path.join(root, 'my-unet'), 'unet', tinyUnetSd2, { seed: 1 });
    fs.mkdirSync(path.join(root, 'nested', 'tok'), { recursive: true });
    fs.writeFileSync(path.join(root, 'nested', 'tok', 'vocab.json'), '{}');
    fs.writeFileSync(path.join(root, 'schedulers-extra.json'), '[]');
    fs.writeFileSync(path.join(root, 'not-schedulers.json'), '[]');
    const found = discover(root);
    expect(found.components.map((c) => [path.basename(c.dir), c.kind])).toEqual([
      ['my-unet', 'unet'],
      ['tok', 'tokenizer'],
    ]);
    expect(found.schedulerFiles.map((f) => path.basename(f))).toEqual(['schedulers-extra.json']);
  });

  it('passes a matching reference and fails (exit code 1) a reference off by more than the tolerance', async () => {
    const root = tempDir();
    await unetFolderWithReference(root, 'good', 0);
    const good = await runConformance(root, { cache: false });
    expect(good).toHaveLength(1);
    expect(good[0]?.ok).toBe(true);
    expect(good[0]?.maxRelError).toBeLessThan(1e-6);
    expect(Object.keys(good[0]?.attention ?? {})).toEqual(['up_blocks.1.attentions.0.transformer_blocks.0.attn2']);

    await unetFolderWithReference(root, 'bad', 0.05);
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (lines.push(String(s)), true));
    let code: number;
    try {
      code = await conformanceCommand([root, '--json', '--no-cache']);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(1);
    const parsed = lines.map((l) => JSON.parse(l) as { component: string; ok: boolean; maxRelError: number });
    expect(parsed.map((p) => [p.component, p.ok])).toEqual([
      ['bad', false],
      ['good', true],
    ]);
    expect(parsed[0]?.maxRelError).toBeGreaterThan(1e-4);
  });

  it('a component that cannot run is reported as a failure with its error, not a crash', async () => {
    const root = tempDir();
    writeRandomComponent(path.join(root, 'unet'), 'unet', tinyUnetSd2, { seed: 1 });
    const r = await runConformance(root, { cache: false });
    expect(r[0]?.ok).toBe(false);
    expect(r[0]?.error).toMatch(/no reference\.safetensors/);
  });

  it('usage errors exit with 2', async () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await conformanceCommand([])).toBe(2);
      expect(await conformanceCommand(['/definitely/not/here'])).toBe(2);
      expect(await conformanceCommand(['.', '--dtype', 'fp8'])).toBe(2);
      expect(await conformanceCommand(['.', '--device', 'tpu'])).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });
});
