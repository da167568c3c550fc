import { describe, expect, it } from 'vitest';
import type { RasterImage } from '../../src/io/image/types.js';
import { RepriseError } from '../../src/errors.js';
import {
  SHAPE_NAMES,
  colourMask,
  detectShape,
  dominantColour,
  maskIoU,
  psnr,
  randomScene,
  rasterizeShape,
  renderScene,
  shapeScores,
  ssim,
  type SceneSpec,
} from '../../tools/scenes/index.js';

function withData(img: RasterImage, edit: (d: Uint8Array) => void): RasterImage {
  const data = Uint8Array.from(img.data);
  edit(data);
  return { ...img, data };
}

function constant(value: number, size = 32): RasterImage {
  return { width: size, height: size, channels: 3, bitDepth: 8, data: new Uint8Array(size * size * 3).fill(value) };
}

const scene: SceneSpec = {
  objects: [{ shape: 'star', colour: 'red', size: 'large', x: 0.5, y: 0.5 }],
  background: { colour: 'cyan', texture: 'checker' },
};

describe('psnr', () => {
  it('is Infinity for identical images and follows the 8-bit formula otherwise', () => {
    const { image } = renderScene(scene);
    expect(psnr(image, image)).toBe(Infinity);
    const b = withData(image, (d) => {
      d[100] = ((d[100] as number) + 10) % 256;
    });
    const mse = 100 / (64 * 64 * 3);
    expect(psnr(image, b)).toBeCloseTo(10 * Math.log10((255 * 255) / mse), 10);
    expect(psnr(constant(0), constant(255))).toBeCloseTo(0, 12);
  });

  it('uses peak 65535 for 16-bit images', () => {
    const a: RasterImage = { width: 2, height: 1, channels: 1, bitDepth: 16, data: Uint16Array.of(0, 1000) };
    const b: RasterImage = { ...a, data: Uint16Array.of(0, 1100) };
    expect(psnr(a, b)).toBeCloseTo(10 * Math.log10((65535 * 65535) / 5000), 10);
  });

  it('with a mask, ignores changes outside it', () => {
    const { image, masks } = renderScene(scene);
    const mask = masks[0] as Uint8Array;
    const outsideEdit = withData(image, (d) => {
      for (let p = 0; p < mask.length; p++) if (mask[p] === 0) d[p * 3] = 255 - (d[p * 3] as number);
    });
    const background = mask.map((v) => 1 - v);
    expect(psnr(image, outsideEdit, mask)).toBe(Infinity);
    expect(Number.isFinite(psnr(image, outsideEdit))).toBe(true);
    expect(Number.isFinite(psnr(image, outsideEdit, background))).toBe(true);
  });

  it('rejects mismatched layouts and empty masks', () => {
    expect(() => psnr(constant(0, 8), constant(0, 16))).toThrow(RepriseError);
    expect(() => psnr(constant(0, 8), constant(0, 8), new Uint8Array(64))).toThrow(/no pixel/);
    expect(() => psnr(constant(0, 8), constant(0, 8), new Uint8Array(10))).toThrow(/mask/);
  });
});

describe('ssim', () => {
  it('is 1 for identical images and lower for modified ones', () => {
    const { image } = renderScene(scene);
    expect(ssim(image, image)).toBe(1);
    let state = 1;
    const noisy = withData(image, (d) => {
      for (let i = 0; i < d.length; i++) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        d[i] = Math.min(255, Math.max(0, (d[i] as number) + ((state >>> 16) % 41) - 20));
      }
    });
    const slightly = withData(image, (d) => {
      d[3000] = 255 - (d[3000] as number);
    });
    const s1 = ssim(image, noisy);
    const s2 = ssim(image, slightly);
    expect(s1).toBeLessThan(0.9);
    expect(s1).toBeGreaterThan(0);
    expect(s2).toBeLessThan(1);
    expect(s2).toBeGreaterThan(s1);
    expect(ssim(noisy, image)).toBeCloseTo(s1, 12);
  });

  it('matches the closed form on flat images (no structure term)', () => {
    const c1 = (0.01 * 255) ** 2;
    expect(ssim(constant(100), constant(110))).toBeCloseTo((2 * 100 * 110 + c1) / (100 * 100 + 110 * 110 + c1), 12);
  });

  it('with a mask, ignores changes outside it (even right next to it)', () => {
    const { image, masks } = renderScene(scene);
    const mask = masks[0] as Uint8Array;
    const outsideEdit = withData(image, (d) => {
      for (let p = 0; p < mask.length; p++) if (mask[p] === 0) d[p * 3 + 1] = 255 - (d[p * 3 + 1] as number);
    });
    expect(ssim(image, outsideEdit, mask)).toBe(1);
    expect(ssim(image, outsideEdit)).toBeLessThan(0.9);
    const insideEdit = withData(image, (d) => {
      const p = mask.indexOf(1);
      d[p * 3] = 0;
    });
    const both = withData(insideEdit, (d) => {
      for (let p = 0; p < mask.length; p++) if (mask[p] === 0) d[p * 3 + 2] = 0;
    });
    const s = ssim(image, insideEdit, mask);
    expect(s).toBeLessThan(1);
    expect(ssim(image, both, mask)).toBe(s);
  });

  it('rejects mismatched layouts and empty masks', () => {
    expect(() => ssim(constant(0, 8), { ...constant(0, 8), channels: 1, data: new Uint8Array(64) })).toThrow(RepriseError);
    expect(() => ssim(constant(0, 8), constant(0, 8), new Uint8Array(64))).toThrow(/no pixel/);
  });
});

