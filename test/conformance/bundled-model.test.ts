import { describe, expect, it } from 'vitest';
import { runConformance } from '../../src/conformance/runner.js';
import { bundledModelDir } from '../../src/models/bundled-model.js';
import { ClipTokenizer } from '../../src/tokenizer/clip-tokenizer.js';
import { SCENE_CAPTION_WORDS } from '../../tools/scenes/index.js';
import * as path from 'node:path';

describe('the embedded default model (models/reprise-scenes)', () => {
  it('passes the conformance runner on its own references (transformers text encoder + tokenizer, PyTorch UNet + VAE)', async () => {
    const results = await runConformance(bundledModelDir(), { cache: false });
    for (const r of results) console.log(JSON.stringify({ component: r.component, ok: r.ok, maxRelError: r.maxRelError, error: r.error }));
    expect(results.map((r) => r.kind).sort()).toEqual(['text_encoder', 'tokenizer', 'unet', 'vae']);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const unet = results.find((r) => r.kind === 'unet');
    expect(Object.keys(unet?.attention ?? {}).length).toBe(11);
  });

  it('its tokenizer encodes every scene caption word as one token', () => {
    const tok = ClipTokenizer.fromFolder(path.join(bundledModelDir(), 'tokenizer'));
    expect(SCENE_CAPTION_WORDS.filter((w) => tok.tokenize(w).length !== 1)).toEqual([]);
  });
});
