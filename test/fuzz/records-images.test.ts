/**
 * Fuzz: mutated inversion records and image headers are a typed error (exit 2) or a correct load,
 * within the per-case time limit; never an internal error, never a hang.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseImageHeader, readImage, readImageHeader } from '../../src/io/image/index.js';
import { samplingPlanFromConfig } from '../../src/inversion/plan.js';
import { invert } from '../../src/inversion/reconstruct.js';
import { loadInversion, saveInversion, type Inversion } from '../../src/inversion/record.js';
import { writePicture } from '../cli/cli-helpers.js';
import { tempDir } from '../helpers.js';
import { analyticPredict, SD1_SCHEDULER, seededConditioning, seededLatent } from '../inversion/helpers.js';
import { CASE_MS, expectUserError, FUZZ_SCALE, FUZZ_SEED, mutateBytes, Rng, tally } from './fuzz-helpers.js';

/** A small EF-DDPM record to mutate. */
function fuzzRecord(): Promise<Inversion> {
  const plan = samplingPlanFromConfig(SD1_SCHEDULER, 3, [4, 4, 4]);
  return invert(plan, analyticPredict(plan), seededLatent(1, 64), { method: 'ef-ddpm', eta: 1, skip: 0, seed: 3 }, {
    modelId: 'unet:fuzz',
    schedulerConfig: SD1_SCHEDULER,
    prompts: { source: 'a cat', negative: '' },
    conditioning: seededConditioning(1, 6, 3),
  });
}

/** Loads a mutated record: 'loaded' (with the right latent size) or the typed error's code. */
function loadOutcome(file: string, z0Length: number, context: string): string {
  try {
    const loaded = loadInversion(file);
    expect(loaded.z0.length, context).toBe(z0Length);
    return 'loaded';
  } catch (e) {
    expectUserError(e, `${context}: ${String(e)}`);
    return (e as { code?: string }).code ?? 'error';
  }
}

describe('fuzz: inversion records', () => {
  it(`${500 * FUZZ_SCALE} mutated records: typed error or a correct load`, async () => {
    const dir = tempDir('reprise-fuzz-rec-');
    const record = await fuzzRecord();
    const good = path.join(dir, 'good.safetensors');
    saveInversion(good, record);
    const bytes = fs.readFileSync(good);
    const headerLength = Number(bytes.readBigUInt64LE(0)) + 8;
    const rng = new Rng(FUZZ_SEED ^ 0x7ec);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 500 * FUZZ_SCALE; i++) {
      const context = `record case ${i} (seed ${FUZZ_SEED})`;
      // Mostly mutate the header (where the structure lives), sometimes anywhere.
      const region = rng.chance(0.7) ? bytes.subarray(0, headerLength) : bytes;
      const mutated = mutateBytes(rng, region);
      const file = path.join(dir, `case${i % 5}.safetensors`);
      fs.writeFileSync(file, region === bytes ? mutated : Buffer.concat([mutated, bytes.subarray(headerLength)]));
      const t0 = performance.now();
      tally(counts, loadOutcome(file, record.z0.length, context));
      expect(performance.now() - t0, context).toBeLessThan(CASE_MS);
    }
    console.log('record fuzz outcomes:', counts);
  });

  it(`${300 * FUZZ_SCALE} records with mutated fields and a valid checksum: typed error or a correct load`, async () => {
    // Byte mutations almost always end at the checksum; these reach the field validation behind it.
    const dir = tempDir('reprise-fuzz-fields-');
    const record = await fuzzRecord();
    const rng = new Rng(FUZZ_SEED ^ 0xf1e);
    const hostile: readonly unknown[] = [null, -1, 0, 1e308, Number.NaN, Number.POSITIVE_INFINITY, '', 'x'.repeat(1000), [], {}, true, 'ddim', 2 ** 31];
    const paths: readonly (readonly string[])[] = [['method'], ['modelId'], ['schedule', 'steps'], ['schedule', 'solver'], ['schedule', 'config'], ['schedule', 'timesteps'], ['options', 'eta'], ['options', 'method'], ['options', 'skip'], ['prompts', 'source'], ['prompts'], ['latentShape'], ['conditioning', 'guidance'], ['embeddedGuidance']];
    const counts: Record<string, number> = {};
    for (let i = 0; i < 300 * FUZZ_SCALE; i++) {
      const at = rng.pick(paths);
      const value = rng.pick(hostile);
      const context = `field case ${i} (seed ${FUZZ_SEED}): ${at.join('.')} = ${String(value)}`;
      const mutated = structuredClone(record) as unknown as Record<string, unknown>;
      let parent = mutated;
      for (const key of at.slice(0, -1)) parent = (parent[key] ?? (parent[key] = {})) as Record<string, unknown>;
      parent[at[at.length - 1]!] = value;
      const file = path.join(dir, `case${i % 5}.safetensors`);
      const t0 = performance.now();
      try {
        saveInversion(file, mutated as never);
      } catch {
        // saveInversion takes a typed Inversion (TypeScript refuses these objects); only what a file can hold must load safely
        tally(counts, 'not saved');
        continue;
      }
      tally(counts, loadOutcome(file, record.z0.length, context));
      expect(performance.now() - t0, context).toBeLessThan(CASE_MS);
    }
    expect(Object.keys(counts).length).toBeGreaterThan(1);
    console.log('record field fuzz outcomes:', counts);
  });
});

