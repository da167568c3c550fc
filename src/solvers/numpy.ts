/**
 * The few numpy routines diffusers' `set_timesteps` uses, reproduced operation for operation in
 * float64 so that timesteps come out identical (numpy rounds half to even; `arange` with a float
 * step fills `start + i·((start + step) − start)`; `interp` returns table values exactly at knots).
 */

/** numpy.round / numpy.rint: round half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds .5 up; numpy rounds .5 to the even neighbour.
  if (Math.abs(x % 1) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/** numpy.linspace(start, stop, num, endpoint) in float64. */
export function npLinspace(start: number, stop: number, num: number, endpoint = true): Float64Array {
  const out = new Float64Array(num);
  const div = endpoint ? num - 1 : num;
  const delta = stop - start;
  const step = delta / div;
  for (let i = 0; i < num; i++) {
    out[i] = div > 0 ? (step === 0 ? (i / div) * delta : i * step) + start : i * delta + start;
  }
  if (endpoint && num > 1) out[num - 1] = stop;
  return out;
}

/** numpy.arange(start, stop, step) for float64 arguments. */
export function npArange(start: number, stop: number, step: number): Float64Array {
  const length = Math.max(0, Math.ceil((stop - start) / step));
  const out = new Float64Array(length);
  if (length === 0) return out;
  out[0] = start;
  if (length === 1) return out;
  const next = start + step;
  const delta = next - start;
  out[1] = next;
  for (let i = 2; i < length; i++) out[i] = start + i * delta;
  return out;
}

/**
 * numpy.interp(x, xp, fp) for increasing `xp`: `fp[j]` where x equals a knot, linear in between
 * (`slope·(x − xp[j]) + fp[j]`), and the end values outside.
 */
export function npInterp(x: ArrayLike<number>, xp: ArrayLike<number>, fp: ArrayLike<number>): Float64Array {
  const n = xp.length;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (Number.isNaN(v)) {
      out[i] = v;
    } else if (v >= xp[n - 1]!) {
      out[i] = fp[n - 1]!;
    } else if (v < xp[0]!) {
      out[i] = fp[0]!;
    } else {
      let lo = 0;
      let hi = n - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (xp[mid]! <= v) lo = mid;
        else hi = mid;
      }
      if (v === xp[lo]!) {
        out[i] = fp[lo]!;
      } else {
        const slope = (fp[lo + 1]! - fp[lo]!) / (xp[lo + 1]! - xp[lo]!);
        out[i] = slope * (v - xp[lo]!) + fp[lo]!;
      }
    }
  }
  return out;
}
