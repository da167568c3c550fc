/** `reprise bench`: model-level timings (and GPU memory) as JSON, with ratios to the docs/design.md §8 anchors. */
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { benchEndToEnd } from '../bench/e2e.js';
import { benchModels, type BenchLine } from '../bench/models.js';
import { ANCHORS_H100_MS } from '../bench/sd15.js';
import { formatDevice, resolveDeviceSpec } from '../runtime/device.js';
import { benchBatchCommand } from './bench-batch.js';

export const BENCH_HELP = `Usage: reprise bench [--device cpu|cuda|cuda:N] [--size sd15|tiny] [--dtype fp16|fp32]
                    [--lowering fused|reference] [--runs N] [--warmup N] [--only unet,controlled,vae,text,edit] [--steps N] [--deterministic] [--json]

Times SD 1.5-architecture graphs with random weights (speed does not depend on weight values):
UNet at batch 1, 2, 4; the attention-controlled UNet at batch 4 and 6; VAE encode/decode at 512²;
the text encoder at batch 2; an end-to-end EF-DDPM inversion + prompt-to-prompt edit
(--steps each, default 50) at 512² with images/minute. Prints one JSON object per line with --json (median of N runs, wall
clock around each onnxruntime run, host↔device copies included), and ratios to the H100 anchors
of docs/design.md §8 (ratio < 1 = faster than the anchor). Defaults: cuda → fp16 fused; cpu → fp32.
--deterministic sets onnxruntime's deterministic compute (to measure what it costs).

\`reprise bench batch --queue URL ...\` times batch items: local runner vs queue workers (see its --help).

Examples:
  reprise bench --device cuda --json
  reprise bench --device cpu --size tiny --runs 3`;

const ANCHOR_FOR: Record<string, number> = {
  unet_batch1: ANCHORS_H100_MS.unetBatch1Fused,
  unet_batch2: ANCHORS_H100_MS.unetBatch2Fused,
  unet_batch4: ANCHORS_H100_MS.unetBatch4Fused,
  controlled_unet_batch4: ANCHORS_H100_MS.targetControlledBatch4,
  vae_decode_512: ANCHORS_H100_MS.vaeDecode512,
  vae_encode_512: ANCHORS_H100_MS.vaeEncode512,
  text_encoder_batch2: ANCHORS_H100_MS.textEncoderBatch2,
};

/** Runs `bench`; returns the exit code. */
export async function benchCommand(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'batch') return benchBatchCommand(argv.slice(1));
  const { values } = parseArgs({
    args: [...argv],
    options: {
      device: { type: 'string', default: 'cpu' },
      size: { type: 'string', default: 'sd15' },
      dtype: { type: 'string' },
      lowering: { type: 'string' },
      runs: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      only: { type: 'string' },
      steps: { type: 'string', default: '50' },
      json: { type: 'boolean' },
      deterministic: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${BENCH_HELP}\n`);
    return 0;
  }
  const spec = resolveDeviceSpec(values.device);
  const { device } = spec;
  const id = spec.deviceId !== undefined ? { deviceId: spec.deviceId } : {};
  const size = values.size === 'tiny' ? 'tiny' : values.size === 'sd15' ? 'sd15' : undefined;
  const dtype = values.dtype ?? (device === 'cuda' ? 'fp16' : 'fp32');
  const lowering = values.lowering ?? (device === 'cuda' ? 'fused' : 'reference');
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  if (!size || (dtype !== 'fp16' && dtype !== 'fp32') || (lowering !== 'fused' && lowering !== 'reference') || !(runs >= 1) || !(warmup >= 0)) {
    process.stderr.write(`Invalid options.\n\n${BENCH_HELP}\n`);
    return 2;
  }
  const comparable = device === 'cuda' && size === 'sd15' && dtype === 'fp16';
  const deterministic = values.deterministic === true;
  const meta = { date: new Date().toISOString(), device, ...id, size, dtype, lowering, deterministic, runs, node: process.version, cpus: os.cpus().length, comparableToAnchors: comparable };
  const print = (l: BenchLine): void => {
    const anchor = ANCHOR_FOR[l.name];
    const line = { ...l, ...(anchor !== undefined ? { anchorMs: anchor, ratioToAnchor: comparable ? +(l.timing.medianMs / anchor).toFixed(3) : null } : {}) };
    process.stdout.write(values.json ? `${JSON.stringify(line)}\n` : `${l.name.padEnd(26)} ${String(l.timing.medianMs).padStart(10)} ms${anchor !== undefined && comparable ? `  (${(l.timing.medianMs / anchor).toFixed(2)}× anchor ${anchor} ms)` : ''}\n`);
  };
  if (values.json) process.stdout.write(`${JSON.stringify({ bench: 'reprise', ...meta })}\n`);
  else process.stdout.write(`reprise bench on ${formatDevice(spec)} (${size}, ${dtype}, ${lowering})\n`);
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  await benchModels({ device, ...id, dtype, lowering, size, runs, warmup, deterministic, ...(only ? { only } : {}) }, print);
  if (!only || only.has('edit')) {
    const e = await benchEndToEnd({ device, ...id, dtype, lowering, size, steps: Number(values.steps), deterministic });
    const anchor = ANCHORS_H100_MS.targetEditEndToEnd;
    const line = { name: 'edit_end_to_end', ...e, anchorMs: anchor, ratioToAnchor: comparable ? +(e.totalMs / anchor).toFixed(3) : null };
    process.stdout.write(values.json ? `${JSON.stringify(line)}\n` : `${'edit_end_to_end'.padEnd(26)} ${String(e.totalMs).padStart(10)} ms  (${e.steps}+${e.steps} steps at ${e.imageSize}², ${e.imagesPerMinute} images/min, reconstruction exact: ${e.reconstructionExact})\n`);
  }
  return 0;
}
