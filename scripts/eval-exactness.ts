/**
 * Exactness evaluation of every inversion method: invert a fixed seeded latent z0, reconstruct it
 * with the record's own conditioning, and report ‖ẑ0 − z0‖/‖z0‖ per method (DDCM: the source
 * branch), the seconds taken, and — when the model folder has a VAE — the largest pixel difference
 * of decode(ẑ0) against decode(z0) in [0, 255] units.
 *
 *   npm run eval:exactness -- --model <diffusers folder | UNet component folder>
 *       [--steps 20] [--seed 0] [--guidance 1] [--size H] [--cache DIR] [--json]
 *       [--device cpu|cuda] [--dtype fp32|fp16] [--deterministic]
 *
 * A diffusers folder contributes `unet/`, `scheduler/scheduler_config.json`, and optionally `vae/`
 * and `text_encoder/` + `tokenizer/` (real prompt embeddings instead of seeded random ones). A bare
 * UNet folder (e.g. ../shared/fixtures/reference/unet-sd15-tiny) is run with the SD 1.x DDIM
 * scheduler config. The latent is `--size` square (default: the UNet's sample_size capped at 32
 * for CPU). Every registered method runs (with its default options, plus a few variants).
 * Targets (fp32, CPU): EF-DDPM ≤ 1e-6, DDCM source ≤ 1e-6, BDIA and O-BELM ≤ 1e-4, EDICT ≤ 1e-3
 * (any other exact method 1e-4); DDIM and negative-prompt inversion are inexact baselines without
 * a target. `--json` prints one
 * JSON object per method, after one `unet-repeatability` object: the UNet run three times on the
 * same input, whether its outputs are bit-identical (exact inversion needs a UNet that repeats
 * itself; GPU kernels may not) and their largest difference. `--device`/`--dtype` choose where
 * and in what precision the graphs run; `--deterministic` sets onnxruntime's deterministic compute.
 * Exit status 0 unless something crashed.
 */
import { guidanceScaleEmbedding } from '../src/solvers/guidance-embedding.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { RepriseError } from '../src/errors.js';
import { invert, reconstructLatent } from '../src/inversion/reconstruct.js';
import { unetBranchPredictor } from '../src/inversion/predictor.js';
import { samplingPlanFromConfig } from '../src/inversion/plan.js';
import { inversionMethods } from '../src/inversion/registry.js';
import type { InversionOptions } from '../src/inversion/options.js';
import type { BranchConditioning } from '../src/inversion/types.js';
import { detectComponent, openComponentWeights } from '../src/models/folder.js';
import { TextEncoderModel, UnetModel, VaeModel, type LoadOptions } from '../src/runtime/load.js';
import { parseJsonWithNonFinite } from '../src/solvers/index.js';
import { ClipTokenizer } from '../src/tokenizer/index.js';
import { Random } from '../src/util/random.js';
import { SD1_SCHEDULER_CONFIG } from '../src/models/random-model.js';
import type { ModelDType } from '../src/models/build-options.js';
import { resolveDevice, type Device } from '../src/runtime/device.js';

/** The SD 1.x scheduler (docs/design.md §3, fixture README), read as DDIM. */
export const SD1_DDIM_SCHEDULER = SD1_SCHEDULER_CONFIG;

const PROMPT = 'a photograph of a cat sitting on a wooden bench';
/** Weights up to this size are built in memory; larger ones go through the compiled-graph cache. */
const IN_MEMORY_LIMIT = 512 * 2 ** 20;

interface ModelParts {
  readonly unetDir: string;
  readonly schedulerConfig: unknown;
  readonly schedulerSource: string;
  readonly vaeDir?: string;
  readonly textDirs?: { readonly encoder: string; readonly tokenizer: string };
}

