/** Shared test helpers: fixture location, temp folders, tiny model configs. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import { RepriseError, type RepriseErrorCode } from '../src/errors.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The reference fixtures folder (`REPRISE_FIXTURES` or `../shared/fixtures/reference`), or undefined when absent. */
export const fixturesDir: string | undefined = (() => {
  const dir = process.env.REPRISE_FIXTURES ?? path.resolve(repoRoot, '../shared/fixtures/reference');
  return fs.existsSync(dir) ? dir : undefined;
})();

/**
 * The name of a test that needs a fixture folder: as given when the folder is there, else with the
 * reason vitest reports it as skipped (`it.skipIf(!present)(fixtureTestName(...), ...)`).
 */
export function fixtureTestName(name: string, present: boolean, missing: string): string {
  return present ? name : `${name} (skipped: ${missing})`;
}

/** Why a test that needs the reference fixtures was skipped. */
export const NO_REFERENCE_FIXTURES = 'no reference fixtures; set REPRISE_FIXTURES or place ../shared/fixtures/reference';

const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp folder, removed when the test file finishes. */
export function tempDir(prefix = 'reprise-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** A tiny SD 1.x-style UNet (3 blocks, conv projections, one head count). */
export const tinyUnetSd1 = {
  _class_name: 'UNet2DConditionModel',
  in_channels: 4,
  out_channels: 4,
  block_out_channels: [16, 32, 32],
  down_block_types: ['CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'DownBlock2D'],
  up_block_types: ['UpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D'],
  layers_per_block: 1,
  attention_head_dim: 2,
  cross_attention_dim: 24,
  norm_num_groups: 8,
  sample_size: 16,
};

/** A tiny SD 2.x-style UNet: linear projections, per-block heads, upcast attention, 4 blocks. */
export const tinyUnetSd2 = {
  _class_name: 'UNet2DConditionModel',
  in_channels: 4,
  out_channels: 4,
  block_out_channels: [16, 32, 32, 32],
  down_block_types: ['CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'DownBlock2D'],
  up_block_types: ['UpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D'],
  layers_per_block: 1,
  attention_head_dim: [2, 4, 8, 8],
  cross_attention_dim: 24,
  norm_num_groups: 8,
  use_linear_projection: true,
  upcast_attention: true,
  sample_size: 16,
};

/** A tiny LCM-style UNet (guidance embedding input). */
export const tinyUnetLcm = { ...tinyUnetSd1, time_cond_proj_dim: 8 };

/** A tiny 3-block VAE. */
export const tinyVae3 = {
  _class_name: 'AutoencoderKL',
  in_channels: 3,
  out_channels: 3,
  latent_channels: 4,
  block_out_channels: [8, 16, 16],
  down_block_types: ['DownEncoderBlock2D', 'DownEncoderBlock2D', 'DownEncoderBlock2D'],
  up_block_types: ['UpDecoderBlock2D', 'UpDecoderBlock2D', 'UpDecoderBlock2D'],
  layers_per_block: 1,
  norm_num_groups: 4,
  scaling_factor: 0.18215,
};

/** A tiny CLIP text encoder. */
export const tinyClip = {
  architectures: ['CLIPTextModel'],
  hidden_size: 16,
  intermediate_size: 24,
  num_attention_heads: 2,
  num_hidden_layers: 2,
  max_position_embeddings: 77,
  vocab_size: 300,
  hidden_act: 'quick_gelu',
  layer_norm_eps: 1e-5,
  eos_token_id: 299,
  bos_token_id: 298,
  pad_token_id: 299,
};

/** What `fn` throws; fails the test when it returns. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, none was thrown');
}

/** What `p` rejects with; fails the test when it resolves. */
export async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection, the promise resolved');
    },
    (e: unknown) => e,
  );
}

/**
 * THE check of an error a user can cause (shared by the tests): a RepriseError (of `type` when
 * given) with the given code, a hint when `hint`, and every `message` part in its message.
 */
export function expectRepriseError<E extends RepriseError = RepriseError>(
  error: unknown,
  expected: { readonly code?: RepriseErrorCode; readonly type?: abstract new (...args: never[]) => E; readonly hint?: boolean; readonly message?: readonly (string | RegExp)[] } = {},
): E {
  expect(error).toBeInstanceOf(RepriseError);
  if (expected.type) expect(error).toBeInstanceOf(expected.type);
  const e = error as E;
  if (expected.code !== undefined) expect(e.code).toBe(expected.code);
  if (expected.hint) expect(e.hint).toBeTruthy();
  for (const part of expected.message ?? []) expect(e.message).toMatch(part);
  return e;
}
