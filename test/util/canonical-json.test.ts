import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/util/canonical-json.js';
import { canonicalJson as batchCanonicalJson } from '../../src/editing/batch/hash.js';
import { graphCacheKey } from '../../src/runtime/graph-cache.js';

describe('canonicalJson (the one canonical JSON)', () => {
  it('sorts keys at every depth and drops undefined like JSON', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson([undefined, () => 1])).toBe('[null,null]');
  });

  it('keeps ±Infinity and NaN apart from each other and from null; -0 is 0', () => {
    const forms = [Infinity, -Infinity, NaN, null].map((v) => canonicalJson({ v }));
    expect(new Set(forms).size).toBe(4);
    expect(canonicalJson(-Infinity)).toBe('"-Infinity"');
    expect(canonicalJson(-0)).toBe(canonicalJson(0));
  });

  it('typed arrays, bigints, maps, sets, dates', () => {
    expect(canonicalJson(new Float32Array([0.5, 1]))).toBe('[0.5,1]');
    expect(canonicalJson(10n)).toBe('"10n"');
    expect(canonicalJson(new Map([['b', 1], ['a', 2]]))).toBe('{"a":2,"b":1}');
    expect(canonicalJson(new Set([2, 1]))).toBe('[2,1]');
    expect(canonicalJson(new Date(0))).toBe('"1970-01-01T00:00:00.000Z"');
  });

  it('refuses a cyclic value with a RepriseError', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalJson(a)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it('is the one the batch fingerprints and the graph-cache keys use', () => {
    expect(batchCanonicalJson).toBe(canonicalJson);
    const base = { component: 'unet', config: { scale: Infinity }, weightsId: 'w', options: {} };
    expect(graphCacheKey(base)).not.toBe(graphCacheKey({ ...base, config: { scale: -Infinity } }));
    expect(graphCacheKey(base)).not.toBe(graphCacheKey({ ...base, config: { scale: null } }));
  });
});
