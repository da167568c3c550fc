/** Inversion records: save → load round trips, and every kind of bad file rejected clearly. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RepriseError } from '../../src/errors.js';
import { openSafetensors, writeSafetensors, type TensorToWrite } from '../../src/io/safetensors.js';
import { INVERSION_METHODS, type InversionOptions } from '../../src/inversion/options.js';
import { samplingPlanFromConfig } from '../../src/inversion/plan.js';
import { invert, reconstructLatent } from '../../src/inversion/reconstruct.js';
import { loadInversion, saveInversion, type Inversion } from '../../src/inversion/record.js';
import { writeRandomComponent } from '../../src/models/random-weights.js';
import { tempDir, tinyUnetSd1, expectRepriseError, thrownBy } from '../helpers.js';
import { analyticPredict, SD1_SCHEDULER, seededConditioning, seededLatent } from './helpers.js';

const STEPS = 8;
const plan = samplingPlanFromConfig(SD1_SCHEDULER, STEPS, [4, 4, 4]);
const z0 = seededLatent(2, 64);
const conditioning = { ...seededConditioning(2, 6, 3.5), guidanceRescale: 0.25 };
/** Non-default options per method, so the record must keep them; a method not listed runs with its defaults. */
const OPTIONS: Partial<Record<(typeof INVERSION_METHODS)[number], InversionOptions>> = {
  ddim: { method: 'ddim' },
  'ef-ddpm': { method: 'ef-ddpm', eta: 0.9, skip: 2, seed: 9 },
  bdia: { method: 'bdia', gamma: 0.96 },
  belm: { method: 'belm', maxRatio: 2 },
  edict: { method: 'edict', p: 0.9 },
  ddcm: { method: 'ddcm', seed: 4 },
  'negative-prompt': { method: 'negative-prompt' },
};
const PIXELS = {
  residual: Float32Array.from({ length: 3 * 5 * 7 }, (_, i) => (i % 11) / 255 - 0.02),
  shape: [3, 5, 7],
  transform: { resize: { from: [7, 5], to: [32, 32], filter: 'lanczos3' }, crop: null },
  image: { width: 7, height: 5, bitDepth: 8, orientation: 6, format: 'png' },
};

function make(method: (typeof INVERSION_METHODS)[number], withPixels = false): Promise<Inversion> {
  return invert(plan, analyticPredict(plan), z0, OPTIONS[method] ?? ({ method } as InversionOptions), {
    modelId: 'unet:abc123',
    schedulerConfig: { ...SD1_SCHEDULER, lambda_min_clipped: Number.NEGATIVE_INFINITY },
    prompts: { source: 'a cat on a bench', negative: 'blurry' },
    conditioning,
    ...(withPixels ? { pixels: PIXELS } : {}),
  });
}

const codeOf = (fn: () => unknown): { code: string; message: string } => {
  const e = expectRepriseError(thrownBy(fn));
  return { code: e.code, message: e.message };
};

/** Rewrites a record file with changed metadata/tensors and a checksum recomputed as record.ts documents it. */
function rewrite(src: string, dst: string, edit: (meta: Record<string, string>, tensors: TensorToWrite[]) => void, rehash = true): void {
  const f = openSafetensors(src);
  const tensors: TensorToWrite[] = f.names().map((name) => {
    const e = f.entry(name)!;
    return { name, dtype: 'F32', shape: [...e.shape], data: f.readFloat32(name) };
  });
  const meta = { ...f.metadata };
  f.close();
  edit(meta, tensors);
  if (rehash) {
    const h = createHash('sha256').update(meta.record ?? '').update('\0');
    for (const t of tensors) h.update(t.name).update('\0').update(new Uint8Array((t.data as Float32Array).buffer, (t.data as Float32Array).byteOffset, (t.data as Float32Array).byteLength));
    meta.sha256 = h.digest('hex');
  }
  writeSafetensors(dst, tensors, meta);
}

