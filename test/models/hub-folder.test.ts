import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiffusionModel } from '../../src/editing/model.js';
import { RepriseError } from '../../src/errors.js';
import { ignoredComponents, ignoredComponentsNote } from '../../src/models/hub-folder.js';
import { writeRandomModel } from '../../src/models/random-model.js';
import { tempDir } from '../helpers.js';

/** Lays a random model out as the hub ships SD 1.5: safety_checker/, feature_extractor/, fp16-only weights. */
function hubLayout(dir: string): string {
  const folder = writeRandomModel(dir, { seed: 5, dtype: 'F16' });
  const index = JSON.parse(fs.readFileSync(path.join(folder, 'model_index.json'), 'utf8')) as Record<string, unknown>;
  index.safety_checker = ['stable_diffusion', 'StableDiffusionSafetyChecker'];
  index.feature_extractor = ['transformers', 'CLIPImageProcessor'];
  fs.writeFileSync(path.join(folder, 'model_index.json'), JSON.stringify(index));
  fs.mkdirSync(path.join(folder, 'safety_checker'));
  fs.writeFileSync(path.join(folder, 'safety_checker', 'config.json'), JSON.stringify({ architectures: ['StableDiffusionSafetyChecker'] }));
  fs.mkdirSync(path.join(folder, 'feature_extractor'));
  fs.writeFileSync(path.join(folder, 'feature_extractor', 'preprocessor_config.json'), '{}');
  for (const [c, base] of [['unet', 'diffusion_pytorch_model'], ['vae', 'diffusion_pytorch_model'], ['text_encoder', 'model']] as const) {
    fs.renameSync(path.join(folder, c, `${base}.safetensors`), path.join(folder, c, `${base}.fp16.safetensors`));
  }
  return folder;
}

describe('folders as the hub ships them', () => {
  const dir = tempDir();
  const plain = writeRandomModel(path.join(dir, 'plain'), { seed: 5, dtype: 'F16' });
  const hub = hubLayout(path.join(dir, 'hub'));

  it('safety_checker/ and feature_extractor/ are ignored with one line; the plain folder gets none', () => {
    expect(ignoredComponents(hub)).toEqual(['safety_checker', 'feature_extractor']);
    expect(ignoredComponentsNote(hub)).toBe('note: safety_checker/ (no safety checker runs), feature_extractor/ (it only feeds the safety checker) ignored');
    expect(ignoredComponentsNote(plain)).toBeUndefined();
  });

  it('an fp16-only folder loads (fp32 and fp16) and computes what the same weights under plain names compute', async () => {
    const a = await DiffusionModel.load(plain, { cache: false });
    const b = await DiffusionModel.load(hub, { cache: false });
    const [ea] = await a.encodePrompts(['a red circle']);
    const [eb] = await b.encodePrompts(['a red circle']);
    expect(Array.from(eb as Float32Array)).toEqual(Array.from(ea as Float32Array));
    expect(b.unet.weightsId).toBe(a.unet.weightsId);
    const c = await DiffusionModel.load(hub, { cache: false, dtype: 'fp16' });
    expect(c.options.variant).toBe('fp16');
  });

  it('a .bin-only component is a WEIGHTS_FORMAT error that says how to convert', async () => {
    const bin = path.join(dir, 'bin');
    fs.cpSync(plain, bin, { recursive: true });
    fs.rmSync(path.join(bin, 'unet', 'diffusion_pytorch_model.safetensors'));
    fs.writeFileSync(path.join(bin, 'unet', 'diffusion_pytorch_model.bin'), 'not read');
    const err = await DiffusionModel.load(bin, { cache: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RepriseError);
    expect((err as RepriseError).code).toBe('WEIGHTS_FORMAT');
    expect((err as RepriseError).message).toMatch(/diffusion_pytorch_model\.bin/);
    expect((err as RepriseError).hint).toMatch(/safe_serialization=True/);
  });
});
