/**
 * Reprise's one seeded random generator, used for every noise tensor and random weight.
 *
 * Algorithm: xoshiro128** (Blackman & Vigna) over 32-bit integer arithmetic, seeded by
 * splitmix32 from a 32-bit seed (and an optional stream id, so independent streams can be
 * derived by name). Uniforms are `(u32 >>> 8) / 2^24`, normals use the Box–Muller transform
 * in float64. Integer steps are exact everywhere; the transcendental functions are V8's
 * fdlibm ports, which are identical on every platform Node runs on, so the same seed gives
 * bit-identical tensors on every run and machine.
 */
import { ConfigError } from '../errors.js';
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  constructor(seed: number, stream = 0) {
    if (!Number.isInteger(seed)) throw new ConfigError('CONFIG_INVALID', 'seed', `seed must be an integer, got ${seed}`, 'Pass a whole number as the seed (0 to 2³² − 1).');
    let x = (seed ^ Math.imul(stream | 0, 0x9e3779b9)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Derives a generator for a named sub-stream (e.g. one tensor name) from a seed. */
  static forName(seed: number, name: string): Random {
    let h = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
    return new Random(seed, h);
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 24 bits of resolution (exactly representable in float32). */
  uniform(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }

  /** Standard normal (Box–Muller, float64). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Fills a new Float32Array with standard normals. */
  normals(length: number, std = 1): Float32Array {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = this.normal() * std;
    return out;
  }

  /** Fills a new Float32Array with uniforms in [lo, hi). */
  uniforms(length: number, lo: number, hi: number): Float32Array {
    const out = new Float32Array(length);
    const w = hi - lo;
    for (let i = 0; i < length; i++) out[i] = lo + w * this.uniform();
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
