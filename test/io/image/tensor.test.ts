import { describe, expect, it } from 'vitest';
import { RepriseError } from '../../../src/errors.js';
import {
  applyResidual,
  applyResidualMasked,
  maskToOriginal,
  pixelResidual,
  planGeometry,
  prepareForModel,
  quantize,
  restoreFromModel,
  type ChannelCount,
  type BitDepth,
  type PrepareOptions,
  type RasterImage,
  type ResizePolicy,
} from '../../../src/io/image/index.js';
import { Random } from '../../../src/util/random.js';
import { randomRaster } from './helpers.js';

const LAYOUTS: readonly { name: string; channels: ChannelCount; bitDepth: BitDepth }[] = [
  { name: '8-bit RGB', channels: 3, bitDepth: 8 },
  { name: '8-bit RGBA', channels: 4, bitDepth: 8 },
  { name: '8-bit gray', channels: 1, bitDepth: 8 },
  { name: '8-bit gray+alpha', channels: 2, bitDepth: 8 },
  { name: '16-bit RGB', channels: 3, bitDepth: 16 },
  { name: '16-bit RGBA', channels: 4, bitDepth: 16 },
  { name: '16-bit gray', channels: 1, bitDepth: 16 },
];
const SIZES: readonly [number, number][] = [
  [37, 23],
  [5, 3],
  [64, 48],
  [17, 40],
];
const POLICIES: readonly ResizePolicy[] = ['fit', 'crop', 'pad'];

/** A stand-in for a VAE decode: random values, some outside [-1, 1], a few NaN/±Infinity. */
function randomTensor(length: number, seed: number): Float32Array {
  const t = new Random(seed).uniforms(length, -1.3, 1.3);
  t[0] = Number.NaN;
  if (length > 5) {
    t[3] = Number.POSITIVE_INFINITY;
    t[5] = Number.NEGATIVE_INFINITY;
  }
  return t;
}

function expectIdentical(a: RasterImage, b: RasterImage, what: string): void {
  expect([a.width, a.height, a.channels, a.bitDepth], what).toEqual([b.width, b.height, b.channels, b.bitDepth]);
  expect(a.data.constructor, what).toBe(b.data.constructor);
  let diff = -1;
  for (let i = 0; i < a.data.length; i++) {
    if (a.data[i] !== b.data[i]) {
      diff = i;
      break;
    }
  }
  expect(diff, `${what}: first differing sample`).toBe(-1);
}

describe('geometry plans', () => {
  it('makes model sizes multiples of 8 under every policy', () => {
    for (const [w, h] of [...SIZES, [1, 1], [513, 301], [1000, 8]] as [number, number][]) {
      for (const policy of POLICIES) {
        for (const targetSize of [undefined, 512, 100]) {
          const g = planGeometry(w, h, { multiple: 8, policy, ...(targetSize ? { targetSize } : {}) });
          expect(g.modelWidth % 8, `${w}×${h} ${policy} ${targetSize}`).toBe(0);
          expect(g.modelHeight % 8).toBe(0);
          expect(g.modelWidth).toBeGreaterThanOrEqual(8);
          expect(g.content.x + g.content.width).toBeLessThanOrEqual(g.modelWidth);
          expect(g.source.x + g.source.width).toBeLessThanOrEqual(w);
          expect(g.source.y + g.source.height).toBeLessThanOrEqual(h);
        }
      }
    }
  });

  it('documents the target sizes: fit = longest side, crop and pad = exact square', () => {
    expect(planGeometry(800, 600, { multiple: 8, policy: 'fit', targetSize: 512 })).toMatchObject({ modelWidth: 512, modelHeight: 384 });
    expect(planGeometry(800, 600, { multiple: 8, policy: 'crop', targetSize: 512 })).toMatchObject({
      modelWidth: 512,
      modelHeight: 512,
      source: { x: 100, y: 0, width: 600, height: 600 },
    });
    expect(planGeometry(800, 600, { multiple: 8, policy: 'pad', targetSize: 512 })).toMatchObject({
      modelWidth: 512,
      modelHeight: 512,
      content: { x: 0, y: 64, width: 512, height: 384 },
    });
    expect(planGeometry(37, 23, { multiple: 8, policy: 'crop' })).toMatchObject({ modelWidth: 32, modelHeight: 16, source: { x: 2, y: 3, width: 32, height: 16 } });
    expect(planGeometry(37, 23, { multiple: 8, policy: 'pad' })).toMatchObject({ modelWidth: 40, modelHeight: 24, content: { x: 1, y: 0, width: 37, height: 23 } });
    expect(planGeometry(37, 23, { multiple: 8, policy: 'fit' })).toMatchObject({ modelWidth: 40, modelHeight: 24 });
  });

  it('rejects a bad multiple or target size', () => {
    expect(() => planGeometry(10, 10, { multiple: 0, policy: 'fit' })).toThrow(RepriseError);
    expect(() => planGeometry(10, 10, { multiple: 8, policy: 'fit', targetSize: -3 })).toThrow(/targetSize/);
  });
});