function locate(model: string): ModelParts {
  if (fs.existsSync(path.join(model, 'unet', 'config.json'))) {
    const schedFile = path.join(model, 'scheduler', 'scheduler_config.json');
    const hasSched = fs.existsSync(schedFile);
    const vae = path.join(model, 'vae');
    const enc = path.join(model, 'text_encoder');
    const tok = path.join(model, 'tokenizer');
    return {
      unetDir: path.join(model, 'unet'),
      schedulerConfig: hasSched ? parseJsonWithNonFinite(fs.readFileSync(schedFile, 'utf8')) : SD1_DDIM_SCHEDULER,
      schedulerSource: hasSched ? schedFile : 'SD 1.x DDIM default',
      ...(detectComponent(vae)?.kind === 'vae' ? { vaeDir: vae } : {}),
      ...(detectComponent(enc)?.kind === 'text_encoder' && fs.existsSync(tok) ? { textDirs: { encoder: enc, tokenizer: tok } } : {}),
    };
  }
  if (detectComponent(model)?.kind === 'unet') return { unetDir: model, schedulerConfig: SD1_DDIM_SCHEDULER, schedulerSource: 'SD 1.x DDIM default' };
  throw new RepriseError('MODEL_FOLDER', `${model} is neither a diffusers model folder (with unet/) nor a UNet component folder`, {
    hint: 'Pass a diffusers folder or a folder with config.json (UNet2DConditionModel) and safetensors weights.',
  });
}

function loadOptions(dir: string, cache: string | undefined, runtime: RuntimeChoice): LoadOptions {
  const base: LoadOptions = { device: runtime.device, dtype: runtime.dtype, ...(runtime.deterministic ? { deterministic: true } : {}) };
  if (cache !== undefined) return { ...base, cache: { dir: cache } };
  const bytes = fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors') && !f.startsWith('reference')).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
  return bytes <= IN_MEMORY_LIMIT ? { ...base, cache: false } : base;
}

/** Where and how the graphs run. */
interface RuntimeChoice {
  readonly device: Device;
  readonly dtype: ModelDType;
  readonly deterministic: boolean;
}

function norm(a: Float32Array): number {
  let s = 0;
  for (const v of a) s += v * v;
  return Math.sqrt(s);
}

function relError(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s) / norm(b);
}

interface Case {
  readonly label: string;
  readonly options: InversionOptions;
  readonly target: number | null;
}

/** Row labels of the default cases that name their defaults (the rest are the method names). */
const LABELS: Readonly<Record<string, string>> = { bdia: 'bdia γ=1', belm: 'belm maxRatio=1', edict: 'edict p=0.93', ddcm: 'ddcm (source)' };

/** Targets (fp32, CPU) by method; an exact method not listed is held to BDIA's and O-BELM's 1e-4. */
const TARGETS: Readonly<Record<string, number>> = { 'ef-ddpm': 1e-6, ddcm: 1e-6, edict: 1e-3 };

/**
 * Every registered method with its default options (the eval's `seed` for methods with a seed),
 * in registry order, each followed by its extra variants: EF-DDPM with skip, BDIA with γ = 0.96,
 * O-BELM as the paper (no cap). Inexact methods have no target.
 */
