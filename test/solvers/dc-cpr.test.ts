/**
 * The cascade polynomial regression (fitted/dc-cpr.ts): ratios generated from a known cascade at a
 * grid of (guidance, NFE) points are fitted back to the same coefficients and predict an unseen
 * point; the warm-up steps stay 1; with a single guidance the guidance powers are held at 0.
 */
import { describe, expect, it } from 'vitest';
import { fitDcCpr, predictDcRatios, type DcCprModel } from '../../src/solvers/index.js';

const known: DcCprModel = { terms: 3, coefficients: Array.from({ length: 27 }, (_, q) => Math.sin(1.3 * q + 0.7) * (q % 9 === 8 ? 1 : 0.2) + (q === 8 ? 1 : 0)) };

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
});
