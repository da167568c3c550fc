/**
 * Model-level benchmarks: UNet (batch 1, 2, 4), controlled UNet (batch 4 and 6), VAE encode and
 * decode, text encoder — on SD 1.5-size graphs with random weights (or tiny ones for a smoke run).
 */
import { ControlledUnetModel } from '../attention/controlled-unet.js';
import { paramSpecs, randomWeightSource } from '../models/random-weights.js';
import type { Device } from '../runtime/device.js';
import { TextEncoderModel, UnetModel, VaeModel, type LoadOptions } from '../runtime/load.js';
import { Random } from '../util/random.js';
import { gpuMemoryMiB, time, type Timing } from './measure.js';
import { SD15_TEXT_ENCODER, SD15_UNET, SD15_VAE } from './sd15.js';

/** Benchmark settings. */
export interface ModelBenchOptions {
  readonly device: Device;
  /** CUDA GPU index (`--device cuda:N`). */
  readonly deviceId?: number;
  readonly dtype: 'fp32' | 'fp16';
  readonly lowering: 'reference' | 'fused';
  readonly size: 'sd15' | 'tiny';
  readonly runs: number;
  readonly warmup: number;
  readonly cacheDir?: string;
  readonly only?: ReadonlySet<string>;
  /** onnxruntime deterministic compute (to measure its cost). */
  readonly deterministic?: boolean;
}

/** One measured line. */
export interface BenchLine {
  readonly name: string;
  readonly timing: Timing;
  readonly gpuMemoryMiB?: number;
}

const TINY_UNET = { ...SD15_UNET, block_out_channels: [32, 64, 64, 64], attention_head_dim: 4, cross_attention_dim: 64, norm_num_groups: 8, layers_per_block: 1 };
const TINY_VAE = { ...SD15_VAE, block_out_channels: [16, 32, 32, 32], norm_num_groups: 8, layers_per_block: 1 };
const TINY_TEXT = { ...SD15_TEXT_ENCODER, hidden_size: 64, intermediate_size: 128, num_attention_heads: 4, num_hidden_layers: 2 };

/** Runs the model benchmarks; `report` receives each line as it is measured. */
export async function benchModels(o: ModelBenchOptions, report: (l: BenchLine) => void): Promise<BenchLine[]> {
  const unetCfg = o.size === 'sd15' ? SD15_UNET : TINY_UNET;
  const vaeCfg = o.size === 'sd15' ? SD15_VAE : TINY_VAE;
  const textCfg = o.size === 'sd15' ? SD15_TEXT_ENCODER : TINY_TEXT;
  const latent = o.size === 'sd15' ? 64 : 16;
  const D = unetCfg.cross_attention_dim;
  const load: LoadOptions = { device: o.device, ...(o.deviceId !== undefined ? { deviceId: o.deviceId } : {}), dtype: o.dtype, attentionLowering: o.lowering, ...(o.deterministic ? { deterministic: true } : {}), ...(o.cacheDir ? { cache: { dir: o.cacheDir } } : {}) };
  const want = (k: string) => !o.only || o.only.has(k);
  const rng = new Random(0);
  const lines: BenchLine[] = [];
  const push = (name: string, timing: Timing): void => {
    const mem = o.device === 'cuda' ? gpuMemoryMiB() : undefined;
    const l = { name, timing, ...(mem !== undefined ? { gpuMemoryMiB: mem } : {}) };
    lines.push(l);
    report(l);
  };
  const unetWeights = randomWeightSource(paramSpecs('unet', unetCfg), 0);
  const unetInputs = (b: number) => ({
    sample: { data: rng.normals(b * 4 * latent * latent), dims: [b, 4, latent, latent] },
    timestep: new Float32Array(b).fill(500),
    encoderHiddenStates: { data: rng.normals(b * 77 * D), dims: [b, 77, D] },
  });
  if (want('unet')) {
    const unet = await UnetModel.fromWeights(unetCfg, unetWeights, load);
    for (const b of [1, 2, 4]) {
      const x = unetInputs(b);
      push(`unet_batch${b}`, await time(() => unet.run(x), o.runs, o.warmup));
    }
    await unet.graph.session.release();
  }
  if (want('controlled')) {
    for (const edits of [1, 2]) {
      const cu = await ControlledUnetModel.fromWeights(unetCfg, unetWeights, { ...load, edits });
      const controls = cu.neutralControls();
      controls.crossSrc.fill(1);
      controls.crossSelf.fill(0);
      controls.selfReplace.fill(1);
      const x = unetInputs(cu.batch);
      push(`controlled_unet_batch${cu.batch}`, await time(() => cu.run({ ...x, controls }), o.runs, o.warmup));
      await cu.graph.session.release();
    }
  }
  if (want('vae')) {
    const vae = await VaeModel.fromWeights(vaeCfg, randomWeightSource(paramSpecs('vae', vaeCfg), 0), load);
    const px = latent * 8;
    const img = { data: rng.uniforms(3 * px * px, -1, 1), dims: [1, 3, px, px] };
    push(`vae_encode_${px}`, await time(() => vae.encode(img), o.runs, o.warmup));
    const z = { data: rng.normals(4 * latent * latent), dims: [1, 4, latent, latent] };
    push(`vae_decode_${px}`, await time(() => vae.decode(z), o.runs, o.warmup));
  }
  if (want('text')) {
    const te = await TextEncoderModel.fromWeights(textCfg, randomWeightSource(paramSpecs('text_encoder', textCfg), 0), load);
    const ids = BigInt64Array.from({ length: 2 * 77 }, (_, i) => BigInt(i % 77 === 0 ? 0 : (i * 37) % 1000));
    push('text_encoder_batch2', await time(() => te.encode(ids, 2), o.runs, o.warmup));
  }
  return lines;
}
