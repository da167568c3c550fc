/**
 * Compiled-graph cache on disk: `<dir>/<key>/model.onnx` (+ `model.onnx.data`, `meta.json`),
 * keyed by a hash of the weights' identity, the config, the build options and the builder
 * version. Entries are built in a temporary folder and renamed into place, so a crash never
 * leaves a half-written entry, and concurrent builders of the same key do not collide.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BuiltGraph } from '../models/build-options.js';
import { writeModel } from '../onnx/serialize.js';

/** Bumped whenever a builder's output changes for the same inputs. */
export const BUILDER_VERSION = '1';

/** Default cache folder: $REPRISE_CACHE_DIR, else ~/.cache/reprise/graphs. */
export function defaultCacheDir(): string {
  return process.env.REPRISE_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'reprise', 'graphs');
}

/** Canonical JSON (sorted keys) so equal configs hash equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The cache key of one graph. */
export function graphCacheKey(parts: { component: string; config: unknown; weightsId: string; options: unknown }): string {
  const h = createHash('sha256');
  h.update(canonicalJson({ v: BUILDER_VERSION, ...parts }));
  return h.digest('hex').slice(0, 32);
}

/** What the cache holds about an entry besides the model. */
export interface CachedGraphMeta {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly attentionLayers: readonly string[];
  readonly modelBytes: number;
  readonly dataBytes: number;
}

/** A cache lookup result. */
export interface CachedGraph {
  readonly modelPath: string;
  readonly meta: CachedGraphMeta;
  readonly hit: boolean;
}

/** Returns the cached graph for `key`, building and storing it with `build` on a miss. */
export function getOrBuildGraph(dir: string, key: string, build: () => BuiltGraph): CachedGraph {
  const entry = path.join(dir, key);
  const modelPath = path.join(entry, 'model.onnx');
  const metaPath = path.join(entry, 'meta.json');
  if (fs.existsSync(metaPath) && fs.existsSync(modelPath)) {
    try {
      return { modelPath, meta: JSON.parse(fs.readFileSync(metaPath, 'utf8')) as CachedGraphMeta, hit: true };
    } catch {
      fs.rmSync(entry, { recursive: true, force: true });
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(dir, `.${key}.tmp-`));
  try {
    const built = build();
    const written = writeModel(built.graph, path.join(tmp, 'model.onnx'), { mode: 'external' });
    const meta: CachedGraphMeta = {
      inputNames: built.inputNames,
      outputNames: built.outputNames,
      attentionLayers: built.attentionLayers,
      modelBytes: written.modelBytes,
      dataBytes: written.dataBytes,
    };
    fs.writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify(meta, null, 1));
    try {
      fs.renameSync(tmp, entry);
    } catch (e) {
      // Another process stored the same key first: use theirs.
      if (!fs.existsSync(metaPath)) throw e;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    return { modelPath, meta, hit: false };
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
