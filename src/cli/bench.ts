/** `reprise bench`: model-level timings (and GPU memory) as JSON, with ratios to the docs/design.md §8 anchors. */
import * as os from 'node:os';
import { benchEndToEnd } from '../bench/e2e.js';
import { benchModels, type BenchLine } from '../bench/models.js';
import { ANCHORS_H100_MS } from '../bench/sd15.js';
import { formatDevice, resolveDeviceSpec } from '../runtime/device.js';
import { benchBatchCommand } from './bench-batch.js';
import { runCommand } from './command.js';
import { EXIT } from './errors.js';
import { BENCH_DEFAULTS, BENCH_TABLE } from './options/bench.js';
import { helpText } from './options/help.js';
import { parseCommand } from './options/parse.js';

/** The help text of `reprise bench` (from its table). */
export const BENCH_HELP = helpText(BENCH_TABLE);

const ANCHOR_FOR: Record<string, number> = {
  unet_batch1: ANCHORS_H100_MS.unetBatch1Fused,
  unet_batch2: ANCHORS_H100_MS.unetBatch2Fused,
  unet_batch4: ANCHORS_H100_MS.unetBatch4Fused,
  controlled_unet_batch4: ANCHORS_H100_MS.targetControlledBatch4,
  vae_decode_512: ANCHORS_H100_MS.vaeDecode512,
  vae_encode_512: ANCHORS_H100_MS.vaeEncode512,
  text_encoder_batch2: ANCHORS_H100_MS.textEncoderBatch2,
};

/** Runs `bench` (and `bench batch`); returns the exit code. */
export function benchCommand(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'batch') return benchBatchCommand(argv.slice(1));
  return runCommand('bench', argv, () => bench(argv));
}

async function bench(argv: readonly string[]): Promise<number> {
  const parsed = parseCommand(BENCH_TABLE, argv);
  const { values } = parsed;
  if (parsed.help) {
    process.stdout.write(`${BENCH_HELP}\n`);
    return EXIT.ok;
  }
  const spec = resolveDeviceSpec(values.device ?? 'cpu');
  const { device } = spec;
  const id = spec.deviceId !== undefined ? { deviceId: spec.deviceId } : {};
  const size = (values.size ?? 'sd15') as 'sd15' | 'tiny';
  const dtype = (values.dtype ?? (device === 'cuda' ? 'fp16' : 'fp32')) as 'fp16' | 'fp32';
  const lowering = (values.lowering ?? (device === 'cuda' ? 'fused' : 'reference')) as 'fused' | 'reference';
  const runs = values.runs ?? BENCH_DEFAULTS.runs;
  const warmup = values.warmup ?? BENCH_DEFAULTS.warmup;
  const steps = values.steps ?? BENCH_DEFAULTS.steps;
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
    const e = await benchEndToEnd({ device, ...id, dtype, lowering, size, steps, deterministic });
    const anchor = ANCHORS_H100_MS.targetEditEndToEnd;
    const line = { name: 'edit_end_to_end', ...e, anchorMs: anchor, ratioToAnchor: comparable ? +(e.totalMs / anchor).toFixed(3) : null };
    process.stdout.write(values.json ? `${JSON.stringify(line)}\n` : `${'edit_end_to_end'.padEnd(26)} ${String(e.totalMs).padStart(10)} ms  (${e.steps}+${e.steps} steps at ${e.imageSize}², ${e.imagesPerMinute} images/min, reconstruction exact: ${e.reconstructionExact})\n`);
  }
  return EXIT.ok;
}