describe('prepareForModel / restoreFromModel', () => {
  it('produces a [1,3,H,W] tensor in [-1, 1]', () => {
    const img = randomRaster(37, 23, 4, 8, 3);
    const { tensor, width, height, transform } = prepareForModel(img, { multiple: 8, policy: 'fit', targetSize: 64 });
    expect([width, height]).toEqual([64, 40]);
    expect(tensor.length).toBe(3 * 64 * 40);
    expect(Math.min(...tensor)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...tensor)).toBeLessThanOrEqual(1);
    expect(transform.alphaSamples?.length).toBe(37 * 23);
  });

  it('restores the input exactly when the geometry needs no resampling (pad / crop without a target)', () => {
    for (const layout of LAYOUTS) {
      const img = randomRaster(37, 23, layout.channels, layout.bitDepth, 5);
      // Un-compositing divides by alpha, which is ill-conditioned for nearly transparent pixels (the
      // residual covers those); keep alpha away from 0 for this exactness check.
      const max = layout.bitDepth === 16 ? 65535 : 255;
      if (layout.channels % 2 === 0) for (let i = layout.channels - 1; i < img.data.length; i += layout.channels) img.data[i] = Math.max(img.data[i] ?? 0, max / 16);
      for (const opts of [
        { multiple: 8, policy: 'pad' },
        { multiple: 8, policy: 'pad', alpha: { mode: 'drop' } },
      ] as PrepareOptions[]) {
        const { tensor, transform } = prepareForModel(img, opts);
        expectIdentical(quantize(restoreFromModel(tensor, transform), transform), img, `${layout.name} ${JSON.stringify(opts)}`);
      }
    }
  });

  it('restores the cropped region exactly under crop without a target; the cut-off border repeats the edge', () => {
    const img = randomRaster(37, 23, 3, 8, 12);
    const { tensor, transform } = prepareForModel(img, { multiple: 8, policy: 'crop' });
    const back = quantize(restoreFromModel(tensor, transform), transform);
    const { x, y, width, height } = transform.geometry.source;
    expect({ x, y, width, height }).toEqual({ x: 2, y: 3, width: 32, height: 16 });
    for (let yy = 0; yy < 23; yy++) {
      for (let xx = 0; xx < 37; xx++) {
        const sx = Math.min(x + width - 1, Math.max(x, xx));
        const sy = Math.min(y + height - 1, Math.max(y, yy));
        for (let k = 0; k < 3; k++) expect(back.data[(yy * 37 + xx) * 3 + k]).toBe(img.data[(sy * 37 + sx) * 3 + k]);
      }
    }
  });

  it('restores a resized image close to the input (fit with a target)', () => {
    const img = randomRaster(40, 24, 3, 8, 6);
    // Smooth content survives a down-and-up resize.
    for (let y = 0; y < 24; y++) for (let x = 0; x < 40; x++) for (let k = 0; k < 3; k++) img.data[(y * 40 + x) * 3 + k] = 20 + 3 * x + 2 * y + 10 * k;
    const { tensor, transform } = prepareForModel(img, { multiple: 8, policy: 'fit', targetSize: 24 });
    const back = quantize(restoreFromModel(tensor, transform), transform);
    let worst = 0;
    for (let i = 0; i < img.data.length; i++) worst = Math.max(worst, Math.abs((back.data[i] ?? 0) - (img.data[i] ?? 0)));
    expect(worst).toBeLessThan(12);
  });

  it('rejects a tensor of the wrong size', () => {
    const { transform } = prepareForModel(randomRaster(8, 8, 3, 8), { multiple: 8, policy: 'fit' });
    expect(() => restoreFromModel(new Float32Array(10), transform)).toThrow(/1×3×8×8/);
  });
});

