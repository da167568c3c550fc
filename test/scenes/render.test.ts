import { describe, expect, it } from 'vitest';
import { RepriseError } from '../../src/errors.js';
import {
  COLOURS,
  SIZE_RADIUS,
  meanColour,
  nearestColour,
  placeObjects,
  randomScene,
  rasterizeShape,
  renderScene,
  sceneCaption,
  sceneSpecSchema,
  type SceneSpec,
} from '../../tools/scenes/index.js';

function count(m: Uint8Array): number {
  return m.reduce((s, v) => s + v, 0);
}

describe('renderScene / randomScene', () => {
  it('is deterministic: the same seed gives identical bytes, other seeds differ', () => {
    for (const seed of [0, 1, 7, 123456]) {
      const a = renderScene(randomScene(seed));
      const b = renderScene(randomScene(seed));
      expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
      expect(a.masks.map((m) => Buffer.from(m).toString('hex'))).toEqual(b.masks.map((m) => Buffer.from(m).toString('hex')));
      expect(a.caption).toBe(b.caption);
      const c = renderScene(randomScene(seed + 1));
      expect(Buffer.from(a.image.data).equals(Buffer.from(c.image.data))).toBe(false);
    }
    expect(randomScene(5, { objects: 2, size: 96 })).toEqual(randomScene(5, { objects: 2, size: 96 }));
  });

  it('returns an 8-bit RGB image and one binary mask per object', () => {
    const spec = randomScene(3, { objects: 2 });
    const r = renderScene(spec, 48);
    expect(r.image).toMatchObject({ width: 48, height: 48, channels: 3, bitDepth: 8 });
    expect(r.image.data).toBeInstanceOf(Uint8Array);
    expect(r.image.data.length).toBe(48 * 48 * 3);
    expect(r.masks).toHaveLength(2);
    for (const m of r.masks) {
      expect(m.length).toBe(48 * 48);
      expect(m.every((v) => v === 0 || v === 1)).toBe(true);
      expect(count(m)).toBeGreaterThan(0);
    }
  });

  it('masks cover the drawn colour and the background lies outside them', () => {
    for (let seed = 0; seed < 60; seed++) {
      const spec = randomScene(seed, { objects: 2 });
      const { image, masks } = renderScene(spec);
      spec.objects.forEach((o, k) => {
        const mean = meanColour(image, masks[k] as Uint8Array);
        expect(nearestColour(mean)).toBe(o.colour);
        const target = COLOURS[o.colour];
        for (let c = 0; c < 3; c++) expect(Math.abs((mean[c] as number) - (target[c] as number))).toBeLessThan(30);
      });
      const outside = new Uint8Array(64 * 64).map((_, i) => (masks.some((m) => m[i] === 1) ? 0 : 1));
      expect(nearestColour(meanColour(image, outside))).toBe(spec.background.colour);
    }
  });

  it('anti-aliases edges by supersampling while masks stay crisp', () => {
    const spec: SceneSpec = { objects: [{ shape: 'circle', colour: 'white', size: 'large', x: 0.5, y: 0.5 }], background: { colour: 'black', texture: 'plain' } };
    const smooth = renderScene(spec, 64);
    const hard = renderScene(spec, 64, { supersample: 1 });
    const levels = (d: Uint8Array | Uint16Array) => new Set(Array.from(d)).size;
    expect(levels(hard.image.data)).toBe(2);
    expect(levels(smooth.image.data)).toBeGreaterThan(5);
    expect(smooth.masks[0]).toEqual(hard.masks[0]);
    // The crisp mask is exactly the pixel-centre rasterisation of the circle.
    const r = SIZE_RADIUS.large * 64;
    const expected = new Uint8Array(64 * 64).map((_, i) => (Math.hypot((i % 64) + 0.5 - 32, Math.floor(i / 64) + 0.5 - 32) <= r ? 1 : 0));
    expect(smooth.masks[0]).toEqual(expected);
  });

  it('later objects are drawn on top and earlier masks lose the covered pixels', () => {
    const spec: SceneSpec = {
      objects: [
        { shape: 'square', colour: 'red', size: 'large', x: 0.4, y: 0.5 },
        { shape: 'circle', colour: 'blue', size: 'medium', x: 0.6, y: 0.5 },
      ],
      background: { colour: 'white', texture: 'plain' },
    };
    const { image, masks } = renderScene(spec);
    const [raw0, raw1] = placeObjects(spec, 64).map((p) => rasterizeShape(p, 64, 64)) as [Uint8Array, Uint8Array];
    const [m0, m1] = masks as [Uint8Array, Uint8Array];
    expect(m1).toEqual(raw1);
    let overlap = 0;
    for (let i = 0; i < m0.length; i++) {
      expect(m0[i]).toBe(raw0[i] === 1 && raw1[i] === 0 ? 1 : 0);
      if (raw0[i] === 1 && raw1[i] === 1) overlap++;
    }
    expect(overlap).toBeGreaterThan(20);
    // The overlap's interior shows the top (blue) object.
    const p = 32 * 64 + 33;
    expect(raw0[p] === 1 && raw1[p] === 1).toBe(true);
    expect(Array.from(image.data.slice(p * 3, p * 3 + 3))).toEqual([...COLOURS.blue]);
  });

  it('random objects stay inside the frame and overlap at most maxOverlap', () => {
    for (let seed = 0; seed < 150; seed++) {
      const size = seed % 3 === 0 ? 96 : 64;
      const spec = randomScene(seed, { objects: seed % 5 === 0 ? 3 : 2, size });
      const placed = placeObjects(spec, size);
      for (const p of placed) {
        expect(p.cx - p.r).toBeGreaterThanOrEqual(1 - 1e-9);
        expect(p.cy - p.r).toBeGreaterThanOrEqual(1 - 1e-9);
        expect(p.cx + p.r).toBeLessThanOrEqual(size - 1 + 1e-9);
        expect(p.cy + p.r).toBeLessThanOrEqual(size - 1 + 1e-9);
      }
      const raw = placed.map((p) => rasterizeShape(p, size, size));
      for (let a = 0; a < raw.length; a++) {
        for (let b = a + 1; b < raw.length; b++) {
          const ra = raw[a] as Uint8Array;
          const rb = raw[b] as Uint8Array;
          let shared = 0;
          for (let i = 0; i < ra.length; i++) shared += (ra[i] as number) & (rb[i] as number);
          expect(shared).toBeLessThanOrEqual(0.1 * Math.min(count(ra), count(rb)));
        }
      }
      const colours = spec.objects.map((o) => o.colour);
      expect(new Set(colours).size).toBe(colours.length);
      expect(colours).not.toContain(spec.background.colour);
    }
  });

  it('randomScene honours its option lists and rejects impossible ones', () => {
    for (let seed = 0; seed < 40; seed++) {
      const spec = randomScene(seed, {
        objects: 2,
        shapes: ['star', 'heart'],
        colours: ['red', 'green'],
        backgroundColours: ['gray', 'red'],
        sizes: ['small'],
        textures: ['stripes'],
      });
      expect(sceneSpecSchema.safeParse(spec).success).toBe(true);
      for (const o of spec.objects) {
        expect(['star', 'heart']).toContain(o.shape);
        expect(o.size).toBe('small');
      }
      expect(spec.objects.map((o) => o.colour).sort()).toEqual(['green', 'red']);
      expect(spec.background).toEqual({ colour: 'gray', texture: 'stripes' });
    }
    const counts = new Set(Array.from({ length: 30 }, (_, s) => randomScene(s).objects.length));
    expect(counts).toEqual(new Set([1, 2]));
    expect(() => randomScene(1, { shapes: [] })).toThrow(RepriseError);
    expect(() => randomScene(1, { objects: 2, colours: ['red'] })).toThrow(/distinct colours/);
    expect(() => randomScene(1, { objects: 1, colours: ['red'], backgroundColours: ['red'] })).toThrow(/background/);
  });

  it('captions name the objects, their order and the background texture', () => {
    const spec: SceneSpec = {
      objects: [
        { shape: 'circle', colour: 'red', size: 'small', x: 0.2, y: 0.5 },
        { shape: 'square', colour: 'blue', size: 'large', x: 0.8, y: 0.8 },
      ],
      background: { colour: 'yellow', texture: 'plain' },
    };
    expect(renderScene(spec).caption).toBe('a red circle and a blue square on a yellow background');
    expect(sceneCaption({ ...spec, background: { colour: 'yellow', texture: 'stripes' } })).toBe(
      'a red circle and a blue square on a yellow striped background',
    );
    expect(sceneCaption({ ...spec, background: { colour: 'orange', texture: 'checker' } })).toBe(
      'a red circle and a blue square on an orange checkered background',
    );
    expect(sceneCaption({ objects: [{ ...spec.objects[0]!, colour: 'orange', shape: 'star' }], background: { colour: 'gray', texture: 'gradient' } })).toBe(
      'an orange star on a gray gradient background',
    );
    expect(renderScene(spec, 64, { caption: { sizes: true, positions: true } }).caption).toBe(
      'a small red circle on the left and a large blue square in the bottom right on a yellow background',
    );
    for (let seed = 0; seed < 50; seed++) {
      const s = randomScene(seed);
      const caption = renderScene(s, 32).caption;
      for (const o of s.objects) expect(caption).toContain(`${o.colour} ${o.shape}`);
      expect(caption).toMatch(new RegExp(`on an? ${s.background.colour} .*background$`));
    }
  });

  it('textured backgrounds differ from plain ones but keep their colour', () => {
    const base: SceneSpec = { objects: [{ shape: 'heart', colour: 'red', size: 'small', x: 0.5, y: 0.5 }], background: { colour: 'green', texture: 'plain' } };
    const plain = renderScene(base);
    const outside = (plain.masks[0] as Uint8Array).map((v) => 1 - v);
    for (const texture of ['stripes', 'checker', 'gradient'] as const) {
      const r = renderScene({ ...base, background: { colour: 'green', texture } });
      expect(Buffer.from(r.image.data).equals(Buffer.from(plain.image.data))).toBe(false);
      expect(nearestColour(meanColour(r.image, outside))).toBe('green');
      expect(r.masks[0]).toEqual(plain.masks[0]);
    }
  });

  it('rejects invalid specs and sizes with a RUNTIME_INPUT error', () => {
    const good: SceneSpec = { objects: [{ shape: 'circle', colour: 'red', size: 'small', x: 0.5, y: 0.5 }], background: { colour: 'white', texture: 'plain' } };
    const bad = { ...good, objects: [{ ...good.objects[0], shape: 'blob' }] } as unknown as SceneSpec;
    expect(() => renderScene(bad)).toThrow(/objects\.0\.shape/);
    expect(() => renderScene({ ...good, objects: [] })).toThrow(RepriseError);
    expect(() => renderScene(good, 0)).toThrow(/size/);
    expect(() => renderScene(good, 16, { supersample: 0 })).toThrow(/supersample/);
  });
});
