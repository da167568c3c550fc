/**
 * The cascade polynomial regression (fitted/dc-cpr.ts): ratios generated from a known cascade at a
 * grid of (guidance, NFE) points are fitted back to the same coefficients and predict an unseen
 * point; the warm-up steps stay 1; with a single guidance the guidance powers are held at 0;
 * predictions leave DC_RATIO_RANGE never (a cascade far outside it is clamped to its bounds).
 */
import { describe, expect, it } from 'vitest';
import { DC_RATIO_RANGE, fitDcCpr, predictDcRatios, type DcCprModel } from '../../src/solvers/index.js';

// A cascade whose ratios stay inside DC_RATIO_RANGE (0.82…1.02) at every point the tests use, so clamping leaves them as they are.
const known: DcCprModel = { terms: 3, coefficients: Array.from({ length: 27 }, (_, q) => Math.sin(1.3 * q + 0.7) * (q % 9 === 8 ? 0.3 : 0.1) + (q === 8 ? 1.3 : 0)) };

describe('cascade polynomial regression', () => {
  it('recovers a known cascade from fits on a 3×4 grid and predicts unseen (NFE, guidance)', () => {
    const samples = [3, 5.5, 7.5].flatMap((guidance) => [5, 8, 12, 20].map((steps) => ({ guidance, steps, ratios: predictDcRatios(known, guidance, steps) })));
    const fitted = fitDcCpr(samples);
    fitted.coefficients.forEach((c, q) => expect(c, `θ[${q}]`).toBeCloseTo(known.coefficients[q]!, 5));
    const unseen = predictDcRatios(fitted, 6.3, 15);
    predictDcRatios(known, 6.3, 15).forEach((r, i) => expect(unseen[i]!).toBeCloseTo(r, 8));
    expect(unseen.slice(0, 2)).toEqual([1, 1]);
  });

  it('with one guidance fits only NFE and step powers, reproducing the fitted points', () => {
    // A cascade without guidance dependence: only the j = 2 (w⁰) coefficients are non-zero.
    const flat: DcCprModel = { terms: 2, coefficients: known.coefficients.slice(0, 18).map((c, q) => (Math.floor((q % 9) / 3) === 2 ? c : 0)) };
    const samples = [6, 10, 14].map((steps) => ({ guidance: 7.5, steps, ratios: predictDcRatios(flat, 7.5, steps) }));
    const fitted = fitDcCpr(samples, 2);
    fitted.coefficients.forEach((c, q) => expect(c, `θ[${q}]`).toBeCloseTo(flat.coefficients[q]!, 6));
    predictDcRatios(fitted, 7.5, 12).forEach((r, i) => expect(r).toBeCloseTo(predictDcRatios(flat, 7.5, 12)[i]!, 8));
  });

  it('clamps predictions to DC_RATIO_RANGE where the polynomial leaves it', () => {
    const [lo, hi] = DC_RATIO_RANGE;
    // Constant terms (x⁰ w⁰ NFE⁰) of 3 and −2: every predicted step sits on a bound.
    const up: DcCprModel = { terms: 1, coefficients: Array.from({ length: 9 }, (_, q) => (q === 8 ? 3 : 0)) };
    const down: DcCprModel = { terms: 1, coefficients: Array.from({ length: 9 }, (_, q) => (q === 8 ? -2 : 0)) };
    expect(predictDcRatios(up, 7.5, 20)).toEqual([1, 1, ...new Array<number>(18).fill(hi)]);
    expect(predictDcRatios(down, 3, 6)).toEqual([1, 1, lo, lo, lo, lo]);
    // Fitted on ratios inside the range, far extrapolation (NFE 5 and 10 → 50) stays inside it too.
    const fitted = fitDcCpr([5, 10].map((steps) => ({ guidance: 3, steps, ratios: predictDcRatios(known, 3, steps) })));
    for (const r of predictDcRatios(fitted, 12, 50)) expect(r >= lo && r <= hi, `ρ ${r}`).toBe(true);
  });
});