describe('maskIoU', () => {
  it('computes intersection over union', () => {
    expect(maskIoU(Uint8Array.of(1, 1, 0, 0), Uint8Array.of(0, 1, 1, 0))).toBeCloseTo(1 / 3, 12);
    expect(maskIoU(Uint8Array.of(1, 0), Uint8Array.of(1, 0))).toBe(1);
    expect(maskIoU(Uint8Array.of(1, 0), Uint8Array.of(0, 1))).toBe(0);
    expect(maskIoU(new Uint8Array(4), new Uint8Array(4))).toBe(1);
    expect(() => maskIoU(new Uint8Array(4), new Uint8Array(5))).toThrow(RepriseError);
  });
});

describe('dominantColour and detectShape', () => {
  it('recover the rendered colour and shape of single objects (≥ 95 %)', () => {
    let colourHits = 0;
    let shapeHits = 0;
    const n = 280;
    for (let seed = 0; seed < n; seed++) {
      const spec = randomScene(seed, { objects: 1 });
      const { image, masks } = renderScene(spec);
      const obj = spec.objects[0]!;
      if (dominantColour(image, masks[0]!) === obj.colour) colourHits++;
      if (detectShape(masks[0]!) === obj.shape) shapeHits++;
    }
    expect(colourHits / n).toBeGreaterThanOrEqual(0.95);
    expect(shapeHits / n).toBeGreaterThanOrEqual(0.95);
  });

  it('recover colour and shape of both objects of two-object scenes (≥ 95 %)', () => {
    let colourHits = 0;
    let shapeHits = 0;
    let total = 0;
    for (let seed = 1000; seed < 1140; seed++) {
      const spec = randomScene(seed, { objects: 2 });
      const { image, masks } = renderScene(spec);
      spec.objects.forEach((obj, k) => {
        total++;
        if (dominantColour(image, masks[k]!) === obj.colour) colourHits++;
        if (detectShape(masks[k]!) === obj.shape) shapeHits++;
      });
    }
    expect(colourHits / total).toBeGreaterThanOrEqual(0.95);
    expect(shapeHits / total).toBeGreaterThanOrEqual(0.95);
  });

  it('detects every shape at every size, near-perfectly fitted', () => {
    for (const shape of SHAPE_NAMES) {
      for (const size of ['small', 'medium', 'large'] as const) {
        const { masks } = renderScene({ objects: [{ shape, colour: 'red', size, x: 0.47, y: 0.53 }], background: { colour: 'white', texture: 'plain' } });
        const scores = shapeScores(masks[0]!);
        expect(scores[0]!.shape).toBe(shape);
        expect(scores[0]!.iou).toBeGreaterThan(0.9);
        expect(scores.map((s) => s.shape).sort()).toEqual([...SHAPE_NAMES].sort());
      }
    }
  });

  it('detectShape takes a width for non-square masks and a candidate list', () => {
    const mask = rasterizeShape({ shape: 'diamond', cx: 40, cy: 15, r: 12 }, 80, 30);
    expect(detectShape(mask, { width: 80 })).toBe('diamond');
    expect(detectShape(mask, { width: 80, candidates: ['circle', 'square'] })).not.toBe('diamond');
    expect(() => detectShape(mask)).toThrow(/width/);
    expect(() => detectShape(new Uint8Array(64))).toThrow(/empty/);
  });

  it('dominantColour honours candidates; colourMask finds an object by colour', () => {
    const spec: SceneSpec = {
      objects: [{ shape: 'square', colour: 'orange', size: 'large', x: 0.5, y: 0.5 }],
      background: { colour: 'blue', texture: 'plain' },
    };
    const { image, masks } = renderScene(spec);
    const mask = masks[0]!;
    expect(dominantColour(image, mask)).toBe('orange');
    expect(dominantColour(image, mask, ['red', 'blue'])).toBe('red');
    expect(maskIoU(colourMask(image, 'orange'), mask)).toBeGreaterThan(0.9);
    expect(() => dominantColour(image, new Uint8Array(64 * 64))).toThrow(/no pixel/);
  });
});
