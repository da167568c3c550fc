/** Tiny random model folders of every kind the exactness tests cover (SD 1.x, SD 2.x v-pred, LCM, Turbo/trailing, linspace). */
import * as path from 'node:path';
import { SD1_SCHEDULER_CONFIG, writeRandomModel } from '../../src/models/random-model.js';
import type { RasterImage } from '../../src/io/image/types.js';

/** A folder kind: scheduler and UNet overrides over the tiny random SD 1.x model. */
export interface FolderKind {
  readonly name: string;
  readonly scheduler: Record<string, unknown>;
  readonly unet?: Record<string, unknown>;
}

const LCM_SCHEDULER = {
  _class_name: 'LCMScheduler', num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear',
  original_inference_steps: 50, set_alpha_to_one: true, steps_offset: 1, prediction_type: 'epsilon', timestep_spacing: 'leading', timestep_scaling: 10,
};

export const FOLDER_KINDS: readonly FolderKind[] = [
  { name: 'SD 1.x (eps, leading)', scheduler: SD1_SCHEDULER_CONFIG },
  { name: 'SD 2.x (v-prediction, linear projections)', scheduler: { ...SD1_SCHEDULER_CONFIG, prediction_type: 'v_prediction' }, unet: { use_linear_projection: true, upcast_attention: true } },
  { name: 'LCM', scheduler: LCM_SCHEDULER, unet: { time_cond_proj_dim: 16 } },
  { name: 'Turbo (Euler ancestral, trailing)', scheduler: { ...SD1_SCHEDULER_CONFIG, _class_name: 'EulerAncestralDiscreteScheduler', timestep_spacing: 'trailing', steps_offset: 0 } },
  { name: 'linspace (last timestep 0)', scheduler: { ...SD1_SCHEDULER_CONFIG, _class_name: 'UniPCMultistepScheduler', timestep_spacing: 'linspace', steps_offset: 0 } },
];

/** Writes the folder of `kind` under `dir`. */
export function writeFolder(dir: string, kind: FolderKind, seed: number): string {
  return writeRandomModel(path.join(dir, kind.name.replace(/[^a-z0-9]+/gi, '-')), { seed, scheduler: kind.scheduler, ...(kind.unet ? { unet: kind.unet } : {}) });
}

/** A deterministic 32×32 RGB test image. */
export const TEST_IMAGE: RasterImage = { width: 32, height: 32, channels: 3, bitDepth: 8, data: new Uint8Array(32 * 32 * 3).map((_, i) => (i * 13 + ((i >> 5) * 7)) % 251) };

/** How many samples of a and b are equal. */
export function equalSamples(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (Object.is(a[i], b[i])) n++;
  return n;
}

/** max |a − b| / max |b|. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
    m = Math.max(m, Math.abs(b[i] as number));
  }
  return d / m;
}
