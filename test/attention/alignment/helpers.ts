/** Shared helpers of the alignment tests: the tiny CLIP tokenizer and small matrix utilities. */

import { ClipTokenizer } from '../../../src/tokenizer/index.js';
import { buildTinyFiles, tinyFixtureDir } from '../../tokenizer/helpers.js';

/** The fixture tokenizer (`tokenizer-tiny`), or an equivalent self-built one when the fixtures are absent. */
export const tokenizer: ClipTokenizer = tinyFixtureDir !== undefined ? ClipTokenizer.fromFolder(tinyFixtureDir) : ClipTokenizer.fromFiles(buildTinyFiles());

export const L = 77;

/** Entries `[row, col, value]` of the non-zeros of a row-major `[n · n]` matrix. */
export function nonZeros(m: Float32Array, n = L): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const v = m[i * n + j] as number;
    if (v !== 0) out.push([i, j, v]);
  }
  return out;
}

/** Deterministic pseudo-random generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `rows` softmax-normalised probability rows of length `n`, row-major. */
export function probabilityRows(rows: number, n: number, next: () => number): Float64Array {
  const p = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const v = Math.exp(4 * next());
      p[r * n + j] = v;
      sum += v;
    }
    for (let j = 0; j < n; j++) p[r * n + j] = (p[r * n + j] as number) / sum;
  }
  return p;
}

/** `P · M` for row-major `P` [rows, n] and `M` [n, n]. */
export function matmul(p: Float64Array, m: Float32Array, rows: number, n = L): Float64Array {
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) for (let k = 0; k < n; k++) {
    const v = p[r * n + k] as number;
    if (v === 0) continue;
    for (let j = 0; j < n; j++) out[r * n + j] = (out[r * n + j] as number) + v * (m[k * n + j] as number);
  }
  return out;
}
