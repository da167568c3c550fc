import { describe, expect, it } from 'vitest';

import {
  crossAttentionControls,
  crossReplaceAlphas,
  equalizer,
  refinementMapper,
  replacementMapper,
  type AttentionEdit,
  type CrossReplaceSteps,
  type EditBase,
} from '../../../src/attention/alignment/index.js';
import { RepriseError } from '../../../src/errors.js';
import { L, matmul, probabilityRows, rng, tokenizer } from './helpers.js';

const ROWS = 5;

/**
 * The reference controllers written out literally: `AttentionReplace` / `AttentionRefine` /
 * `AttentionReweight(prev_controller)`.replace_cross_attention, then
 * `AttentionControlEdit.forward`: R · α_w + (1 − α_w) · P_e.
 */
function referenceEdit(source: string, target: string, spec: AttentionEdit, alphaW: Float32Array, pSrc: Float64Array, pE: Float64Array): Float64Array {
  const base: EditBase = spec.kind === 'reweight' ? (spec.base ?? 'none') : spec.kind;
  let r: Float64Array;
  if (base === 'replace') {
    r = matmul(pSrc, replacementMapper(tokenizer, source, target), ROWS); // einsum('hpw,bwn->bhpn')
  } else if (base === 'refine') {
    const { mapper, alphas } = refinementMapper(tokenizer, source, target);
    r = new Float64Array(ROWS * L);
    for (let row = 0; row < ROWS; row++) for (let j = 0; j < L; j++) {
      const m = mapper[j] as number;
      const gathered = pSrc[row * L + (m < 0 ? L + m : m)] as number; // torch index −1 = last
      const a = alphas[j] as number;
      r[row * L + j] = gathered * a + (pE[row * L + j] as number) * (1 - a);
    }
  } else {
    r = pSrc.slice();
  }
  if (spec.kind === 'reweight') {
    const eq = equalizer(tokenizer, target, spec.weights);
    r = r.map((v, k) => v * (eq[k % L] as number));
  }
  return r.map((v, k) => v * (alphaW[k % L] as number) + (1 - (alphaW[k % L] as number)) * (pE[k] as number));
}

const cases: { name: string; source: string; target: string; spec: AttentionEdit; cross: CrossReplaceSteps }[] = [
  { name: 'replace', source: 'a cat on the bench', target: 'a ox on the snow', spec: { kind: 'replace' }, cross: { default: [0.1, 0.7], words: { ox: 0.3 } } },
  { name: 'refine', source: 'a cat on the bench', target: 'a fluffy cat on the snow', spec: { kind: 'refine' }, cross: { default: [0.1, 0.7], words: { fluffy: 0.3 } } },
  { name: 'reweight (no base)', source: 'a fluffy cat', target: 'a fluffy cat', spec: { kind: 'reweight', weights: { fluffy: 5 } }, cross: [0.2, 0.8] },
  {
    name: 'reweight on replace',
    source: 'a cat on the bench',
    target: 'a ox on the bench',
    spec: { kind: 'reweight', weights: { ox: 0.25 }, base: 'replace' },
    cross: { default: 0.6, words: { ox: [0.3, 1] } },
  },
  {
    name: 'reweight on refine',
    source: 'a cat',
    target: 'a fluffy red cat',
    spec: { kind: 'reweight', weights: [{ word: 'fluffy', weight: 3 }, { word: 3, weight: 0.5 }], base: 'refine' },
    cross: { default: [0.1, 0.7], words: { red: 0.3 } },
  },
];

describe('crossAttentionControls', () => {
  for (const c of cases) {
    it(`reduces to the reference composition: ${c.name}`, () => {
      const steps = 10;
      const controls = crossAttentionControls(tokenizer, c.source, c.target, c.spec, steps, c.cross);
      expect(controls.mapper).toHaveLength(L * L);
      const alphas = crossReplaceAlphas(tokenizer, [c.source, c.target], steps, c.cross);
      const next = rng(42);
      let sawOn = false;
      let sawOff = false;
      for (let t = 0; t <= steps; t++) {
        const pSrc = probabilityRows(ROWS, L, next);
        const pE = probabilityRows(ROWS, L, next);
        const alphaW = alphas.slice(t * L, (t + 1) * L);
        sawOn ||= alphaW.some((a) => a === 1);
        sawOff ||= alphaW.some((a) => a === 0);
        const expected = referenceEdit(c.source, c.target, c.spec, alphaW, pSrc, pE);
        const mapped = matmul(pSrc, controls.mapper, ROWS);
        const src = controls.coefSrc(t);
        const self = controls.coefSelf(t);
        for (let k = 0; k < ROWS * L; k++) {
          const got = (mapped[k] as number) * (src[k % L] as number) + (pE[k] as number) * (self[k % L] as number);
          expect(Math.abs(got - (expected[k] as number))).toBeLessThan(1e-12);
        }
      }
      expect(sawOn && sawOff).toBe(true);
    });
  }

  it('gives coefSrc = eq·α_w, coefSelf = 1 − α_w for replace', () => {
    const controls = crossAttentionControls(tokenizer, 'a cat', 'a dog', { kind: 'reweight', weights: { dog: 2 }, base: 'replace' }, 50, 0.8);
    for (const [t, on] of [[0, 1], [39, 1], [40, 0], [50, 0]] as const) {
      const src = controls.coefSrc(t);
      const self = controls.coefSelf(t);
      expect(src[2]).toBe(2 * on);
      expect(src[1]).toBe(on);
      expect(self[2]).toBe(1 - on);
    }
  });

  it('keeps the target map for new refine tokens inside the window', () => {
    const controls = crossAttentionControls(tokenizer, 'a cat', 'a fluffy cat', { kind: 'refine' }, 10, 1);
    expect(controls.coefSrc(0)[2]).toBe(0);
    expect(controls.coefSelf(0)[2]).toBe(1);
    expect(controls.coefSrc(0)[3]).toBe(1);
    expect(controls.coefSelf(0)[3]).toBe(0);
  });

  it('returns fresh arrays and checks the step', () => {
    const controls = crossAttentionControls(tokenizer, 'a cat', 'a dog', { kind: 'replace' }, 10, 0.5);
    controls.coefSrc(0).fill(9);
    expect(controls.coefSrc(0)[0]).toBe(1);
    expect(() => controls.coefSelf(11)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => controls.coefSelf(-1)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('rejects bad edit specs with CONFIG_INVALID', () => {
    const bad: unknown[] = [{ kind: 'swap' }, { kind: 'reweight' }, { kind: 'reweight', weights: { cat: 2 }, base: 'other' }];
    for (const spec of bad) {
      try {
        crossAttentionControls(tokenizer, 'a cat', 'a cat', spec as AttentionEdit, 10, 0.8);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(RepriseError);
        expect((e as RepriseError).code).toBe('CONFIG_INVALID');
      }
    }
    expect(() => crossAttentionControls(tokenizer, 'a cat', 'a fluffy cat', { kind: 'replace' }, 10, 0.8)).toThrow(/refine/);
  });
});