describe('pixel residual', () => {
  it('applyResidual(restore(t), pixelResidual(x, restore(t))) is bit-identical to x for any tensor, layout, size and policy', () => {
    let seed = 100;
    for (const layout of LAYOUTS) {
      for (const [w, h] of SIZES) {
        for (const policy of POLICIES) {
          for (const targetSize of [undefined, 24]) {
            for (const alpha of [{ mode: 'composite' }, { mode: 'drop' }] as const) {
              seed++;
              const img = randomRaster(w, h, layout.channels, layout.bitDepth, seed);
              const opts: PrepareOptions = { multiple: 8, policy, alpha, ...(targetSize ? { targetSize } : {}) };
              const { transform } = prepareForModel(img, opts);
              const what = `${layout.name} ${w}×${h} ${policy} target=${targetSize} alpha=${alpha.mode}`;
              const restored = restoreFromModel(randomTensor(3 * transform.geometry.modelWidth * transform.geometry.modelHeight, seed), transform);
              expect(restored.length).toBe(w * h * layout.channels);
              const residual = pixelResidual(img, restored);
              expect(residual.every((v) => Number.isFinite(v))).toBe(true);
              expectIdentical(applyResidual(restored, residual, transform), img, what);
              // Reconstructing later from the same decode gives the same pixels again.
              const again = restoreFromModel(randomTensor(3 * transform.geometry.modelWidth * transform.geometry.modelHeight, seed), transform);
              expectIdentical(applyResidual(again, residual, transform), img, `${what} (again)`);
              // a regenerated decode that differs by float noise (well under half a step) still gives x exactly
              const noisy = restored.map((v, k) => v + (k % 3 === 0 ? 0.2 : k % 3 === 1 ? -0.2 : 1e-6));
              expectIdentical(applyResidual(noisy, residual, transform), img, `${what} (perturbed)`);
            }
          }
        }
      }
    }
  });

  it('applyResidualMasked keeps unmasked pixels identical and gives masked pixels the quantized restored values', () => {
    for (const layout of LAYOUTS) {
      const [w, h] = [29, 19];
      const img = randomRaster(w, h, layout.channels, layout.bitDepth, 7);
      const { transform } = prepareForModel(img, { multiple: 8, policy: 'fit', targetSize: 16 });
      const restored = restoreFromModel(randomTensor(3 * transform.geometry.modelWidth * transform.geometry.modelHeight, 8), transform);
      const residual = pixelResidual(img, restored);
      const mask = new Float32Array(w * h);
      for (let y = 5; y < 14; y++) for (let x = 8; x < 20; x++) mask[y * w + x] = 1;
      const out = applyResidualMasked(restored, residual, mask, transform);
      const q = quantize(restored, transform);
      const c = layout.channels;
      for (let p = 0; p < w * h; p++) {
        for (let k = 0; k < c; k++) {
          const i = p * c + k;
          expect(out.data[i], `${layout.name} pixel ${p}`).toBe(mask[p] === 1 ? q.data[i] : img.data[i]);
        }
      }
      // A soft mask value lands between the two.
      const soft = new Float32Array(w * h).fill(0.5);
      const blended = applyResidualMasked(restored, residual, soft, transform);
      for (let i = 0; i < blended.data.length; i++) {
        const lo = Math.min(img.data[i] ?? 0, q.data[i] ?? 0);
        const hi = Math.max(img.data[i] ?? 0, q.data[i] ?? 0);
        expect(blended.data[i]).toBeGreaterThanOrEqual(lo);
        expect(blended.data[i]).toBeLessThanOrEqual(hi);
      }
    }
  });

  it('maps a model-resolution mask back to the original geometry, zero where the model saw nothing', () => {
    const img = randomRaster(40, 24, 3, 8, 9);
    const { transform } = prepareForModel(img, { multiple: 8, policy: 'crop', targetSize: 16 });
    const mask = new Float32Array(16 * 16).fill(1);
    const back = maskToOriginal(mask, transform);
    expect(back.length).toBe(40 * 24);
    // The crop is the centred 24×24 square: x in [8, 32).
    expect(back[10 * 40 + 3]).toBe(0);
    expect(back[10 * 40 + 36]).toBe(0);
    expect(back[10 * 40 + 20]).toBeCloseTo(1, 5);
  });

  it('rejects buffers that do not belong together', () => {
    const img = randomRaster(8, 8, 3, 8);
    const { transform } = prepareForModel(img, { multiple: 8, policy: 'fit' });
    expect(() => pixelResidual(img, new Float32Array(5))).toThrow(RepriseError);
    expect(() => applyResidual(new Float32Array(192), new Float32Array(5), transform)).toThrow(/Residual/);
    expect(() => applyResidualMasked(new Float32Array(192), new Float32Array(192), new Float32Array(3), transform)).toThrow(/Mask/);
  });
});
