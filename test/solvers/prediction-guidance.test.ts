import { describe, expect, it } from 'vitest';
import {
  classifierFreeGuidance,
  fromDenoised,
  guidanceFromBatch,
  noiseLevelFromAlphaBar,
  noiseLevelFromSigma,
  toDenoised,
  type PredictionType,
} from '../../src/solvers/index.js';
import { maxRelError, Random } from './helpers.js';

const rng = new Random(1234);
const normals = (n: number) => Float64Array.from({ length: n }, () => rng.normal());

describe('denoiser adapter', () => {
  for (const alphaBar of [0.9991, 0.5, 0.0047]) {
    for (const type of ['epsilon', 'v_prediction', 'sample'] as PredictionType[]) {
      it(`${type} at ā=${alphaBar}: model output → (ε, x0) → model output round-trips`, () => {
        const level = noiseLevelFromAlphaBar(alphaBar);
        const x0 = normals(64);
        const eps = normals(64);
        const x = x0.map((v, i) => level.alpha * v + level.sigma * eps[i]!);
        const out = fromDenoised(type, { eps, x0 }, level);
        const d = toDenoised(type, out, x, level);
        expect(maxRelError(d.eps, eps, 1)).toBeLessThan(1e-12);
        expect(maxRelError(d.x0, x0, 1)).toBeLessThan(1e-12);
        expect(maxRelError(fromDenoised(type, d, level), out, 1)).toBeLessThan(1e-12);
      });
    }
  }

  it('v-prediction matches the closed forms ε = αv + σx, x0 = αx − σv', () => {
    const level = noiseLevelFromAlphaBar(0.3);
    const v = normals(16);
    const x = normals(16);
    const d = toDenoised('v_prediction', v, x, level);
    for (let i = 0; i < 16; i++) {
      expect(d.eps[i]).toBeCloseTo(level.alpha * v[i]! + level.sigma * x[i]!, 14);
      expect(d.x0[i]).toBeCloseTo(level.alpha * x[i]! - level.sigma * v[i]!, 14);
    }
  });

  it('v-prediction at zero SNR (ā = 0): x0 = −v, ε = x', () => {
    const level = noiseLevelFromAlphaBar(0);
    const v = normals(8);
    const x = normals(8);
    const d = toDenoised('v_prediction', v, x, level);
    expect(Array.from(d.x0)).toEqual(Array.from(v, (t) => -t));
    expect(Array.from(d.eps)).toEqual(Array.from(x));
  });

  it('keeps float32 inputs float32', () => {
    const x = new Float32Array([1, 2, 3]);
    const d = toDenoised('epsilon', new Float32Array([0.1, 0.2, 0.3]), x, noiseLevelFromAlphaBar(0.5));
    expect(d.eps).toBeInstanceOf(Float32Array);
    expect(d.x0).toBeInstanceOf(Float32Array);
  });

  it('VE σ ↔ VP level: α = 1/√(σ²+1), σ_VP = σ α', () => {
    const l = noiseLevelFromSigma(3);
    expect(l.alpha ** 2 + l.sigma ** 2).toBeCloseTo(1, 14);
    expect(l.sigma / l.alpha).toBeCloseTo(3, 14);
  });
});

describe('classifier-free guidance', () => {
  const u = normals(128);
  const c = normals(128);

  it('w = 1 returns ε_c exactly, with or without rescale', () => {
    expect(Array.from(classifierFreeGuidance(u, c, { scale: 1 }))).toEqual(Array.from(c));
    expect(Array.from(classifierFreeGuidance(u, c, { scale: 1, rescale: 0.7, batchSize: 2 }))).toEqual(Array.from(c));
    expect(Array.from(classifierFreeGuidance(u, c, { scale: 0 }))).toEqual(Array.from(u));
  });

  it('ε̂ = ε_u + w(ε_c − ε_u)', () => {
    const g = classifierFreeGuidance(u, c, { scale: 7.5 });
    for (let i = 0; i < g.length; i++) expect(g[i]).toBeCloseTo(u[i]! + 7.5 * (c[i]! - u[i]!), 12);
  });

  it('rescale φ = 1 gives ε̂ the std of ε_c per batch item; φ blends linearly', () => {
    const std = (x: Float64Array) => {
      const m = x.reduce((a, b) => a + b, 0) / x.length;
      return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1));
    };
    const full = classifierFreeGuidance(u, c, { scale: 9, rescale: 1, batchSize: 2 });
    for (const [b, e] of [[0, 64], [64, 128]] as const) expect(std(full.subarray(b, e))).toBeCloseTo(std(c.subarray(b, e)), 12);
    const plain = classifierFreeGuidance(u, c, { scale: 9 });
    const half = classifierFreeGuidance(u, c, { scale: 9, rescale: 0.5, batchSize: 2 });
    for (let i = 0; i < 128; i++) expect(half[i]).toBeCloseTo(0.5 * full[i]! + 0.5 * plain[i]!, 12);
  });

  it('guidanceFromBatch splits [uncond, cond]', () => {
    const batch = new Float64Array([...u, ...c]);
    expect(Array.from(guidanceFromBatch(batch, { scale: 3 }))).toEqual(Array.from(classifierFreeGuidance(u, c, { scale: 3 })));
  });

  it('rejects a rescale outside [0, 1]', () => {
    expect(() => classifierFreeGuidance(u, c, { scale: 2, rescale: 1.5 })).toThrow(/rescale/);
  });
});
