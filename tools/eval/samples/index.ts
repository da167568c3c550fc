/**
 * Sample quality of a text-to-image model trained on rendered scenes: generate from scene
 * captions, judge each image against the scene's own masks and colours (docs/sample-quality.md).
 */
export * from './judge.js';
export * from './masks.js';
export * from './options.js';
export * from './pictures.js';
export * from './report.js';
export * from './run.js';
export * from './summary.js';
