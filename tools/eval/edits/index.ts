/**
 * The edit-quality benchmark on synthetic scenes with known answers (docs/edit-quality.md):
 * edit cases built from a scene spec, their metrics, the benchmark loop, pictures and reports.
 */
export * from './cases.js';
export * from './measure.js';
export * from './pictures.js';
export * from './report.js';
export * from './run.js';
