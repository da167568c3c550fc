/** Records store the rule that produced them (schedule.solver); records written before it still load. */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RepriseError } from '../../src/errors.js';
import { generateLatent } from '../../src/editing/generate.js';
import { openSafetensors, writeSafetensors, type TensorToWrite } from '../../src/io/safetensors.js';
import { samplingPlanFromConfig } from '../../src/inversion/plan.js';
import { invert } from '../../src/inversion/reconstruct.js';
import { checkInversion, loadInversion, saveInversion, type Inversion } from '../../src/inversion/record.js';
import { resolveSchedulerConfig } from '../../src/solvers/index.js';
import { tempDir } from '../helpers.js';
import { analyticPredict, SD1_SCHEDULER, seededConditioning, seededLatent } from './helpers.js';

const STEPS = 6;
const plan = samplingPlanFromConfig(SD1_SCHEDULER, STEPS, [4, 4, 4]);
const conditioning = seededConditioning(3, 6, 3.5);
const meta = { modelId: 'unet:abc', schedulerConfig: SD1_SCHEDULER, prompts: { source: 'a cat' }, conditioning };

/** Rewrites a record's JSON (and its checksum, as record.ts documents it). */
function rewriteJson(src: string, dst: string, edit: (json: Record<string, unknown>) => void): void {
  const f = openSafetensors(src);
  const tensors: TensorToWrite[] = f.names().map((name) => ({ name, dtype: 'F32', shape: [...f.entry(name)!.shape], data: f.readFloat32(name) }));
  const m = { ...f.metadata };
  f.close();
  const json = JSON.parse(m.record ?? '{}') as Record<string, unknown>;
  edit(json);
  m.record = JSON.stringify(json);
  const h = createHash('sha256').update(m.record).update('\0');
  for (const t of tensors) h.update(t.name).update('\0').update(new Uint8Array((t.data as Float32Array).buffer, (t.data as Float32Array).byteOffset, (t.data as Float32Array).byteLength));
  m.sha256 = h.digest('hex');
  writeSafetensors(dst, tensors, m);
}

const schedule = (json: Record<string, unknown>): Record<string, unknown> => json['schedule'] as Record<string, unknown>;

describe('schedule.solver in records', () => {
  it('an inversion stores its method; a generation with a scheduler stores the solver id and Karras flag', async () => {
    const dir = tempDir();
    const inv = await invert(plan, analyticPredict(plan), seededLatent(1, 64), { method: 'bdia' }, meta);
    expect(inv.schedule.solver).toBe('bdia');
    expect(inv.schedule.karras).toBeUndefined();
    const scheduler = resolveSchedulerConfig({ ...SD1_SCHEDULER, use_karras_sigmas: true }, 'DPMSolverMultistepScheduler');
    const gen = await generateLatent({ ...meta, plan, predict: analyticPredict(plan), prompt: 'a cat', negativePrompt: '', seed: 2, method: 'ddim', scheduler, solver: { id: 'dpm-solver++', karras: true } });
    expect(gen.method).toBe('ef-ddpm');
    expect([gen.schedule.solver, gen.schedule.karras]).toEqual(['dpm-solver++', true]);
    const plain = await generateLatent({ ...meta, plan, predict: analyticPredict(plan), prompt: 'a cat', negativePrompt: '', seed: 2, method: 'edict' });
    expect(plain.schedule.solver).toBe('edict');
    for (const [name, r] of [['inv', inv], ['gen', gen], ['plain', plain]] as const) {
      const file = path.join(dir, `${name}.safetensors`);
      saveInversion(file, r);
      const back = loadInversion(file);
      expect(back.schedule).toEqual(r.schedule);
    }
  });

  it('a record written without schedule.solver still loads (solver undefined)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'new.safetensors');
    saveInversion(file, await invert(plan, analyticPredict(plan), seededLatent(1, 64), { method: 'ddim' }, meta));
    const old = path.join(dir, 'old.safetensors');
    rewriteJson(file, old, (json) => {
      delete schedule(json)['solver'];
    });
    const r = loadInversion(old);
    expect(r.schedule.solver).toBeUndefined();
    expect(r.method).toBe('ddim');
  });

  it('an unknown solver or a stray karras flag is refused', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'r.safetensors');
    const rec: Inversion = await invert(plan, analyticPredict(plan), seededLatent(1, 64), { method: 'ddim' }, meta);
    saveInversion(file, rec);
    const bad = path.join(dir, 'bad.safetensors');
    rewriteJson(file, bad, (json) => {
      schedule(json)['solver'] = 'warp-drive';
    });
    expect(() => loadInversion(bad)).toThrow(/warp-drive/);
    try {
      loadInversion(bad);
    } catch (e) {
      expect((e as RepriseError).code).toBe('SAFETENSORS_INVALID');
    }
    expect(() => checkInversion({ ...rec, schedule: { ...rec.schedule, solver: undefined, karras: true } } as Inversion)).toThrow(/karras/);
    expect(() => checkInversion({ ...rec, schedule: { ...rec.schedule, solver: 'euler', karras: true } })).not.toThrow();
  });
});
