/**
 * Exact conversions between float32 and the 16-bit float formats stored in weight files:
 * IEEE 754 binary16 ("F16") and bfloat16 ("BF16"). Narrowing rounds to nearest, ties to even,
 * from the float32 value (inputs are first rounded to float32 with `Math.fround` semantics), and
 * handles subnormals, infinities and NaN. Widening is exact.
 */

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** float32 bit pattern of `value` after rounding it to float32. */
function float32Bits(value: number): number {
  scratchF32[0] = value;
  return scratchU32[0] as number;
}

/** Narrows float32 bits to binary16 bits, round to nearest even. */
function bitsToFloat16(u: number): number {
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) {
    // Infinity keeps its sign; NaN stays a (quiet) NaN with the top payload bits.
    return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  }
  const e = exp - 127 + 15; // biased binary16 exponent
  if (e >= 31) return sign | 0x7c00; // overflow (rounding cannot bring it back)
  if (e <= 0) {
    // binary16 subnormal (or zero): value = m · 2^(e - 25), result = m >> (14 - e).
    if (e < -10) return sign; // below half the smallest subnormal: rounds to ±0
    const m = mant | 0x800000;
    const shift = 14 - e; // 14..24
    let result = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (result & 1) === 1)) result += 1; // may carry into the smallest normal
    return sign | result;
  }
  let result = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (result & 1) === 1)) result += 1; // may carry up to infinity
  return sign | result;
}

/** Narrows float32 bits to bfloat16 bits, round to nearest even. */
function bitsToBFloat16(u: number): number {
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) {
    return ((u >>> 16) | 0x40) & 0xffff; // NaN: keep sign and payload top, force quiet
  }
  const rounding = 0x7fff + ((u >>> 16) & 1);
  return Math.floor((u + rounding) / 0x10000) & 0xffff;
}

/**
 * Converts a number to IEEE binary16 bits (round to nearest, ties to even, from its float32 value).
 * @returns the 16-bit pattern as an integer in [0, 65535]
 */
export function float32ToFloat16(value: number): number {
  return bitsToFloat16(float32Bits(value));
}

/**
 * Converts a number to bfloat16 bits (round to nearest, ties to even, from its float32 value).
 * @returns the 16-bit pattern as an integer in [0, 65535]
 */
export function float32ToBFloat16(value: number): number {
  return bitsToBFloat16(float32Bits(value));
}

/** Decodes IEEE binary16 bits exactly (the result is exactly representable in float32). */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** Decodes bfloat16 bits exactly (bfloat16 is the top half of a float32). */
export function bfloat16ToFloat32(bits: number): number {
  scratchU32[0] = (bits & 0xffff) << 16;
  return scratchF32[0] as number;
}

let float16Table: Float32Array | undefined;

/** All 65536 binary16 values as float32 (built on first use; 256 KiB). */
function float16ToFloat32Table(): Float32Array {
  if (float16Table === undefined) {
    const t = new Float32Array(0x10000);
    const tBits = new Uint32Array(t.buffer);
    for (let h = 0; h < 0x10000; h++) {
      const exp = (h >>> 10) & 0x1f;
      if (exp === 0x1f) {
        // Keep the NaN payload bit-for-bit (float32 has more mantissa bits).
        tBits[h] = ((h & 0x8000) << 16) | 0x7f800000 | ((h & 0x3ff) << 13);
      } else {
        t[h] = float16ToFloat32(h);
      }
    }
    float16Table = t;
  }
  return float16Table;
}

/**
 * Widens binary16 bits to float32, exactly.
 * @param src - binary16 bit patterns
 * @param dst - optional destination of at least `src.length` elements
 */
export function float16ArrayToFloat32(src: Uint16Array, dst: Float32Array = new Float32Array(src.length)): Float32Array {
  const table = float16ToFloat32Table();
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i] as number] as number;
  return dst;
}

/**
 * Widens bfloat16 bits to float32, exactly.
 * @param src - bfloat16 bit patterns
 * @param dst - optional destination of at least `src.length` elements
 */
export function bfloat16ArrayToFloat32(src: Uint16Array, dst: Float32Array = new Float32Array(src.length)): Float32Array {
  const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < src.length; i++) out[i] = (src[i] as number) << 16;
  return dst;
}

/**
 * Narrows float32 values to binary16 bits, round to nearest even.
 * @param src - float32 values
 * @param dst - optional destination of at least `src.length` elements
 */
export function float32ArrayToFloat16(src: Float32Array, dst: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) dst[i] = bitsToFloat16(bits[i] as number);
  return dst;
}

/**
 * Narrows float32 values to bfloat16 bits, round to nearest even.
 * @param src - float32 values
 * @param dst - optional destination of at least `src.length` elements
 */
export function float32ArrayToBFloat16(src: Float32Array, dst: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) dst[i] = bitsToBFloat16(bits[i] as number);
  return dst;
}