describe('saveInversion / loadInversion', () => {
  it('round-trips every method bit for bit (with a pixel residual and a non-finite config value)', async () => {
    const dir = tempDir();
    for (const method of INVERSION_METHODS) {
      const record = await make(method, method === 'ef-ddpm');
      const file = path.join(dir, `${method}.safetensors`);
      saveInversion(file, record);
      const loaded = loadInversion(file, { modelId: 'unet:abc123', schedule: { config: SD1_SCHEDULER, steps: STEPS } });
      expect(loaded).toEqual(record);
      expect(await reconstructLatent(loaded, (p) => analyticPredict(p))).toEqual(await reconstructLatent(record, (p) => analyticPredict(p)));
      expect(openSafetensors(file).metadata).toMatchObject({ format: 'reprise-inversion', formatVersion: '1' });
    }
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('an inconsistent record is refused before anything is written', async () => {
    const dir = tempDir();
    const record = await make('bdia');
    const file = path.join(dir, 'bad.safetensors');
    expect(codeOf(() => saveInversion(file, { ...record, z0: new Float32Array(3) })).code).toBe('RUNTIME_INPUT');
    expect(codeOf(() => saveInversion(file, { ...record, method: 'edict' })).code).toBe('RUNTIME_INPUT');
    expect(codeOf(() => saveInversion(file, { ...record, options: { method: 'bdia', gamma: 2 } })).code).toBe('CONFIG_INVALID');
    expect(codeOf(() => saveInversion(file, { ...record, schedule: { ...record.schedule, timesteps: [1, 2] } })).message).toMatch(/timesteps/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a damaged file is SAFETENSORS_INVALID and says to re-run the inversion', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'r.safetensors');
    saveInversion(file, await make('ef-ddpm'));
    const bytes = fs.readFileSync(file);

    const flipped = path.join(dir, 'flipped.safetensors');
    const copy = Buffer.from(bytes);
    copy[copy.length - 10] = copy[copy.length - 10]! ^ 0x40; // inside the last tensor's data
    fs.writeFileSync(flipped, copy);
    const a = codeOf(() => loadInversion(flipped));
    expect(a.code).toBe('SAFETENSORS_INVALID');
    expect(a.message).toMatch(/checksum mismatch[\s\S]*run the inversion again/);

    const truncated = path.join(dir, 'truncated.safetensors');
    fs.writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
    const b = codeOf(() => loadInversion(truncated));
    expect(b.code).toBe('SAFETENSORS_INVALID');
    expect(b.message).toMatch(/not a valid safetensors file[\s\S]*run the inversion again/);

    const garbage = path.join(dir, 'garbage.safetensors');
    fs.writeFileSync(garbage, 'definitely not a record');
    expect(codeOf(() => loadInversion(garbage)).code).toBe('SAFETENSORS_INVALID');
  });

  it('a file of another format or version, or with missing or misshapen tensors, is SAFETENSORS_INVALID', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'r.safetensors');
    saveInversion(file, await make('bdia'));

    const weights = path.join(dir, 'unet');
    writeRandomComponent(weights, 'unet', tinyUnetSd1, { seed: 1 });
    const w = codeOf(() => loadInversion(path.join(weights, 'diffusion_pytorch_model.safetensors')));
    expect(w.code).toBe('SAFETENSORS_INVALID');
    expect(w.message).toMatch(/is not an inversion record[\s\S]*saveInversion/);

    const v2 = path.join(dir, 'v2.safetensors');
    rewrite(file, v2, (meta) => (meta.formatVersion = '2'));
    expect(codeOf(() => loadInversion(v2)).message).toMatch(/format version "2"; this Reprise reads version 1/);

    const missing = path.join(dir, 'missing.safetensors');
    rewrite(file, missing, (_meta, tensors) => tensors.splice(tensors.findIndex((t) => t.name === 'latents.zN.rest'), 1));
    const m = codeOf(() => loadInversion(missing));
    expect(m.code).toBe('SAFETENSORS_INVALID');
    expect(m.message).toMatch(/tensor "latents\.zN\.rest" is missing/);

    const misshapen = path.join(dir, 'misshapen.safetensors');
    rewrite(file, misshapen, (_meta, tensors) => {
      const i = tensors.findIndex((t) => t.name === 'z0');
      tensors[i] = { ...tensors[i]!, shape: [4, 16] };
    });
    expect(codeOf(() => loadInversion(misshapen)).message).toMatch(/tensor "z0" has shape \[4, 16\], expected \[4, 4, 4\]/);

    const badJson = path.join(dir, 'json.safetensors');
    rewrite(file, badJson, (meta) => (meta.record = (meta.record ?? '').replace('"gamma":0.96', '"gamma":3')));
    expect(codeOf(() => loadInversion(badJson)).message).toMatch(/options are invalid[\s\S]*gamma/);
  });

  it('a record of another model or another schedule is RUNTIME_INPUT; the same schedule written differently is accepted', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'r.safetensors');
    saveInversion(file, await make('ef-ddpm'));
    const model = codeOf(() => loadInversion(file, { modelId: 'unet:other' }));
    expect(model.code).toBe('RUNTIME_INPUT');
    expect(model.message).toMatch(/made with model "unet:abc123", not with the loaded model "unet:other"[\s\S]*invert the image again/);

    const steps = codeOf(() => loadInversion(file, { schedule: { config: SD1_SCHEDULER, steps: 10 } }));
    expect(steps.code).toBe('RUNTIME_INPUT');
    expect(steps.message).toMatch(/another schedule: 8 steps vs 10/);
    const betas = codeOf(() => loadInversion(file, { schedule: { config: { ...SD1_SCHEDULER, beta_end: 0.02 }, steps: STEPS } }));
    expect(betas.message).toMatch(/another schedule: different noise schedules/);
    const spacing = codeOf(() => loadInversion(file, { schedule: { config: { ...SD1_SCHEDULER, timestep_spacing: 'trailing' }, steps: STEPS } }));
    expect(spacing.message).toMatch(/another schedule: timesteps/);

    const pndm = { ...SD1_SCHEDULER, _class_name: 'PNDMScheduler', _diffusers_version: '0.6.0', skip_prk_steps: true };
    expect(loadInversion(file, { modelId: 'unet:abc123', schedule: { config: pndm, steps: STEPS } }).method).toBe('ef-ddpm');
  });
});
