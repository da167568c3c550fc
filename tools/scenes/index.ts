/**
 * Synthetic scenes with known object masks: vocabulary, renderer, random specs and the
 * edit-quality metrics (PSNR/SSIM, mask IoU, colour and shape recognition) measured on them.
 *
 * @packageDocumentation
 */
export * from './vocabulary.js';
export * from './geometry.js';
export * from './spec.js';
export * from './random-scene.js';
export * from './render.js';
export * from './metrics.js';
export * from './caption-vocab.js';
export * from './masks.js';
export * from './palette.js';
