/**
 * Scale check: builds the SD 1.5-size UNet graph (diffusers defaults, cross_attention_dim 768,
 * sample_size 64) from random weights, writes it with external data, loads it in onnxruntime
 * on CPU and runs one forward pass. Prints one JSON object.
 *
 *   npm run scale-check [-- --dtype fp16] [--lowering fused] [--batch N] [--keep]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { SD15_UNET as SD15_UNET_CONFIG } from '../src/bench/sd15.js';
import { paramSpecs, randomWeightSource } from '../src/models/random-weights.js';
import { buildUnet } from '../src/models/unet/build.js';
import { writeModel } from '../src/onnx/serialize.js';
import { ModelSession } from '../src/runtime/session.js';
import { Random } from '../src/util/random.js';


const { values } = parseArgs({ options: { dtype: { type: 'string', default: 'fp32' }, lowering: { type: 'string', default: 'reference' }, keep: { type: 'boolean' }, batch: { type: 'string', default: '1' } } });
const dtype = values.dtype === 'fp16' ? 'fp16' : 'fp32';
const batch = Number(values.batch);
const lowering = values.lowering === 'fused' ? 'fused' : 'reference';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-scale-'));
const rssMb = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);
let peak = rssMb();
const timer = setInterval(() => (peak = Math.max(peak, rssMb())), 50);

try {
  const t0 = performance.now();
  const specs = paramSpecs('unet', SD15_UNET_CONFIG);
  const params = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  const built = buildUnet(SD15_UNET_CONFIG, randomWeightSource(specs, 0), { dtype, attentionLowering: lowering });
  const tGraph = performance.now();
  const written = writeModel(built.graph, path.join(dir, 'model.onnx'), { mode: 'external' });
  const tWrite = performance.now();
  const peakBuild = Math.max(peak, rssMb());
  const session = await ModelSession.create(written.modelPath, { label: 'sd15-unet' });
  const tLoad = performance.now();
  const rng = new Random(1);
  const r = await session.run({
    sample: { data: rng.normals(batch * 4 * 64 * 64), dims: [batch, 4, 64, 64] },
    timestep: { data: new Float32Array(batch).fill(500), dims: [batch] },
    encoder_hidden_states: { data: rng.normals(batch * 77 * 768), dims: [batch, 77, 768] },
  });
  const tRun = performance.now();
  const out = r.out?.data as Float32Array;
  let finite = true;
  let sumSq = 0;
  for (const v of out) {
    if (!Number.isFinite(v)) finite = false;
    sumSq += v * v;
  }
  clearInterval(timer);
  peak = Math.max(peak, rssMb());
  console.log(
    JSON.stringify({
      what: 'sd15-unet-scale-check',
      dtype,
      lowering,
      batch,
      parameters: params,
      nodes: built.graph.nodes.length,
      attentionLayers: built.attentionLayers.length,
      graphBuildSeconds: +((tGraph - t0) / 1000).toFixed(2),
      writeSeconds: +((tWrite - tGraph) / 1000).toFixed(2),
      modelFileBytes: written.modelBytes,
      externalDataBytes: written.dataBytes,
      sessionLoadSeconds: +((tLoad - tWrite) / 1000).toFixed(2),
      forwardSeconds: +((tRun - tLoad) / 1000).toFixed(2),
      outputDims: r.out?.dims,
      outputFinite: finite,
      outputRms: Math.sqrt(sumSq / out.length),
      peakRssMbDuringBuild: peakBuild,
      peakRssMb: peak,
      maxRssMbOs: Math.round(process.resourceUsage().maxRSS / 1024),
      cpus: os.cpus().length,
      node: process.version,
    }),
  );
  await session.release();
  if (!finite) process.exitCode = 1;
} finally {
  clearInterval(timer);
  if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
  else console.error(`kept ${dir}`);
}
