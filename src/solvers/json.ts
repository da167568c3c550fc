/**
 * JSON parsing for files written by Python's `json` module, which emits the bare tokens `NaN`,
 * `Infinity` and `-Infinity` (diffusers scheduler configs hold `"lambda_min_clipped": -Infinity`).
 */

const NON_FINITE: Readonly<Record<string, number>> = {
  __reprise_neg_inf__: Number.NEGATIVE_INFINITY,
  __reprise_pos_inf__: Number.POSITIVE_INFINITY,
  __reprise_nan__: Number.NaN,
};

/** JSON.parse that also accepts Python's bare `NaN`, `Infinity` and `-Infinity` tokens. */
export function parseJsonWithNonFinite(text: string): unknown {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
    } else if (text.startsWith('-Infinity', i)) {
      out += '"__reprise_neg_inf__"';
      i += 8;
    } else if (text.startsWith('Infinity', i)) {
      out += '"__reprise_pos_inf__"';
      i += 7;
    } else if (text.startsWith('NaN', i)) {
      out += '"__reprise_nan__"';
      i += 2;
    } else {
      out += c;
    }
  }
  return JSON.parse(out, (_key, value: unknown) => (typeof value === 'string' && value in NON_FINITE ? NON_FINITE[value] : value));
}
