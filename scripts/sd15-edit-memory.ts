/**
 * Memory of an SD 1.5-architecture edit on CPU (issue 17: a 512² prompt-to-prompt edit must
 * complete within 12 GB peak RSS in fp32). Writes a diffusers folder with the SD 1.5 UNet and
 * VAE architectures and an SD 1.5-size CLIP text encoder (random weights, F32 safetensors; the
 * tokenizer is the small test one, so the token embedding is smaller than CLIP's 49408 rows),
 * then in one process: loads it, inverts a SIZE² picture (EF-DDPM, STEPS steps), reconstructs
 * it (checked bit-identical) and edits it toward one target prompt with local blend. Prints
 * one JSON object with the times, the weights cache use and the peak RSS after each phase.
 * Measure the whole process with GNU time:
 *
 *   /usr/bin/time -v npx tsx scripts/sd15-edit-memory.ts --size 512 --steps 4
 *
 * ("Maximum resident set size" is the peak). The folder and the graph cache are kept in
 * --dir (default $TMPDIR/reprise-sd15-memory) for a second, warm run. A smoke run of the
 * script on a tiny model of the same layout (measures nothing): `--tiny --size 128 --steps 2 --dir /tmp/x`. Needs about 8 GB of disk (weights, graphs).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { SD15_TEXT_ENCODER, SD15_UNET, SD15_VAE } from '../src/bench/sd15.js';
import { Pipeline } from '../src/editing/pipeline.js';
import type { RasterImage } from '../src/io/image/types.js';
import { writeRandomModel } from '../src/models/random-model.js';
import { cacheUsage } from '../src/runtime/cache-usage.js';

const { values } = parseArgs({ options: { size: { type: 'string', default: '512' }, steps: { type: 'string', default: '4' }, dir: { type: 'string' }, dtype: { type: 'string', default: 'fp32' }, tiny: { type: 'boolean' } } });
const size = Number(values.size);
const steps = Number(values.steps);
const dtype = values.dtype === 'fp16' ? 'fp16' : 'fp32';
if (!Number.isInteger(size) || size < 64 || size % 64 !== 0 || !Number.isInteger(steps) || steps < 1) {
  process.stderr.write('usage: sd15-edit-memory.ts [--size N (multiple of 64)] [--steps N] [--dir D] [--dtype fp32|fp16] [--tiny]\n');
  process.exit(2);
}
const dir = values.dir ?? path.join(os.tmpdir(), 'reprise-sd15-memory');
const folder = path.join(dir, 'model');
const cache = path.join(dir, 'graphs');
const peakMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const seconds = (t0: number): number => +((performance.now() - t0) / 1000).toFixed(1);
const phases: Record<string, { seconds: number; peakRssMb: number }> = {};
const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
  const t0 = performance.now();
  const r = await fn();
  phases[name] = { seconds: seconds(t0), peakRssMb: peakMb() };
  process.stderr.write(`${name}: ${phases[name]?.seconds} s, peak RSS ${phases[name]?.peakRssMb} MB\n`);
  return r;
};

if (!fs.existsSync(path.join(folder, 'model_index.json'))) {
  await phase('write-model', async () => {
    if (values.tiny) {
      // The SD 1.5 layout at a few channels: checks the script, measures nothing.
      writeRandomModel(folder, { seed: 0, hidden: 64, unet: { ...SD15_UNET, block_out_channels: [32, 64, 64, 64], attention_head_dim: 4, cross_attention_dim: 64, norm_num_groups: 8, layers_per_block: 1 }, vae: { ...SD15_VAE, block_out_channels: [16, 32, 32, 32], norm_num_groups: 8, layers_per_block: 1 } });
    } else {
      writeRandomModel(folder, { seed: 0, hidden: SD15_TEXT_ENCODER.hidden_size, unet: { ...SD15_UNET }, vae: { ...SD15_VAE }, textEncoder: { ...SD15_TEXT_ENCODER } });
    }
  });
}
const pipe = await phase('load', () => Pipeline.load(folder, { dtype, cache: { dir: cache } }));
const image: RasterImage = (() => {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inCircle = (x - size / 3) ** 2 + (y - size / 2) ** 2 < (size / 6) ** 2;
      const i = (y * size + x) * 3;
      data[i] = inCircle ? 220 : (x * 255) / size;
      data[i + 1] = inCircle ? 30 : (y * 255) / size;
      data[i + 2] = inCircle ? 40 : 128;
    }
  }
  return { width: size, height: size, channels: 3, bitDepth: 8, data };
})();
const inv = await phase('invert', () => pipe.invert(image, { prompt: 'a red circle on a blue background', method: 'ef-ddpm', steps, resize: { size } }));
const rec = await phase('reconstruct', () => pipe.reconstruct(inv));
const exact = Buffer.from(rec.image.data as Uint8Array).equals(Buffer.from(image.data));
await phase('edit', () => pipe.edit(inv, { prompt: 'a green circle on a blue background', attention: { localBlend: ['circle'] } }));
const u = cacheUsage(cache);
process.stdout.write(`${JSON.stringify({
  size,
  steps,
  dtype,
  latentShape: inv.latentShape,
  reconstructionExact: exact,
  phases,
  peakRssMb: peakMb(),
  cache: { diskMb: Math.round(u.diskBytes / 2 ** 20), inPlaceMb: Math.round(u.inPlaceBytes / 2 ** 20), graphs: u.graphs.map((g) => g.component), weightsFolders: u.weights.length },
  machine: { cpus: os.cpus().length, memoryGb: +(os.totalmem() / 2 ** 30).toFixed(1) },
})}\n`);
