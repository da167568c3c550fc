/**
 * Attention store (prompt-to-prompt's AttentionStore, Hertz et al. 2022): cross-attention maps
 * of the cond half, averaged over heads and the selected layers at one resolution, kept per
 * step and accumulated over steps.
 */
import type { HostTensor } from '../runtime/session.js';
import { ConfigError } from '../errors.js';

/** One branch's map: [height·width·tokens] (row-major y, x, token). */
export type TokenMaps = Float32Array;

/** Options of a store. */
export interface AttentionStoreOptions {
  /** Branches in the batch (E + 1). */
  readonly branches: number;
  /** Map side for square maps (query tokens = resolution²). Default 16. */
  readonly resolution?: number;
  /** Map size for non-square latents (overrides `resolution`). */
  readonly height?: number;
  readonly width?: number;
  /** Keys per query (text length). Default 77. */
  readonly tokens?: number;
  /** Whether the batch holds [uncond…, cond…] (2 · branches rows) or cond rows only. Default true. */
  readonly cfgBatch?: boolean;
}

/** Averages cross-attention probabilities over heads and layers, per branch, per step. */
export class AttentionStore {
  readonly height: number;
  readonly width: number;
  readonly tokens: number;
  readonly branches: number;
  private readonly cfgBatch: boolean;
  private readonly steps = new Map<number, TokenMaps[]>();
  private accumulated: TokenMaps[] | undefined;
  private stepCount = 0;

  constructor(options: AttentionStoreOptions) {
    this.branches = options.branches;
    this.height = options.height ?? options.resolution ?? 16;
    this.width = options.width ?? options.resolution ?? 16;
    this.tokens = options.tokens ?? 77;
    this.cfgBatch = options.cfgBatch ?? true;
  }

  /**
   * Adds one step's maps: `layers` maps layer name → probabilities [rows·heads, N, tokens]
   * (batch-major). Layers whose N is not height·width are ignored. Returns this step's maps.
   */
  addStep(step: number, layers: ReadonlyMap<string, HostTensor>): TokenMaps[] {
    const R2 = this.height * this.width;
    const T = this.tokens;
    const rows = this.cfgBatch ? 2 * this.branches : this.branches;
    const first = this.cfgBatch ? this.branches : 0;
    const out = Array.from({ length: this.branches }, () => new Float32Array(R2 * T));
    let count = 0;
    for (const p of layers.values()) {
      const [bh, n, k] = p.dims as [number, number, number];
      if (n !== R2 || k !== T) continue;
      const heads = bh / rows;
      const data = p.data as Float32Array;
      for (let b = 0; b < this.branches; b++) {
        const dst = out[b] as Float32Array;
        for (let h = 0; h < heads; h++) {
          const off = ((first + b) * heads + h) * R2 * T;
          for (let i = 0; i < R2 * T; i++) dst[i] = (dst[i] as number) + (data[off + i] as number);
        }
      }
      count += heads;
    }
    if (count === 0) throw new ConfigError('CONFIG_INVALID', 'resolution', `attention store: no layer has ${R2} query tokens (${this.height}×${this.width})`, 'Choose a resolution the UNet has at this latent size (the latent side divided by 1, 2, 4 or 8), or leave resolution unset.');
    for (const m of out) for (let i = 0; i < m.length; i++) m[i] = (m[i] as number) / count;
    this.steps.set(step, out);
    if (!this.accumulated) this.accumulated = out.map((m) => m.slice());
    else this.accumulated.forEach((acc, b) => acc.forEach((v, i) => (acc[i] = v + ((out[b] as Float32Array)[i] as number))));
    this.stepCount++;
    return out;
  }

  /** Maps of one step, per branch. */
  step(step: number): TokenMaps[] | undefined {
    return this.steps.get(step);
  }

  /** Sum of the maps over the steps so far (what local blend reads), per branch. */
  sum(): TokenMaps[] {
    return (this.accumulated ?? []).map((m) => m.slice());
  }

  /** Average of the maps over the steps so far, per branch. */
  average(): TokenMaps[] {
    return this.sum().map((m) => m.map((v) => v / Math.max(1, this.stepCount)));
  }

  /** One token's [height·width] map from a branch map. */
  tokenMap(maps: TokenMaps, token: number): Float32Array {
    const R2 = this.height * this.width;
    const out = new Float32Array(R2);
    for (let i = 0; i < R2; i++) out[i] = maps[i * this.tokens + token] as number;
    return out;
  }
}
