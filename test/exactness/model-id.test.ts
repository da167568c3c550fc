import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/editing/pipeline.js';
import { tempDir } from '../helpers.js';
import { FOLDER_KINDS, TEST_IMAGE, writeFolder } from './folders.js';

describe('the model id follows every weight byte of UNet, VAE and text encoder', () => {
  it('a folder differing in one VAE weight byte has another id and refuses the first one\'s records (RUNTIME_INPUT)', async () => {
    const dir = tempDir();
    const a = writeFolder(path.join(dir, 'a'), FOLDER_KINDS[0]!, 40);
    const b = writeFolder(path.join(dir, 'b'), FOLDER_KINDS[0]!, 40);
    const vae = path.join(b, 'vae', fs.readdirSync(path.join(b, 'vae')).find((f) => f.endsWith('.safetensors'))!);
    const bytes = fs.readFileSync(vae);
    const at = bytes.length - 3; // inside the last tensor's data
    bytes[at] = (bytes[at] as number) ^ 1;
    fs.writeFileSync(vae, bytes);
    const pa = await Pipeline.load(a, { cache: false });
    const pb = await Pipeline.load(b, { cache: false });
    expect(pa.modelId()).toMatch(/^[0-9a-f]{64}$/);
    expect(pb.modelId()).not.toBe(pa.modelId());
    expect(pa.model.unet.weightsId).toBe(pb.model.unet.weightsId);
    const inv = await pa.invert(TEST_IMAGE, { prompt: 'a red circle', method: 'ddim', steps: 2 });
    await expect(pb.reconstruct(inv)).rejects.toMatchObject({ code: 'RUNTIME_INPUT' });
    await expect(pa.reconstruct(inv)).resolves.toBeDefined();
  });
});
