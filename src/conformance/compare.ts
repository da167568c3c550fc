/** Error measures used by the conformance runner and tests. */

/**
 * Max relative error: max |a − b| / max |b| (the largest absolute deviation, relative to the
 * reference's largest magnitude). Elementwise |a−b|/|b| explodes near zero and is not used.
 */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const b = expected[i] as number;
    const d = Math.abs(a - b);
    if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
    const m = Math.abs(b);
    if (m > maxRef) maxRef = m;
  }
  if (maxRef === 0) return maxDiff;
  return maxDiff / maxRef;
}