function exactnessCases(steps: number, seed: number): Case[] {
  const skip = Math.floor(steps / 4);
  const variants: Readonly<Record<string, readonly Omit<Case, 'target'>[]>> = {
    'ef-ddpm': skip > 0 ? [{ label: `ef-ddpm skip ${skip}`, options: { method: 'ef-ddpm', seed, skip } }] : [],
    bdia: [{ label: 'bdia γ=0.96', options: { method: 'bdia', gamma: 0.96 } }],
    belm: [{ label: 'belm maxRatio=100', options: { method: 'belm', maxRatio: 100 } }],
  };
  return inversionMethods().flatMap((spec) => {
    const target = spec.exact ? (TARGETS[spec.name] ?? 1e-4) : null;
    const defaults = { method: spec.name, ...('seed' in spec.options.shape ? { seed } : {}) } as InversionOptions;
    const own: Case = { label: LABELS[spec.name] ?? spec.name, options: defaults, target };
    return [own, ...(variants[spec.name] ?? []).map((v) => ({ ...v, target }))];
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      steps: { type: 'string', default: '20' },
      seed: { type: 'string', default: '0' },
      guidance: { type: 'string', default: '1' },
      size: { type: 'string' },
      cache: { type: 'string' },
      json: { type: 'boolean', default: false },
      device: { type: 'string', default: 'cpu' },
      dtype: { type: 'string', default: 'fp32' },
      deterministic: { type: 'boolean', default: false },
    },
  });
  if (values.model === undefined) {
    throw new RepriseError('RUNTIME_INPUT', 'missing --model', { hint: 'npm run eval:exactness -- --model <diffusers folder | UNet folder> [--steps N] [--seed S] [--json]' });
  }
  const steps = Number(values.steps);
  const seed = Number(values.seed);
  const guidance = Number(values.guidance);
  if (!Number.isInteger(steps) || steps < 1) throw new RepriseError('RUNTIME_INPUT', `--steps must be a positive integer, got ${values.steps}`);
  if (!Number.isInteger(seed) || seed < 0) throw new RepriseError('RUNTIME_INPUT', `--seed must be a non-negative integer, got ${values.seed}`);
  if (!Number.isFinite(guidance)) throw new RepriseError('RUNTIME_INPUT', `--guidance must be a number, got ${values.guidance}`);

  if (values.dtype !== 'fp32' && values.dtype !== 'fp16') throw new RepriseError('RUNTIME_INPUT', `--dtype must be fp32 or fp16, got ${values.dtype}`);
  const runtime: RuntimeChoice = { device: resolveDevice(values.device), dtype: values.dtype, deterministic: values.deterministic };

  const parts = locate(values.model);
  const weights = openComponentWeights(parts.unetDir);
  const unetConfig = detectComponent(parts.unetDir)?.config as { sample_size?: number; in_channels?: number };
  const unet = await UnetModel.fromWeights(unetConfig, weights, loadOptions(parts.unetDir, values.cache, runtime));
  const size = values.size !== undefined ? Number(values.size) : Math.min(unetConfig.sample_size ?? 64, 32);
  if (!Number.isInteger(size) || size < 1) throw new RepriseError('RUNTIME_INPUT', `--size must be a positive integer, got ${values.size}`);
  const channels = unetConfig.in_channels ?? 4;
  const plan = samplingPlanFromConfig(parts.schedulerConfig, steps, [channels, size, size]);
  const z0 = Random.forName(seed, 'eval:z0').normals(channels * size * size);

  let cond: Float32Array;
  let uncond: Float32Array;
  let embeddings: string;
  if (parts.textDirs !== undefined) {
    const tokenizer = ClipTokenizer.fromFolder(parts.textDirs.tokenizer);
    const encoder = await TextEncoderModel.load(parts.textDirs.encoder, loadOptions(parts.textDirs.encoder, values.cache, runtime));
    const h = (await encoder.encode(tokenizer.encodeBatch([PROMPT, '']), 2)).lastHiddenState.data as Float32Array;
    cond = h.slice(0, h.length / 2);
    uncond = h.slice(h.length / 2);
    embeddings = `text encoder ("${PROMPT}" / "")`;
  } else {
    cond = Random.forName(seed, 'eval:cond').normals(77 * unet.contextDim);
    uncond = Random.forName(seed, 'eval:uncond').normals(77 * unet.contextDim);
    embeddings = `seeded random [77, ${unet.contextDim}]`;
  }
  const lcm = unet.timestepCondDim !== undefined;
  const w = lcm ? 1 : guidance;
  const predictorOptions = lcm ? { timestepCond: guidanceScaleEmbedding(guidance, unet.timestepCondDim as number) } : {};

  let decode: ((z: Float32Array) => Promise<Float32Array>) | undefined;
  if (parts.vaeDir !== undefined) {
    const vae = await VaeModel.load(parts.vaeDir, loadOptions(parts.vaeDir, values.cache, runtime));
    const vc = detectComponent(parts.vaeDir)?.config as { scaling_factor?: number; shift_factor?: number | null };
    const sf = vc.scaling_factor ?? 0.18215;
    const shift = vc.shift_factor ?? 0;
    decode = async (z) => {
      const img = (await vae.decode({ data: z.map((v) => v / sf + shift), dims: [1, channels, size, size] })).data as Float32Array;
      return img.map((v) => Math.min(1, Math.max(0, (v + 1) / 2)) * 255);
    };
  }
  const reference = decode ? await decode(z0) : undefined;

  const cases = exactnessCases(steps, seed);
  if (!values.json) {
    console.log(`model ${values.model} (UNet id ${weights.id.slice(0, 16)}…), scheduler: ${parts.schedulerSource}`);
    console.log(`${steps} steps, latent [${channels}, ${size}, ${size}], embeddings: ${embeddings}, guidance ${guidance}${lcm ? ' (LCM embedding)' : ''}, seed ${seed}, ${runtime.dtype} ${runtime.device}${runtime.deterministic ? ' (deterministic compute)' : ''}`);
    console.log('method            rel. error   target   pass   invert s  recon. s  pixel max err');
  }
  const repeat = await unetRepeatability(unet, z0, [channels, size, size], cond, predictorOptions.timestepCond);
  if (values.json) console.log(JSON.stringify({ check: 'unet-repeatability', device: runtime.device, dtype: runtime.dtype, deterministic: runtime.deterministic, ...repeat }));
  else console.log(`UNet run 3× on one input: ${repeat.bitIdentical ? 'bit-identical' : `NOT bit-identical (max diff ${repeat.maxAbsDiff.toExponential(2)})`}`);
  let crashed = false;
  const sourceCond: BranchConditioning = { cond, uncond, guidance: w };
  for (const c of cases) {
    try {
      const negative = c.options.method === 'negative-prompt';
      // Negative-prompt inversion runs with the source prompt alone; reconstruction puts the source embedding in place of uncond.
      const inversionCond: BranchConditioning = negative ? { cond, uncond: cond, guidance: 1 } : sourceCond;
      const recordCond: BranchConditioning = negative ? { cond, uncond: cond, guidance: w } : sourceCond;
      const t0 = performance.now();
      const record = await invert(plan, unetBranchPredictor(unet, plan, [inversionCond], predictorOptions), z0, c.options, {
        modelId: weights.id,
        schedulerConfig: parts.schedulerConfig,
        prompts: { source: parts.textDirs ? PROMPT : '(random embedding)' },
        conditioning: recordCond,
      });
      const t1 = performance.now();
      const zHat = await reconstructLatent(record, (p, conds) => unetBranchPredictor(unet, p, conds, predictorOptions));
      const t2 = performance.now();
      const err = relError(zHat, z0);
      const pixel = decode && reference ? maxAbsDiff(await decode(zHat), reference) : null;
      const pass = c.target === null ? null : err <= c.target;
      const row = {
        method: c.options.method,
        label: c.label,
        device: runtime.device,
        dtype: runtime.dtype,
        deterministic: runtime.deterministic,
        options: record.options,
        steps,
        latentShape: [channels, size, size],
        guidance,
        relError: err,
        target: c.target,
        pass,
        invertSeconds: round((t1 - t0) / 1000),
        reconstructSeconds: round((t2 - t1) / 1000),
        seconds: round((t2 - t0) / 1000),
        pixelMaxError: pixel,
      };
      if (values.json) console.log(JSON.stringify(row));
      else {
        console.log(
          `${c.label.padEnd(17)} ${err.toExponential(2).padStart(10)}   ${(c.target === null ? 'none' : `≤${c.target.toExponential(0)}`).padEnd(7)}  ${pass === null ? '  — ' : pass ? 'PASS' : 'FAIL'}  ${row.invertSeconds.toFixed(2).padStart(8)}  ${row.reconstructSeconds.toFixed(2).padStart(8)}  ${pixel === null ? '(no VAE)' : pixel.toFixed(4)}`,
        );
      }
    } catch (e) {
      crashed = true;
      if (values.json) console.log(JSON.stringify({ method: c.options.method, label: c.label, error: e instanceof Error ? e.message : String(e) }));
      else console.error(`${c.label}: crashed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return crashed ? 1 : 0;
}

/** Runs the UNet three times on the same input: are the outputs bit-identical? */
async function unetRepeatability(unet: UnetModel, z: Float32Array, shape: readonly number[], cond: Float32Array, timestepCond: Float32Array | undefined): Promise<{ bitIdentical: boolean; maxAbsDiff: number }> {
  const inputs = {
    sample: { data: z, dims: [1, ...shape] },
    timestep: Float32Array.of(500),
    encoderHiddenStates: { data: cond, dims: [1, 77, unet.contextDim] },
    ...(timestepCond ? { timestepCond: { data: timestepCond, dims: [1, timestepCond.length] } } : {}),
  };
  const outs: Float32Array[] = [];
  for (let i = 0; i < 3; i++) outs.push((await unet.run(inputs)).out.data as Float32Array);
  const [first, ...rest] = outs as [Float32Array, ...Float32Array[]];
  const bitIdentical = rest.every((o) => Buffer.from(o.buffer, o.byteOffset, o.byteLength).equals(Buffer.from(first.buffer, first.byteOffset, first.byteLength)));
  return { bitIdentical, maxAbsDiff: Math.max(...rest.map((o) => maxAbsDiff(o, first))) };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  },
);
