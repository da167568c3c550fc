/**
 * Separable resampling of interleaved float samples (any channel count), in the manner of PIL's
 * `ImagingResample`: pixel centres at `i + 0.5`, the kernel widened by the scale factor when
 * shrinking (antialiasing), edge windows clipped and renormalised. Axes whose size does not change are
 * copied untouched, so a same-size resample is exact.
 */

/** Reconstruction kernels. `bicubic` is Keys' cubic with a = −0.5 (Catmull-Rom). */
export type ResampleKernel = 'lanczos3' | 'bicubic' | 'bilinear' | 'nearest';

const RADIUS: Readonly<Record<Exclude<ResampleKernel, 'nearest'>, number>> = { lanczos3: 3, bicubic: 2, bilinear: 1 };

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

function kernelValue(kernel: Exclude<ResampleKernel, 'nearest'>, x: number): number {
  const t = Math.abs(x);
  switch (kernel) {
    case 'bilinear':
      return t < 1 ? 1 - t : 0;
    case 'bicubic': {
      const a = -0.5;
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
      return 0;
    }
    case 'lanczos3':
      return t < 3 ? sinc(t) * sinc(t / 3) : 0;
  }
}

interface AxisWeights {
  readonly start: Int32Array;
  readonly count: Int32Array;
  /** `outSize · stride` weights; entry `i · stride + k` weighs input `start[i] + k`. */
  readonly weights: Float64Array;
  readonly stride: number;
}

function axisWeights(inSize: number, outSize: number, kernel: ResampleKernel): AxisWeights {
  const scale = inSize / outSize;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  if (kernel === 'nearest') {
    for (let i = 0; i < outSize; i++) start[i] = Math.min(inSize - 1, Math.floor((i + 0.5) * scale));
    count.fill(1);
    return { start, count, weights: new Float64Array(outSize).fill(1), stride: 1 };
  }
  const filterScale = Math.max(scale, 1);
  const support = RADIUS[kernel] * filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const weights = new Float64Array(outSize * stride);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support + 0.5));
    const hi = Math.min(inSize, Math.floor(center + support + 0.5));
    let sum = 0;
    const n = Math.min(hi - lo, stride);
    for (let k = 0; k < n; k++) {
      const w = kernelValue(kernel, (lo + k + 0.5 - center) / filterScale);
      weights[i * stride + k] = w;
      sum += w;
    }
    if (sum === 0 || n <= 0) {
      start[i] = Math.min(inSize - 1, Math.max(0, Math.floor(center)));
      count[i] = 1;
      weights[i * stride] = 1;
      continue;
    }
    for (let k = 0; k < n; k++) weights[i * stride + k] = (weights[i * stride + k] ?? 0) / sum;
    start[i] = lo;
    count[i] = n;
  }
  return { start, count, weights, stride };
}

function resampleRows(src: Float32Array, inW: number, rows: number, c: number, outW: number, kernel: ResampleKernel): Float32Array {
  const aw = axisWeights(inW, outW, kernel);
  const out = new Float32Array(outW * rows * c);
  for (let y = 0; y < rows; y++) {
    const rowIn = y * inW * c;
    const rowOut = y * outW * c;
    for (let x = 0; x < outW; x++) {
      const s = aw.start[x] ?? 0;
      const n = aw.count[x] ?? 0;
      const wBase = x * aw.stride;
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += (aw.weights[wBase + k] ?? 0) * (src[rowIn + (s + k) * c + ch] ?? 0);
        out[rowOut + x * c + ch] = acc;
      }
    }
  }
  return out;
}

function resampleColumns(src: Float32Array, w: number, inH: number, c: number, outH: number, kernel: ResampleKernel): Float32Array {
  const aw = axisWeights(inH, outH, kernel);
  const rowLen = w * c;
  const out = new Float32Array(rowLen * outH);
  for (let y = 0; y < outH; y++) {
    const s = aw.start[y] ?? 0;
    const n = aw.count[y] ?? 0;
    const wBase = y * aw.stride;
    const rowOut = y * rowLen;
    for (let k = 0; k < n; k++) {
      const weight = aw.weights[wBase + k] ?? 0;
      const rowIn = (s + k) * rowLen;
      for (let i = 0; i < rowLen; i++) out[rowOut + i] = (out[rowOut + i] ?? 0) + weight * (src[rowIn + i] ?? 0);
    }
  }
  return out;
}

/**
 * Resamples interleaved float samples `inW × inH × channels` to `outW × outH`. Values are not
 * clamped (Lanczos and bicubic overshoot slightly at edges). Returns the input itself when the size
 * does not change.
 */
export function resampleFloat(
  src: Float32Array,
  inW: number,
  inH: number,
  channels: number,
  outW: number,
  outH: number,
  kernel: ResampleKernel,
): Float32Array {
  let data = src;
  if (outW !== inW) data = resampleRows(data, inW, inH, channels, outW, kernel);
  if (outH !== inH) data = resampleColumns(data, outW, inH, channels, outH, kernel);
  return data;
}
