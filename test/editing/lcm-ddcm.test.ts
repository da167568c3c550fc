import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/editing/pipeline.js';
import type { RasterImage } from '../../src/io/image/types.js';
import { writeRandomModel } from '../../src/models/random-model.js';
import { tempDir } from '../helpers.js';

const LCM_SCHEDULER = {
  _class_name: 'LCMScheduler',
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  original_inference_steps: 50,
  set_alpha_to_one: true,
  steps_offset: 1,
  prediction_type: 'epsilon',
  timestep_spacing: 'leading',
  timestep_scaling: 10,
};

describe('DDCM with attention control on an LCM model (InfEdit setting)', async () => {
  const dir = tempDir();
  const folder = writeRandomModel(path.join(dir, 'lcm'), { seed: 4, unet: { time_cond_proj_dim: 16 }, scheduler: LCM_SCHEDULER });
  const pipe = await Pipeline.load(folder, { cache: false });
  const image: RasterImage = { width: 32, height: 32, channels: 3, bitDepth: 8, data: new Uint8Array(32 * 32 * 3).map((_, i) => (i * 13) % 251) };

  it('is an LCM model with guidance through the embedding; 4-step DDCM edits keep the source branch exact', async () => {
    expect(pipe.model.isLcm).toBe(true);
    for (const steps of [4, 8]) {
      const inv = await pipe.invert(image, { prompt: 'a red circle', method: 'ddcm', steps });
      expect(inv.schedule.timesteps).toHaveLength(steps);
      const back = await pipe.reconstruct(inv);
      expect(Buffer.compare(Buffer.from(back.image.data), Buffer.from(image.data))).toBe(0);
      const e = await pipe.edit(inv, { prompt: 'a green circle', attention: { mutual: {} } });
      expect(Buffer.compare(Buffer.from(e.source.data), Buffer.from(image.data))).toBe(0);
      expect(Buffer.compare(Buffer.from((e.images[0] as RasterImage).data), Buffer.from(image.data))).not.toBe(0);
    }
  });
});
