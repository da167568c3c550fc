/** Test helpers for the solver tests: fixture folder, a tiny safetensors reader, tolerances. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The reference fixture folder: $REPRISE_FIXTURES, or ../shared/fixtures/reference beside the repo. */
export const fixtureDir = process.env['REPRISE_FIXTURES'] ?? path.resolve(repoRoot, '../shared/fixtures/reference');

/** The solver fixture folder (diffusers' PNDM, DEIS, UniPC, … trajectories): $REPRISE_SOLVER_FIXTURES, or ../shared/fixtures/solvers. */
export const solverFixtureDir = process.env['REPRISE_SOLVER_FIXTURES'] ?? path.resolve(repoRoot, '../shared/fixtures/solvers');

/** Reads F32/F64 tensors of a small safetensors file as Float64Arrays (header: u64 LE length + JSON). */
export function readSmallSafetensors(file: string): Map<string, { shape: number[]; data: Float64Array }> {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out = new Map<string, { shape: number[]; data: Float64Array }>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = info.data_offsets;
    const bytes = buf.subarray(8 + n + begin, 8 + n + end);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const size = info.dtype === 'F64' ? 8 : info.dtype === 'F32' ? 4 : 0;
    if (size === 0) throw new Error(`readSmallSafetensors: ${name} has dtype ${info.dtype}; only F32/F64 are supported`);
    const data = new Float64Array(bytes.byteLength / size);
    for (let i = 0; i < data.length; i++) data[i] = size === 8 ? view.getFloat64(i * 8, true) : view.getFloat32(i * 4, true);
    out.set(name, { shape: info.shape, data });
  }
  return out;
}

/** max_i |a_i − b_i| / max(|b_i|, floor). */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-30): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), floor));
  return m;
}

/** Seeded pseudo-random Float64Array of standard normals from the project RNG. */
export { Random } from '../../src/util/random.js';
