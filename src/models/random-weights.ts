/**
 * Random weights for any supported config, generated from the parameter list the graph
 * builders request: used by tests and benchmarks (speed does not depend on weight values).
 * Values are deterministic per (seed, tensor name), via the project's seeded generator.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import { createSafetensorsWriter } from '../io/safetensors.js';
import { float32ArrayToFloat16 } from '../io/float16.js';
import type { TensorInfo, WeightSource } from '../io/weights.js';
import { Random } from '../util/random.js';
import type { BuiltGraph, BuildOptions } from './build-options.js';
import { buildClipTextEncoder } from './clip/build.js';
import type { ComponentKind } from './folder.js';
import type { ParamSpec } from './params.js';
import { buildUnet } from './unet/build.js';
import { buildVaeDecoder, buildVaeEncoder } from './vae/build.js';

const EMPTY: WeightSource = { id: 'empty', names: () => [], info: () => undefined, readFloat32: () => new Float32Array(0) };

/** Every parameter (name and torch shape) a model config needs, in build order, without duplicates. */
export function paramSpecs(kind: Exclude<ComponentKind, 'tokenizer'>, config: unknown): ParamSpec[] {
  const o: BuildOptions = { collectOnly: true };
  const builds: BuiltGraph[] =
    kind === 'unet'
      ? [buildUnet(config, EMPTY, o)]
      : kind === 'vae'
        ? [buildVaeEncoder(config, EMPTY, o), buildVaeDecoder(config, EMPTY, o)]
        : [buildClipTextEncoder(config, EMPTY, o)];
  const seen = new Set<string>();
  const out: ParamSpec[] = [];
  for (const b of builds) for (const p of b.params) if (!seen.has(p.name)) (seen.add(p.name), out.push(p));
  return out;
}

/** Deterministic random values for one tensor, scaled like torch's default initializers. */
export function randomTensor(seed: number, spec: ParamSpec): Float32Array {
  const numel = spec.shape.reduce((a, b) => a * b, 1);
  const rng = Random.forName(seed, spec.name);
  const leaf = spec.name.split('.').slice(-2).join('.');
  if (/norm/.test(leaf)) {
    return spec.name.endsWith('.weight') ? rng.uniforms(numel, 0.9, 1.1) : rng.uniforms(numel, -0.1, 0.1);
  }
  if (spec.name.endsWith('.bias')) return rng.uniforms(numel, -0.05, 0.05);
  if (/embedding\.weight$/.test(spec.name)) return rng.normals(numel, 0.2);
  const fanIn = spec.shape.slice(1).reduce((a, b) => a * b, 1);
  const bound = 1 / Math.sqrt(fanIn);
  return rng.uniforms(numel, -bound, bound);
}

/** A WeightSource that generates each tensor on demand. */
export function randomWeightSource(specs: readonly ParamSpec[], seed: number): WeightSource {
  const byName = new Map(specs.map((s) => [s.name, s]));
  return {
    id: `random:${seed}:${specs.length}:${specs.map((s) => `${s.name}${s.shape.join('x')}`).join(',').length}`,
    names: () => [...byName.keys()],
    info: (name): TensorInfo | undefined => {
      const s = byName.get(name);
      return s ? { name, dtype: 'F32', shape: s.shape } : undefined;
    },
    readFloat32: (name) => {
      const s = byName.get(name);
      // invariant: only names from the builder's own collect pass are read
      if (!s) throw new Error(`random weights: no tensor ${name}`);
      return randomTensor(seed, s);
    },
  };
}

/**
 * Writes a diffusers component folder with random weights: `config.json` and
 * `diffusion_pytorch_model.safetensors` (`model.safetensors` for the text encoder), streamed
 * one tensor at a time.
 */
export function writeRandomComponent(dir: string, kind: Exclude<ComponentKind, 'tokenizer'>, config: unknown, options: { seed: number; dtype?: 'F32' | 'F16' }): void {
  fs.mkdirSync(dir, { recursive: true });
  const specs = paramSpecs(kind, config);
  const dtype = options.dtype ?? 'F32';
  const file = path.join(dir, kind === 'text_encoder' ? 'model.safetensors' : 'diffusion_pytorch_model.safetensors');
  const writer = createSafetensorsWriter(file, specs.map((s) => ({ name: s.name, dtype, shape: [...s.shape] })), { format: 'pt' });
  try {
    for (const s of specs) {
      const data = randomTensor(options.seed, s);
      writer.write(s.name, dtype === 'F16' ? float32ArrayToFloat16(data) : data);
    }
    writer.close();
  } catch (e) {
    writer.abort();
    throw e;
  }
  writeFileAtomicSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
}
