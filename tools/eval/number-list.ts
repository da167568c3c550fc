/** Comma-separated number flags of the eval scripts (`--nfe 5,10,20`), checked and named on error. */
import { RepriseError } from '../../src/errors.js';

/**
 * The numbers of `text` ("5,10,20"); each must be finite, an integer when `integer`, and above
 * zero (`positive`) or at least zero; otherwise a RepriseError naming `--flag`.
 */
export function numberList(flag: string, text: string, o: { readonly integer: boolean; readonly positive: boolean }): number[] {
  const values = text.split(',').map(Number);
  const low = (v: number): boolean => (o.positive ? v <= 0 : v < 0);
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || low(v) || (o.integer && !Number.isInteger(v)))) {
    throw new RepriseError('RUNTIME_INPUT', `--${flag} must be a comma-separated list of ${o.positive ? 'positive' : 'non-negative'} ${o.integer ? 'integers' : 'numbers'}, got ${text}`);
  }
  return values;
}
