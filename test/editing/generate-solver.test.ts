/**
 * `generate` honours the folder's scheduler: a folder whose scheduler_config.json names
 * PNDMScheduler (Stable Diffusion 1.5's) samples with PNDM by default, exactly as
 * `scheduler: 'pndm'`; a given z_T (`latents`) is used as is; an unknown class is refused with
 * the class and the choices named; the record stays exact (reconstruct = the generated image).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/editing/pipeline.js';
import { generationSolver } from '../../src/editing/generate.js';
import { writeRandomModel } from '../../src/models/random-model.js';
import { Random } from '../../src/util/random.js';
import { RepriseError } from '../../src/errors.js';
import type { RasterImage } from '../../src/io/image/types.js';
import { tempDir } from '../helpers.js';

const SD15 = { _class_name: 'PNDMScheduler', beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', clip_sample: false, num_train_timesteps: 1000, set_alpha_to_one: false, skip_prk_steps: true, steps_offset: 1, trained_betas: null };
const bytes = (a: RasterImage) => Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);

describe('generate with the folder scheduler', async () => {
  const folder = writeRandomModel(path.join(tempDir(), 'model'), { seed: 5 });
  fs.writeFileSync(path.join(folder, 'scheduler', 'scheduler_config.json'), JSON.stringify(SD15));
  const pipe = await Pipeline.load(folder, { cache: false });
  const o = { seed: 2, steps: 4, width: 32, height: 32 };

  it('samples with PNDM by default, as scheduler "pndm", unlike the DDIM method; the record reconstructs the image', async () => {
    const byDefault = await pipe.generate('a red circle', o);
    const pndm = await pipe.generate('a red circle', { ...o, scheduler: 'pndm' });
    const ddim = await pipe.generate('a red circle', { ...o, method: 'ddim' });
    expect(byDefault.solver).toBe('pndm');
    expect(ddim.solver).toBe('ddim');
    expect(bytes(byDefault.image).equals(bytes(pndm.image))).toBe(true);
    expect(bytes(byDefault.image).equals(bytes(ddim.image))).toBe(false);
    const r = await pipe.reconstruct(byDefault.inversion);
    expect(bytes(r.image).equals(bytes(byDefault.image))).toBe(true);
    // The record of a PNDM generation is its EF-DDPM inversion; editing says so.
    expect(byDefault.inversion.method).toBe('ef-ddpm');
    const edited = await pipe.edit(byDefault.inversion, { prompt: 'a red square' });
    expect(edited.solver).toBe('ef-ddpm');
  });

  it('uses a given z_T: the seed-drawn latent passed as latents gives the same image; another gives another', async () => {
    const b = await pipe.generate('a red circle', { ...o, scheduler: 'unipc' });
    const [C, H, W] = b.inversion.latentShape;
    const z = new Random(2).normals(C * H * W);
    const a = await pipe.generate('a red circle', { ...o, scheduler: 'unipc', latents: z });
    const c = await pipe.generate('a red circle', { ...o, scheduler: 'unipc', latents: Float32Array.from(z, (v) => -v) });
    expect(a.solver).toBe('unipc');
    expect(bytes(a.image).equals(bytes(b.image))).toBe(true);
    expect(bytes(a.image).equals(bytes(c.image))).toBe(false);
    await expect(pipe.generate('a red circle', { ...o, latents: new Float32Array(3) })).rejects.toThrow(/latents has 3 values/);
  });

  it('refuses unknown schedulers and classes, naming them and the choices', async () => {
    await expect(pipe.generate('x', { ...o, scheduler: 'kdpm2' })).rejects.toThrow(/unknown scheduler "kdpm2".*pndm/);
    expect(() => generationSolver(undefined, undefined, 'KDPM2DiscreteScheduler')).toThrow(/KDPM2DiscreteScheduler.*PNDMScheduler/);
    expect(() => generationSolver('ddim-inverse', undefined, 'PNDMScheduler')).toThrow(RepriseError);
    expect(generationSolver(undefined, undefined, 'DDIMScheduler')).toBeUndefined();
    expect(generationSolver('DPMSolverMultistepScheduler', undefined, 'DDIMScheduler')?.id).toBe('dpm-solver++');
  });
});
