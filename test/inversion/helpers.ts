/** Helpers for the inversion tests: the SD 1.x scheduler, an analytic ε-model, UNets, errors. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unetBranchPredictor } from '../../src/inversion/predictor.js';
import type { PredictorFactory } from '../../src/inversion/reconstruct.js';
import type { BranchConditioning, BranchPredict, SamplingPlan } from '../../src/inversion/types.js';
import { paramSpecs, randomWeightSource } from '../../src/models/random-weights.js';
import { openComponentWeights } from '../../src/models/folder.js';
import { UnetModel } from '../../src/runtime/load.js';
import { alphaBarAt } from '../../src/solvers/index.js';
import { Random } from '../../src/util/random.js';
import { SD1_SCHEDULER_CONFIG } from '../../src/models/random-model.js';
import { fixturesDir, tinyUnetSd1 } from '../helpers.js';

/** The SD 1.x scheduler config (fixture README), read as DDIM. */
export const SD1_SCHEDULER = SD1_SCHEDULER_CONFIG;

/** ‖a − b‖/‖b‖. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return Math.sqrt(d / n);
}

/**
 * The scheduler fixtures' dummy model ε = 0.3·x·t/(t+1) + 0.05·sin(3x) as a BranchPredict,
 * plus a per-branch offset `shift[b]·cos(x)` standing in for a prompt (0 for every branch by
 * default). x̂0 follows from ε at the plan's level of t.
 */
export function analyticPredict(plan: SamplingPlan, shift: readonly number[] = []): BranchPredict {
  return async (latents, t) =>
    latents.map((x, b) => {
      const ab = alphaBarAt(plan.schedule, t);
      const s = shift[b] ?? 0;
      const eps = new Float32Array(x.length);
      const x0 = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        eps[i] = (0.3 * v * t) / (t + 1) + 0.05 * Math.sin(3 * v) + s * Math.cos(v);
        x0[i] = (v - Math.sqrt(1 - ab) * eps[i]!) / Math.sqrt(ab);
      }
      return { eps, x0 };
    });
}

/** A seeded latent. */
export function seededLatent(seed: number, size: number): Float32Array {
  return Random.forName(seed, 'test:z0').normals(size);
}

/** Seeded random conditioning [77·D]. */
export function seededConditioning(seed: number, contextDim: number, guidance: number): BranchConditioning {
  return {
    cond: Random.forName(seed, 'test:cond').normals(77 * contextDim),
    uncond: Random.forName(seed, 'test:uncond').normals(77 * contextDim),
    guidance,
  };
}

/** A UNet under test with what records need. */
export interface TestUnet {
  readonly name: string;
  readonly unet: UnetModel;
  readonly modelId: string;
  /** Latent side length to test at. */
  readonly size: number;
  readonly factory: PredictorFactory;
}

/** The tiny random SD 1.x-style UNet (test/helpers.ts), at 8×8 latents. */
export async function tinyRandomUnet(): Promise<TestUnet> {
  const weights = randomWeightSource(paramSpecs('unet', tinyUnetSd1), 11);
  const unet = await UnetModel.fromWeights(tinyUnetSd1, weights, { cache: false });
  return { name: 'tiny random UNet', unet, modelId: weights.id, size: 8, factory: (plan, conds) => unetBranchPredictor(unet, plan, conds) };
}

/** The reference fixture UNet `unet-sd15-tiny` at 16×16 latents, or undefined (logged) when the fixtures are absent. */
export async function fixtureUnet(): Promise<TestUnet | undefined> {
  const dir = fixturesDir === undefined ? undefined : path.join(fixturesDir, 'unet-sd15-tiny');
  if (dir === undefined || !fs.existsSync(dir)) {
    console.warn('[inversion tests] reference fixture UNet unet-sd15-tiny not found (set REPRISE_FIXTURES): the fixture-UNet exactness checks were NOT run; the random-UNet checks still ran.');
    return undefined;
  }
  const weights = openComponentWeights(dir);
  const unet = await UnetModel.load(dir, { cache: false });
  return { name: 'fixture UNet unet-sd15-tiny', unet, modelId: weights.id, size: 16, factory: (plan, conds) => unetBranchPredictor(unet, plan, conds) };
}
