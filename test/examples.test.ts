/**
 * Runs every example (examples/*.ts) on the embedded default model, generated into a temporary
 * folder, with a temporary output folder each: the examples check what they claim (bit-identical
 * reconstructions, pixels outside edit masks untouched, batch resume), so running them is the test.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main as batchJob } from '../examples/batch-job.js';
import { main as generateAndEdit } from '../examples/generate-and-edit.js';
import { main as invertReconstruct } from '../examples/invert-reconstruct.js';
import { drawScene, SCENE_PATH } from '../examples/make-scene.js';
import { main as promptToPrompt } from '../examples/prompt-to-prompt.js';
import { ClipTokenizer, readImage } from '../src/index.js';
import { DEFAULT_MODEL_MARKER, DEFAULT_MODEL_WORDS, ensureDefaultModel, isDefaultModel } from '../tools/models/default-model.js';
import { tempDir } from './helpers.js';

const quiet = (): void => undefined;

describe('examples on the embedded default model', () => {
  let model = '';
  beforeAll(() => {
    model = ensureDefaultModel(path.join(tempDir('reprise-examples-'), 'default-model'));
  });

  it('the default model is generated once, deterministically, and every caption word is one token', () => {
    expect(isDefaultModel(model)).toBe(true);
    expect(ensureDefaultModel(model)).toBe(model); // present: not regenerated
    const other = ensureDefaultModel(path.join(tempDir('reprise-examples-'), 'again'));
    for (const f of ['unet/diffusion_pytorch_model.safetensors', 'vae/diffusion_pytorch_model.safetensors', 'text_encoder/model.safetensors', 'tokenizer/vocab.json']) {
      expect(fs.readFileSync(path.join(other, f)).equals(fs.readFileSync(path.join(model, f))), f).toBe(true);
    }
    const tokenizer = ClipTokenizer.fromFolder(path.join(model, 'tokenizer'));
    expect(DEFAULT_MODEL_WORDS.filter((w) => tokenizer.tokenize(w).length !== 1)).toEqual([]);
  });

  it('refuses to overwrite a folder that is not a default model', () => {
    const dir = tempDir('reprise-examples-');
    fs.writeFileSync(path.join(dir, 'precious.txt'), 'keep me');
    expect(() => ensureDefaultModel(dir)).toThrow(/not a Reprise default model/);
    expect(fs.existsSync(path.join(dir, DEFAULT_MODEL_MARKER))).toBe(false);
  });

  it('the bundled scene is what examples/make-scene.ts draws', async () => {
    const bundled = await readImage(SCENE_PATH);
    const drawn = drawScene();
    expect([bundled.width, bundled.height, bundled.channels]).toEqual([drawn.width, drawn.height, drawn.channels]);
    expect(Buffer.from(bundled.data).equals(Buffer.from(drawn.data))).toBe(true);
  });

  it('invert-reconstruct: every exact method reconstructs bit for bit', async () => {
    const results = await invertReconstruct({ out: tempDir(), model, log: quiet });
    expect(results.filter((r) => r.method !== 'ddim').every((r) => r.identical)).toBe(true);
  });

  it('prompt-to-prompt: three targets in one pass; nothing changes outside the masks', async () => {
    const r = await promptToPrompt({ out: tempDir(), model, log: quiet });
    expect(r.edits).toHaveLength(3);
    for (const e of r.edits) expect(e.checkedOutside).toBeGreaterThan(0);
  });

  it('generate-and-edit: generated records regenerate their images exactly', async () => {
    const r = await generateAndEdit({ out: tempDir(), model, log: quiet });
    expect(r.samplers.every((s) => s.identical)).toBe(true);
    expect(r.editChangedSamples).toBeGreaterThan(0);
  });

  it('batch-job: every item done, report written, the second run skips everything', async () => {
    const out = tempDir();
    const r = await batchJob({ out, model, log: quiet });
    expect(r.first.failed).toBe(0);
    expect(r.first.done).toBe(r.first.items.length);
    expect(r.second.skipped).toBe(r.first.items.length);
    expect(fs.existsSync(path.join(out, 'report.html'))).toBe(true);
  });
});
