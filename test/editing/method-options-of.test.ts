/**
 * Pipeline.invert's method options come from the registry: a method option the chosen method
 * does not take is refused naming it (it used to be dropped silently), and the ranges are the
 * method's own.
 */
import { describe, expect, it } from 'vitest';
import { invertOptionsSchema, METHOD_OPTION_KEYS, methodOptionsOf } from '../../src/editing/options.js';
import { optionFacts } from '../../src/inversion/method-options.js';
import { inversionMethods } from '../../src/inversion/registry.js';
import type { InversionMethod } from '../../src/inversion/types.js';

/** A valid value of every method option key: its (first registered) default. */
const sample: Record<string, unknown> = Object.fromEntries(inversionMethods().flatMap((s) => optionFacts(s)).reverse().map((f) => [f.key, f.default]));

describe('methodOptionsOf (Pipeline.invert)', () => {
  it('every key some method takes is an invert option, and nothing else', () => {
    const all = new Set(inversionMethods().flatMap((s) => optionFacts(s).map((f) => f.key)));
    expect([...METHOD_OPTION_KEYS].sort()).toEqual([...all].sort());
    for (const k of METHOD_OPTION_KEYS) expect(Object.keys(invertOptionsSchema.shape)).toContain(k);
  });

  for (const spec of inversionMethods()) {
    const own = new Set(optionFacts(spec).map((f) => f.key));
    const name = spec.name as InversionMethod;
    it(`${spec.name}: its own options pass through, every other method option is refused naming it`, () => {
      const given = Object.fromEntries([...own].map((k) => [k, sample[k]]));
      expect(methodOptionsOf({ method: name, ...given })).toEqual({ method: name, ...given });
      for (const k of METHOD_OPTION_KEYS.filter((key) => !own.has(key))) {
        let error: unknown;
        try {
          methodOptionsOf({ method: name, [k]: sample[k] });
        } catch (e) {
          error = e;
        }
        expect(error, `${spec.name} + ${k}`).toMatchObject({ code: 'CONFIG_INVALID' });
        expect((error as Error).message).toContain(k);
        expect((error as Error).message).toContain(spec.name);
      }
    });
  }

  it("the invert schema's ranges are the methods' own", () => {
    for (const spec of inversionMethods()) {
      for (const f of optionFacts(spec)) {
        if (f.type !== 'number' && f.type !== 'integer') continue;
        const outside = f.max ? f.max.value + (f.max.inclusive ? 1 : 0) : -1 - (f.min?.value ?? 0);
        const mine = spec.options.shape[f.key]?.safeParse(outside);
        const theirs = invertOptionsSchema.shape[f.key as 'eta']?.safeParse(outside);
        expect(mine?.success, `${spec.name}.${f.key} = ${outside}`).toBe(false);
        expect(theirs?.success).toBe(false);
        expect(theirs?.error?.issues[0]?.message).toBe(mine?.error?.issues[0]?.message);
      }
    }
  });
});

describe('batch job edits', () => {
  it('a method option the method does not take fails job validation, naming the key and the methods that take it', async () => {
    const { batchEditOptionsSchema } = await import('../../src/editing/batch-pipeline.js');
    const bad = batchEditOptionsSchema.safeParse({ method: 'bdia', seed: 3, eta: 0.5 });
    expect(bad.success).toBe(false);
    const issues = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues).toEqual(expect.arrayContaining([expect.stringMatching(/^seed: seed applies to method ef-ddpm or ddcm, not bdia/), expect.stringMatching(/^eta: eta applies to method ef-ddpm, not bdia/)]));
    expect(batchEditOptionsSchema.safeParse({ method: 'ddcm', seed: 3 }).success).toBe(true);
    expect(batchEditOptionsSchema.safeParse({ method: 'bdia', inversionGamma: 0.9 }).success).toBe(true);
    expect(batchEditOptionsSchema.safeParse({ method: 'edict', inversionGamma: 0.9 }).success).toBe(false);
  });
});
