/**
 * The conformance runner: takes any folder laid out like the shared reference fixtures,
 * finds its components (config.json `_class_name` / `architectures`, tokenizer folders by
 * vocab.json or tokenizer.json, scheduler files named `schedulers*.json`), runs each and
 * reports its max relative error against the reference outputs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelDType } from '../models/build-options.js';
import { detectComponent, type ComponentFolder } from '../models/folder.js';
import type { Device } from '../runtime/device.js';
import type { LoadOptions } from '../runtime/load.js';
import { checkModelComponent } from './models.js';
import type { ConformanceResult } from './result.js';
import { checkSchedulerFile } from './schedulers.js';
import { checkTokenizer } from './tokenizer.js';

/** Tolerances of the conformance runner. */
export const TOLERANCE = {
  /** fp32: UNet output, attention probabilities, VAE, text encoder. */
  fp32: 1e-4,
  /** fp16 graphs against fp32 references. */
  fp16: 1e-2,
  /** Scheduler trajectory sums (relative). */
  scheduler: 1e-5,
} as const;

/** Runner options. */
export interface ConformanceOptions {
  readonly device?: Device;
  /** CUDA GPU index (`--device cuda:N`). */
  readonly deviceId?: number;
  readonly dtype?: ModelDType;
  /** Compiled-graph cache folder, or false to build in memory. */
  readonly cache?: { readonly dir: string } | false;
  /** Called as each result is ready. */
  readonly onResult?: (r: ConformanceResult) => void;
}

/** What a folder holds for the runner. */
export interface DiscoveredItems {
  readonly components: ComponentFolder[];
  readonly schedulerFiles: string[];
}

/** Finds components (the folder itself or sub-folders, two levels deep) and scheduler files. */
export function discover(root: string): DiscoveredItems {
  const components: ComponentFolder[] = [];
  const schedulerFiles: string[] = [];
  const visit = (dir: string, depth: number): void => {
    const c = detectComponent(dir);
    if (c) {
      components.push(c);
      return;
    }
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.isFile() && /^schedulers.*\.json$/.test(e.name)) schedulerFiles.push(path.join(dir, e.name));
    }
    if (depth >= 2) return;
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) visit(path.join(dir, e.name), depth + 1);
  };
  visit(root, 0);
  return { components, schedulerFiles };
}

/** Runs every component and scheduler file found under `root`. */
export async function runConformance(root: string, options: ConformanceOptions = {}): Promise<ConformanceResult[]> {
  const { components, schedulerFiles } = discover(root);
  const dtype = options.dtype ?? 'fp32';
  const tolerance = TOLERANCE[dtype];
  const load: LoadOptions = {
    dtype,
    ...(options.device ? { device: options.device } : {}),
    ...(options.deviceId !== undefined ? { deviceId: options.deviceId } : {}),
    ...(options.cache !== undefined ? { cache: options.cache } : {}),
  };
  const results: ConformanceResult[] = [];
  const emit = (r: ConformanceResult): void => {
    results.push(r);
    options.onResult?.(r);
  };
  for (const c of components) {
    try {
      emit(c.kind === 'tokenizer' ? checkTokenizer(c) : await checkModelComponent(c, load, tolerance));
    } catch (e) {
      emit({ component: path.basename(c.dir), kind: c.kind, className: c.className, ok: false, maxRelError: Number.POSITIVE_INFINITY, tolerance, outputs: {}, error: (e as Error).message });
    }
  }
  for (const f of schedulerFiles) {
    try {
      for (const r of checkSchedulerFile(f, TOLERANCE.scheduler)) emit(r);
    } catch (e) {
      emit({ component: path.basename(f), kind: 'scheduler', className: '', ok: false, maxRelError: Number.POSITIVE_INFINITY, tolerance: TOLERANCE.scheduler, outputs: {}, error: (e as Error).message });
    }
  }
  return results;
}
