import { describe, expect, it } from 'vitest';
import {
  bfloat16ArrayToFloat32,
  bfloat16ToFloat32,
  float16ArrayToFloat32,
  float16ToFloat32,
  float32ArrayToBFloat16,
  float32ArrayToFloat16,
  float32ToBFloat16,
  float32ToFloat16,
} from '../../src/io/float16.js';

const isHalfNaN = (b: number): boolean => (b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0;
const isBf16NaN = (b: number): boolean => (b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0;

/** Float32 values from bit patterns (keeps NaN payloads, which a JS number may not). */
function f32FromBits(bits: number[]): Float32Array {
  return new Float32Array(new Uint32Array(bits).buffer);
}

/** Independent binary16 rounding in float64 arithmetic (exact for float32 inputs). */
function referenceHalf(x: number): number {
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  let e = -14;
  while (e < 15 && 2 ** (e + 1) <= a) e++;
  const ulp = 2 ** (e - 10);
  const q = a / ulp; // exact: at most 24 significant bits
  const fl = Math.floor(q);
  const r = q - fl > 0.5 || (q - fl === 0.5 && fl % 2 === 1) ? fl + 1 : fl;
  return Math.sign(x) * r * ulp;
}

describe('float16', () => {
  it('narrows exact values, limits, infinities and NaN', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff], // largest finite
      [-65504, 0xfbff],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [1023 * 2 ** -24, 0x03ff], // largest subnormal
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [1e10, 0x7c00], // overflow
      [1e-10, 0x0000], // underflow
      [-1e-10, 0x8000],
    ];
    for (const [x, bits] of cases) expect(float32ToFloat16(x), `${x}`).toBe(bits);
    expect(isHalfNaN(float32ToFloat16(NaN))).toBe(true);
  });

  it('rounds to nearest with ties to even', () => {
    const cases: Array<[number, number]> = [
      [1 + 2 ** -11, 0x3c00], // tie, down to even
      [1 + 3 * 2 ** -11, 0x3c02], // tie, up to even
      [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie
      [2049, 0x6800], // tie between 2048 and 2050
      [2051, 0x6802], // tie between 2050 and 2052
      [65519, 0x7bff], // below the overflow tie
      [65520, 0x7c00], // overflow tie rounds to infinity (even)
      [2 ** -25, 0x0000], // tie between 0 and the smallest subnormal
      [1.5 * 2 ** -25, 0x0001],
      [3 * 2 ** -25, 0x0002], // subnormal tie, up to even
      [1023.5 * 2 ** -24, 0x0400], // largest subnormal rounds up into the normals
      [-(1 + 3 * 2 ** -11), 0xbc02],
    ];
    for (const [x, bits] of cases) expect(float32ToFloat16(x), `${x}`).toBe(bits);
    // Inputs are rounded to float32 first: 1 + 2^-11 + 2^-30 is 1 + 2^-11 in float32, a tie.
    expect(float32ToFloat16(1 + 2 ** -11 + 2 ** -30)).toBe(0x3c00);
  });

  it('widens every binary16 value exactly and round-trips all 65536 patterns', () => {
    for (let h = 0; h < 0x10000; h++) {
      const f = float16ToFloat32(h);
      if (isHalfNaN(h)) {
        expect(f).toBeNaN();
        continue;
      }
      expect(Math.fround(f)).toBe(f);
      expect(float32ToFloat16(f)).toBe(h);
    }
    expect(float16ToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16ToFloat32(0x7bff)).toBe(65504);
    expect(float16ToFloat32(0xfc00)).toBe(-Infinity);
    expect(Object.is(float16ToFloat32(0x8000), -0)).toBe(true);
  });

  it('agrees with an independent rounding on random float32 values', () => {
    const bits = new Uint32Array(20000);
    let s = 12345;
    for (let i = 0; i < bits.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      // exponents around the binary16 range, random mantissa and sign
      const exp = 100 + (s % 50);
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      bits[i] = ((s & 1) << 31) | (exp << 23) | (s >>> 9);
    }
    const values = new Float32Array(bits.buffer);
    const narrowed = float32ArrayToFloat16(values);
    for (let i = 0; i < values.length; i++) {
      const x = values[i] as number;
      expect(float16ToFloat32(narrowed[i] as number), `${x}`).toBe(referenceHalf(x));
      expect(narrowed[i]).toBe(float32ToFloat16(x));
    }
  });

  it('array conversions keep NaN payloads NaN and match the scalar ones', () => {
    const src = f32FromBits([0x7f800001, 0xffc00000, 0x7f800000, 0x3f800000, 0x00000001]);
    const h = float32ArrayToFloat16(src);
    expect(isHalfNaN(h[0] as number)).toBe(true);
    expect(isHalfNaN(h[1] as number)).toBe(true);
    expect([...h.slice(2)]).toEqual([0x7c00, 0x3c00, 0x0000]);
    const back = float16ArrayToFloat32(new Uint16Array([0x7e01, 0x3c00, 0x0001, 0xfc00]));
    expect(back[0]).toBeNaN();
    expect([...back.slice(1)]).toEqual([1, 2 ** -24, -Infinity]);
  });
});

describe('bfloat16', () => {
  it('narrows exact values, limits, infinities and NaN', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3f80],
      [-1, 0xbf80],
      [2 ** -133, 0x0001], // smallest bfloat16 subnormal
      [2 ** -149, 0x0000], // smallest float32 subnormal: below half
      [Infinity, 0x7f80],
      [-Infinity, 0xff80],
      [(2 - 2 ** -7) * 2 ** 127, 0x7f7f], // largest finite bfloat16
      [3.4028234663852886e38, 0x7f80], // float32 max rounds to infinity
    ];
    for (const [x, bits] of cases) expect(float32ToBFloat16(x), `${x}`).toBe(bits);
    expect(isBf16NaN(float32ToBFloat16(NaN))).toBe(true);
    // NaN with payload only in the low 16 bits must stay NaN, not become infinity.
    const h = float32ArrayToBFloat16(f32FromBits([0x7f800001, 0xff800001]));
    expect(isBf16NaN(h[0] as number)).toBe(true);
    expect(isBf16NaN(h[1] as number)).toBe(true);
    expect((h[1] as number) & 0x8000).toBe(0x8000);
  });

  it('rounds to nearest with ties to even', () => {
    const cases: Array<[number, number]> = [
      [1 + 2 ** -8, 0x3f80], // tie, down to even
      [1 + 3 * 2 ** -8, 0x3f82], // tie, up to even
      [1 + 2 ** -8 + 2 ** -20, 0x3f81], // above the tie
      [-(1 + 3 * 2 ** -8), 0xbf82],
      [1.5 * 2 ** -133, 0x0002], // subnormal tie 1.5 ulp: up to even
      [2 ** -134, 0x0000], // subnormal tie 0.5 ulp: down to even
    ];
    for (const [x, bits] of cases) expect(float32ToBFloat16(x), `${x}`).toBe(bits);
  });

  it('widens exactly and round-trips all 65536 patterns', () => {
    for (let h = 0; h < 0x10000; h++) {
      const f = bfloat16ToFloat32(h);
      if (isBf16NaN(h)) {
        expect(f).toBeNaN();
        continue;
      }
      expect(float32ToBFloat16(f)).toBe(h);
    }
    expect(bfloat16ToFloat32(0x3f80)).toBe(1);
    expect(bfloat16ToFloat32(0x0001)).toBe(2 ** -133);
    const arr = bfloat16ArrayToFloat32(new Uint16Array([0x3f80, 0xc000, 0x7f80]));
    expect([...arr]).toEqual([1, -2, Infinity]);
  });
});
