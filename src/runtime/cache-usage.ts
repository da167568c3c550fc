/**
 * What the compiled-graph cache holds and how much disk it takes: graph folders (`<key>/`) and
 * shared weights folders (`w-<id>/`, see onnx/shared-weights.ts). Hard links are counted once;
 * files linked from a model folder (tensors referenced in place) take no disk of their own and
 * are reported apart. Pruning removes graph folders (all, or those unused for a while) and then
 * the weights folders no remaining graph uses.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseJsonWithNonFinite } from '../solvers/json.js';
import type { CachedGraphMeta } from './graph-cache.js';

/** One compiled graph. */
export interface CacheGraphUsage {
  readonly key: string;
  readonly component: string | undefined;
  /** The shared weights folder it uses, if any. */
  readonly weights: string | undefined;
  /** Bytes of its own (model.onnx, meta.json, a private model.onnx.data of older entries). */
  readonly ownBytes: number;
  readonly lastUsed: Date;
}

/** One shared weights folder. */
export interface CacheWeightsUsage {
  readonly name: string;
  /** The converted weights file (weights.data). */
  readonly convertedBytes: number;
  /** Safetensors files linked from model folders (no disk of their own). */
  readonly inPlaceBytes: number;
  /** Graphs that use it. */
  readonly graphs: number;
}

/** The whole cache. */
export interface CacheUsage {
  readonly dir: string;
  readonly graphs: readonly CacheGraphUsage[];
  readonly weights: readonly CacheWeightsUsage[];
  /** Disk the cache takes: every file once, without the files shared with model folders. */
  readonly diskBytes: number;
  /** Bytes of model-folder files referenced in place. */
  readonly inPlaceBytes: number;
}

interface FileInfo {
  readonly file: string;
  readonly size: number;
  readonly inode: string;
  readonly nlink: number;
}

function files(dir: string): FileInfo[] {
  const out: FileInfo[] = [];
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    const st = fs.lstatSync(file);
    if (st.isDirectory()) out.push(...files(file));
    else if (st.isFile()) out.push({ file, size: st.size, inode: `${st.dev}:${st.ino}`, nlink: st.nlink });
  }
  return out;
}

function readMeta(dir: string): CachedGraphMeta | undefined {
  try {
    return parseJsonWithNonFinite(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as CachedGraphMeta;
  } catch {
    return undefined;
  }
}

const isInPlace = (name: string): boolean => path.basename(name).startsWith('src-');

/** Reads the cache folder (an absent folder is an empty cache). */
export function cacheUsage(dir: string): CacheUsage {
  if (!fs.existsSync(dir)) return { dir, graphs: [], weights: [], diskBytes: 0, inPlaceBytes: 0 };
  const graphs: CacheGraphUsage[] = [];
  const stores: { name: string; files: FileInfo[] }[] = [];
  const all: FileInfo[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const sub = path.join(dir, name);
    if (!fs.statSync(sub).isDirectory()) continue;
    const fl = files(sub);
    all.push(...fl);
    if (name.startsWith('w-')) {
      stores.push({ name, files: fl });
      continue;
    }
    const meta = readMeta(sub);
    const shared = new Set(['model.onnx', 'meta.json']);
    graphs.push({
      key: name,
      component: meta?.component,
      weights: meta?.weights,
      ownBytes: fl.filter((f) => meta?.weights === undefined || shared.has(path.basename(f.file))).reduce((a, f) => a + f.size, 0),
      lastUsed: (() => {
        try {
          return fs.statSync(path.join(sub, 'meta.json')).mtime;
        } catch {
          return fs.statSync(sub).mtime;
        }
      })(),
    });
  }
  const weights = stores.map((s) => ({
    name: s.name,
    convertedBytes: s.files.filter((f) => path.basename(f.file) === 'weights.data').reduce((a, f) => a + f.size, 0),
    inPlaceBytes: s.files.filter((f) => isInPlace(f.file)).reduce((a, f) => a + f.size, 0),
    graphs: graphs.filter((g) => g.weights === s.name).length,
  }));
  const seen = new Map<string, FileInfo>();
  for (const f of all) if (!isInPlace(f.file)) seen.set(f.inode, f);
  const inPlace = new Map<string, FileInfo>();
  for (const f of all) if (isInPlace(f.file)) inPlace.set(f.inode, f);
  const sum = (m: Map<string, FileInfo>): number => [...m.values()].reduce((a, f) => a + f.size, 0);
  return { dir, graphs, weights, diskBytes: sum(seen), inPlaceBytes: sum(inPlace) };
}

/** What to prune. */
export type PruneOptions =
  | { readonly kind: 'all'; readonly dryRun?: boolean }
  | { readonly kind: 'unused-for'; readonly days: number; readonly dryRun?: boolean; readonly now?: Date };

/** What a prune removed (or, with dryRun, would remove). */
export interface PruneResult {
  readonly removedGraphs: readonly string[];
  readonly removedWeights: readonly string[];
  /** Disk freed: files whose every link was removed. */
  readonly freedBytes: number;
}

/** Removes graph folders (all, or unused for `days`), unfinished builds, then weights folders no graph uses. */
export function pruneCache(dir: string, options: PruneOptions): PruneResult {
  const usage = cacheUsage(dir);
  if (!fs.existsSync(dir)) return { removedGraphs: [], removedWeights: [], freedBytes: 0 };
  const cutoff = options.kind === 'all' ? Infinity : (options.now ?? new Date()).getTime() - options.days * 86_400_000;
  const now = options.kind === 'all' ? Date.now() : (options.now ?? new Date()).getTime();
  // Unfinished builds (`.<key>.<pid>.<hex>.tmp`, hidden) go when an hour old: a younger one may be another process at work.
  const stale = (g: CacheGraphUsage): boolean => (g.key.startsWith('.') ? g.lastUsed.getTime() < now - 3_600_000 : g.lastUsed.getTime() < cutoff);
  const graphs = usage.graphs.filter((g) => stale(g) || (options.kind === 'all' && !g.key.startsWith('.')));
  const gone = new Set(graphs.map((g) => g.key));
  const keep = usage.graphs.filter((g) => !gone.has(g.key));
  const stores = usage.weights.filter((w) => !keep.some((g) => g.weights === w.name)).map((w) => w.name);
  const removed = [...graphs.map((g) => g.key), ...stores].flatMap((n) => files(path.join(dir, n)));
  const links = new Map<string, { f: FileInfo; n: number }>();
  for (const f of removed) {
    const e = links.get(f.inode);
    links.set(f.inode, { f, n: (e?.n ?? 0) + 1 });
  }
  let freedBytes = 0;
  for (const { f, n } of links.values()) if (n >= f.nlink) freedBytes += f.size;
  if (!options.dryRun) for (const n of [...gone, ...stores]) fs.rmSync(path.join(dir, n), { recursive: true, force: true });
  return { removedGraphs: [...gone], removedWeights: stores, freedBytes };
}
