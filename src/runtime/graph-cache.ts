/**
 * Compiled-graph cache on disk: `<dir>/<key>/model.onnx` + `meta.json`, the external data in the
 * shared weights folder `<dir>/w-<id>/` of the weights and dtype (hard-linked in; see
 * onnx/shared-weights.ts; a private `model.onnx.data` where hard links fail),
 * keyed by a hash of the weights' identity, the config, the build options and the builder
 * version. Entries are built in a temporary folder and renamed into place, so a crash never
 * leaves a half-written entry, and concurrent builders of the same key do not collide.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalJson } from '../util/canonical-json.js';
import { renameIntoPlaceSync, temporaryPathFor, writeFileAtomicSync } from '../util/atomic-write.js';
import { parseJsonWithNonFinite } from '../solvers/json.js';
import type { BuiltGraph } from '../models/build-options.js';
import { writeModel } from '../onnx/serialize.js';
import { linkFailed, writeModelShared } from '../onnx/shared-weights.js';

/** Bumped whenever a builder's output changes for the same inputs. */
export const BUILDER_VERSION = '2'; // 2: keys from util/canonical-json.ts (±Infinity kept, undefined dropped)

/** Default cache folder: $REPRISE_CACHE_DIR, else ~/.cache/reprise/graphs. */
export function defaultCacheDir(): string {
  return process.env.REPRISE_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'reprise', 'graphs');
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
  /** The component (unet, unet_controlled, vae_decoder…), for `reprise cache ls`. */
  readonly component?: string;
  /** The shared weights folder (`w-<id>`) the graph's external data lives in (absent: a private model.onnx.data). */
  readonly weights?: string;
  /** Bytes of that data referenced in place in the diffusers safetensors files. */
  readonly inPlaceBytes?: number;
}

/** The shared weights folder of one weights identity and dtype: `w-<id>`. */
export function sharedWeightsName(weightsId: string, dtype: string): string {
  return `w-${createHash('sha256').update(`${weightsId}|${dtype}`).digest('hex').slice(0, 16)}`;
}

/** A cache lookup result. */
export interface CachedGraph {
  readonly modelPath: string;
  readonly meta: CachedGraphMeta;
  readonly hit: boolean;
}

/** Returns the cached graph for `key`, building and storing it with `build` on a miss. */
export function getOrBuildGraph(dir: string, key: string, build: () => BuiltGraph, shared?: { readonly weights: string; readonly component: string }): CachedGraph {
  const entry = path.join(dir, key);
  const modelPath = path.join(entry, 'model.onnx');
  const metaPath = path.join(entry, 'meta.json');
  if (fs.existsSync(metaPath) && fs.existsSync(modelPath)) {
    try {
      const meta = parseJsonWithNonFinite(fs.readFileSync(metaPath, 'utf8')) as CachedGraphMeta;
      touch(metaPath);
      return { modelPath, meta, hit: true };
    } catch {
      fs.rmSync(entry, { recursive: true, force: true });
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  const tmp = temporaryPathFor(entry);
  fs.mkdirSync(tmp);
  try {
    const built = build();
    const base = { inputNames: built.inputNames, outputNames: built.outputNames, attentionLayers: built.attentionLayers, ...(shared ? { component: shared.component } : {}) };
    let meta: CachedGraphMeta | undefined;
    if (shared) {
      try {
        const w = writeModelShared(built.graph, tmp, path.join(dir, shared.weights));
        meta = { ...base, modelBytes: w.modelBytes, dataBytes: w.appendedBytes, weights: shared.weights, inPlaceBytes: w.inPlaceBytes };
      } catch (e) {
        if (!linkFailed(e)) throw e; // no hard links here: a private data file below
      }
    }
    if (meta === undefined) {
      const written = writeModel(built.graph, path.join(tmp, 'model.onnx'), { mode: 'external' });
      meta = { ...base, modelBytes: written.modelBytes, dataBytes: written.dataBytes };
    }
    writeFileAtomicSync(path.join(tmp, 'meta.json'), JSON.stringify(meta, null, 1));
    try {
      renameIntoPlaceSync(tmp, entry);
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

/** Marks an entry as used now (`reprise cache prune --older-than` goes by it). */
function touch(file: string): void {
  try {
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    // A read-only cache still works.
  }
}
