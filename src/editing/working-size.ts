/**
 * The working resolution of an inversion: the model's own size by default (UNet sample_size ×
 * VAE scale factor: 512 for SD 1.5, 768 for SD 2.1), the long side of the input resized to it
 * with the aspect kept and each side rounded to the UNet's multiple (VAE factor × 2 per UNet
 * downsampler, 64 for SD). `size` overrides the long side; `'input'` keeps the input's own size
 * (rounded to the multiple). The output and the exact reconstruction come back at the input's
 * size: the pixel residual is taken at full resolution (see pixels.ts).
 */
import { planGeometry, type GeometryPlan, type ResizePolicy } from '../io/image/model-geometry.js';
import { resolveUnetConfig } from '../models/unet/config.js';

/** Which side the model works at: the model's own, a given long side, or the input's own. */
export type WorkingSizeRequest = number | 'input' | undefined;

/** What a model contributes to the working size. */
export interface WorkingSizeModel {
  /** UNet sample_size × VAE scale factor. */
  readonly nativeSize: number;
  readonly vaeScaleFactor: number;
  readonly unet: { readonly config: unknown };
}

/** Pixels per UNet cell at the coarsest level: VAE factor × 2^(downsamplers). */
export function unetMultiple(model: WorkingSizeModel): number {
  const plan = resolveUnetConfig(model.unet.config);
  return model.vaeScaleFactor * 2 ** plan.down.filter((b) => b.resample).length;
}

/** The long side (or square side) asked of the geometry, or undefined for the input's own size. */
export function targetSide(model: WorkingSizeModel, request: WorkingSizeRequest): number | undefined {
  if (request === 'input') return undefined;
  return request ?? model.nativeSize;
}

/** Plans the model canvas for an image of `width × height`. */
export function workingGeometry(model: WorkingSizeModel, width: number, height: number, resize: { readonly policy: ResizePolicy; readonly size?: WorkingSizeRequest }): GeometryPlan {
  const targetSize = targetSide(model, resize.size);
  return planGeometry(width, height, { multiple: unetMultiple(model), policy: resize.policy, ...(targetSize !== undefined ? { targetSize } : {}) });
}

/** The line the CLI prints: "3024×4032 → 384×512 for inversion". */
export function workingSizeLine(input: { readonly width: number; readonly height: number }, latentShape: readonly number[], vaeScaleFactor: number): string {
  const h = (latentShape[1] ?? 0) * vaeScaleFactor;
  const w = (latentShape[2] ?? 0) * vaeScaleFactor;
  const same = w === input.width && h === input.height;
  return `${input.width}×${input.height} → ${w}×${h} for inversion${same ? ' (the input size)' : ''}`;
}