describe('fuzz: image headers', () => {
  it(`${1500 * FUZZ_SCALE} mutated headers (and ${60 * FUZZ_SCALE} full decodes): typed error or a sane image`, async () => {
    const dir = tempDir('reprise-fuzz-img-');
    const png = fs.readFileSync(await writePicture(path.join(dir, 'p.png'), 12, 9));
    const jpeg = fs.readFileSync(await writePicture(path.join(dir, 'p.jpg'), 12, 9));
    const gif = Buffer.from('GIF89a\x0c\x00\x09\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x0c\x00\x09\x00\x00\x02\x02D\x01\x00;', 'latin1');
    const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.from([30, 0, 0, 0]), Buffer.from('WEBPVP8X'), Buffer.from([10, 0, 0, 0, 0, 0, 0, 0, 11, 0, 0, 8, 0, 0])]);
    const seeds = [png, jpeg, gif, webp];
    const rng = new Rng(FUZZ_SEED ^ 0x1a6e);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 1500 * FUZZ_SCALE; i++) {
      const context = `image case ${i} (seed ${FUZZ_SEED})`;
      const bytes = mutateBytes(rng, rng.pick(seeds));
      const t0 = performance.now();
      const result = parseImageHeader(bytes);
      if (result.ok) {
        expect(Number.isInteger(result.header.width) && result.header.width > 0, context).toBe(true);
        expect(Number.isInteger(result.header.height) && result.header.height > 0, context).toBe(true);
        tally(counts, `header:${result.header.format}`);
      } else {
        expect(() => readImageHeader(bytes, 'x')).toThrow();
        try {
          readImageHeader(bytes, 'x');
        } catch (e) {
          expectUserError(e, context);
        }
        tally(counts, result.reason);
      }
      if (i % Math.floor(1500 / 60) === 0) {
        const file = path.join(dir, `case${i % 3}.img`);
        fs.writeFileSync(file, bytes);
        try {
          const image = await readImage(file);
          expect(image.data.length, context).toBe(image.width * image.height * image.channels);
          tally(counts, 'decoded');
        } catch (e) {
          expectUserError(e, `${context} (decode)`);
          tally(counts, 'decode error');
        }
      }
      expect(performance.now() - t0, context).toBeLessThan(CASE_MS);
    }
    expect(counts['decoded'] ?? 0).toBeGreaterThan(0);
    console.log('image fuzz outcomes:', counts);
  });
});
