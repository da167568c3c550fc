/**
 * Pipeline.generate with time shift on a tiny random model: every solver that takes it generates
 * (solver "<id>+ts") and the record stays exact (reconstruct = the generated image, bit for bit);
 * window 0 is plain generation; a method's own rule and solvers that refuse it are refused.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/editing/pipeline.js';
import { ConfigError, RepriseError } from '../../src/errors.js';
import type { RasterImage } from '../../src/io/image/types.js';
import { writeRandomModel } from '../../src/models/random-model.js';
import { TIME_SHIFT_SOLVER_IDS } from '../../src/solvers/index.js';
import { tempDir } from '../helpers.js';

const bytes = (a: RasterImage) => Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);

describe('generate with time shift', async () => {
  const pipe = await Pipeline.load(writeRandomModel(path.join(tempDir(), 'model'), { seed: 9 }), { cache: false });
  const o = { seed: 4, steps: 4, width: 32, height: 32 };

  it('runs every solver that takes it and keeps an exact record', async () => {
    const changed: string[] = [];
    for (const scheduler of TIME_SHIFT_SOLVER_IDS) {
      const r = await pipe.generate('a blue square', { ...o, scheduler, timeShift: { window: 200, cutoff: 0 } });
      const plain = await pipe.generate('a blue square', { ...o, scheduler });
      if (!Buffer.from(r.inversion.z0.buffer).equals(Buffer.from(plain.inversion.z0.buffer))) changed.push(scheduler);
      expect(r.solver).toBe(`${scheduler}+ts`);
      expect(r.inversion.z0.every(Number.isFinite)).toBe(true);
      const back = await pipe.reconstruct(r.inversion);
      expect(bytes(back.image).equals(bytes(r.image)), scheduler).toBe(true);
    }
    // The random UNet's samples drift from the schedule's variance: the shift changes every result.
    expect(changed).toEqual(TIME_SHIFT_SOLVER_IDS);
  });

  it('is plain generation with window 0', async () => {
    const plain = await pipe.generate('a blue square', { ...o, scheduler: 'ddim' });
    const w0 = await pipe.generate('a blue square', { ...o, scheduler: 'ddim', timeShift: { window: 0, cutoff: 0 } });
    expect(w0.solver).toBe('ddim');
    expect(bytes(w0.image).equals(bytes(plain.image))).toBe(true);
  });

  it('refuses it without a scheduler and with a solver that does not take it', async () => {
    const noScheduler = await pipe.generate('x', { ...o, method: 'ddim', timeShift: { window: 10, cutoff: 0 } }).catch((e: unknown) => e);
    expect(noScheduler).toBeInstanceOf(RepriseError);
    expect((noScheduler as Error).message).toMatch(/timeShift needs a scheduler/);
    const euler = await pipe.generate('x', { ...o, scheduler: 'euler', timeShift: { window: 10, cutoff: 0 } }).catch((e: unknown) => e);
    expect(euler).toBeInstanceOf(ConfigError);
    expect((euler as Error).message).toMatch(/"euler".*σ frame/);
  });
});
