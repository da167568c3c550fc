import { describe, expect, it } from 'vitest';
import { crossAttentionControls } from '../../src/attention/alignment/index.js';
import { ControlledUnetModel } from '../../src/attention/controlled-unet.js';
import { runEditLoop } from '../../src/editing/edit-loop.js';
import { invert, reconstructLatent } from '../../src/inversion/reconstruct.js';
import type { InversionOptions } from '../../src/inversion/options.js';
import { samplingPlanFromConfig } from '../../src/inversion/plan.js';
import { unetBranchPredictor } from '../../src/inversion/predictor.js';
import type { BranchConditioning } from '../../src/inversion/types.js';
import { paramSpecs, randomWeightSource } from '../../src/models/random-weights.js';
import { UnetModel } from '../../src/runtime/load.js';
import { ClipTokenizer, buildWordVocab } from '../../src/tokenizer/index.js';
import { Random } from '../../src/util/random.js';
import { tinyUnetSd1 } from '../helpers.js';
import { SD1_SCHEDULER, relError } from '../inversion/helpers.js';

const STEPS = 8;
const SHAPE = [4, 8, 8] as const;
const D = 24;

describe('editing loops: every inversion method under attention control', async () => {
  const weights = randomWeightSource(paramSpecs('unet', tinyUnetSd1), 31);
  const unet = await UnetModel.fromWeights(tinyUnetSd1, weights, { cache: false });
  const controlled = await ControlledUnetModel.fromWeights(tinyUnetSd1, weights, { cache: false, edits: 1, attentionOutputs: ['up_blocks.1.attentions.0.transformer_blocks.0.attn2', 'up_blocks.1.attentions.1.transformer_blocks.0.attn2'] });
  const plan = samplingPlanFromConfig(SD1_SCHEDULER, STEPS, SHAPE);
  const rng = new Random(77);
  const z0 = rng.normals(4 * 64);
  const uncond = rng.normals(77 * D);
  const srcCond = rng.normals(77 * D);
  const tgtCond = rng.normals(77 * D);
  const source: BranchConditioning = { cond: srcCond, uncond, guidance: 3.5 };
  const { vocab, merges } = buildWordVocab(['a', 'cat', 'dog', 'on', 'bench']);
  const tok = ClipTokenizer.fromFiles({ vocab, merges });
  const cross = crossAttentionControls(tok, 'a cat on a bench', 'a dog on a bench', { kind: 'replace' }, STEPS, 0.8);
  const attention = { cross: [cross], selfReplace: [0, 4] as [number, number] };

  const methods: InversionOptions[] = [{ method: 'ef-ddpm' }, { method: 'bdia' }, { method: 'edict' }, { method: 'ddcm' }, { method: 'ddim' }, { method: 'negative-prompt' }];
  for (const options of methods) {
    it(`${options.method}: the source branch regenerates what plain reconstruction gives while the target edits`, async () => {
      const conditioning = options.method === 'negative-prompt' ? { ...source, uncond: srcCond, guidance: 1 } : source;
      const predict = unetBranchPredictor(unet, plan, [conditioning]);
      const record = await invert(plan, predict, z0, options, { modelId: weights.id, schedulerConfig: SD1_SCHEDULER, prompts: { source: 'a cat on a bench' }, conditioning });
      const plain = await reconstructLatent(record, (p, c) => unetBranchPredictor(unet, p, c));
      const target: BranchConditioning = options.method === 'negative-prompt' ? { cond: tgtCond, uncond: srcCond, guidance: 7.5 } : { cond: tgtCond, uncond, guidance: 7.5 };
      const r = await runEditLoop({ unet: controlled, record, targets: [target], attention, storeSize: [4, 4] });
      const [src, tgt] = r.latents as [Float32Array, Float32Array];
      // the source branch follows the plain reconstruction (which is exact for the exact methods)
      expect(relError(src, plain)).toBeLessThan(1e-5);
      if (options.method !== 'ddim' && options.method !== 'negative-prompt') expect(relError(src, z0)).toBeLessThan(options.method === 'edict' ? 1e-3 : 1e-5);
      expect(relError(tgt, src)).toBeGreaterThan(1e-3);
      // the store kept one map per step for both branches
      expect(r.store?.step(STEPS - 1)?.length).toBe(2);
    });
  }

  it('(d) EF-DDPM + P2P: the source branch reconstructs the input latent exactly', async () => {
    const predict = unetBranchPredictor(unet, plan, [source]);
    const record = await invert(plan, predict, z0, { method: 'ef-ddpm', skip: 2 }, { modelId: weights.id, schedulerConfig: SD1_SCHEDULER, prompts: { source: 'a cat on a bench' }, conditioning: source });
    const r = await runEditLoop({ unet: controlled, record, targets: [{ cond: tgtCond, uncond, guidance: 9 }], attention });
    expect(relError(r.latents[0] as Float32Array, z0)).toBeLessThan(1e-6);
  });

  it('target prompt = source prompt: the target branch equals the source branch', async () => {
    const predict = unetBranchPredictor(unet, plan, [source]);
    const record = await invert(plan, predict, z0, { method: 'bdia' }, { modelId: weights.id, schedulerConfig: SD1_SCHEDULER, prompts: { source: 'a cat on a bench' }, conditioning: source });
    const same = crossAttentionControls(tok, 'a cat on a bench', 'a cat on a bench', { kind: 'replace' }, STEPS, 0.8);
    const r = await runEditLoop({ unet: controlled, record, targets: [source], attention: { cross: [same], selfReplace: [0, 4] } });
    expect(relError(r.latents[1] as Float32Array, r.latents[0] as Float32Array)).toBeLessThan(1e-6);
  });

  it('local blend: a user mask of zeros keeps the target on the source; of ones changes nothing', async () => {
    const predict = unetBranchPredictor(unet, plan, [source]);
    const record = await invert(plan, predict, z0, { method: 'ef-ddpm' }, { modelId: weights.id, schedulerConfig: SD1_SCHEDULER, prompts: { source: 'a cat on a bench' }, conditioning: source });
    const targets = [{ cond: tgtCond, uncond, guidance: 7.5 }];
    const free = await runEditLoop({ unet: controlled, record, targets, attention, storeSize: [4, 4] });
    const zeros = await runEditLoop({ unet: controlled, record, targets, attention, localBlend: { tokenIndices: [[2], [2]], startStep: 0, userMask: { mask: new Float32Array(64), mode: 'replace' } }, storeSize: [4, 4] });
    const ones = await runEditLoop({ unet: controlled, record, targets, attention, localBlend: { tokenIndices: [[2], [2]], startStep: 0, userMask: { mask: new Float32Array(64).fill(1), mode: 'replace' } }, storeSize: [4, 4] });
    expect(relError(zeros.latents[1] as Float32Array, zeros.latents[0] as Float32Array)).toBeLessThan(1e-6);
    expect(relError(ones.latents[1] as Float32Array, free.latents[1] as Float32Array)).toBeLessThan(1e-6);
    expect(zeros.masks?.[1]?.every((v) => v === 0)).toBe(true);
  });
});
