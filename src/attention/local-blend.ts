/**
 * Local blend (prompt-to-prompt's LocalBlend, Hertz et al. 2022): from the stored
 * cross-attention maps of the blend words, a mask per branch,
 *   mask = maxpool3(Σ_words maps) ↑ latent size (nearest) / max > threshold,
 * unioned with the source branch's mask, then between steps
 *   x_e ← x_src + mask ⊙ (x_e − x_src)   (after `startStep`),
 * so everything outside the mask follows the source branch. A user mask can replace or be
 * combined with the attention-derived one.
 */

/** Local-blend settings. */
export interface LocalBlendOptions {
  /** Per branch (source first), the token indices of its blend words. */
  readonly tokenIndices: readonly (readonly number[])[];
  /** Threshold on the normalized map (reference default 0.3). */
  readonly threshold?: number;
  /** Per branch, token indices whose region is subtracted (the reference's substruct words; no pooling, as there). */
  readonly subtractIndices?: readonly (readonly number[])[];
  readonly subtractThreshold?: number;
}

/** A user mask [latentH·latentW] in [0, 1] and how it combines with the attention mask. */
export interface UserMask {
  readonly mask: Float32Array;
  readonly mode: 'replace' | 'union' | 'intersect';
}

/** Map size [height, width] (square maps: [res, res]). */
export type MapSize = number | readonly [number, number];

function dims(size: MapSize): [number, number] {
  return typeof size === 'number' ? [size, size] : [size[0], size[1]];
}

function wordMap(maps: Float32Array, tokens: number, n: number, indices: readonly number[]): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (const j of indices) s += maps[i * tokens + j] as number;
    out[i] = s;
  }
  return out;
}

function maxPool3(m: Float32Array, mh: number, mw: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let y = 0; y < mh; y++) {
    for (let x = 0; x < mw; x++) {
      let best = Number.NEGATIVE_INFINITY;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < mh && xx >= 0 && xx < mw) best = Math.max(best, m[yy * mw + xx] as number);
        }
      }
      out[y * mw + x] = best;
    }
  }
  return out;
}

/** Nearest-neighbour resize [mh·mw] → [h·w] as torch's F.interpolate(mode='nearest'): src = floor(dst · in/out). */
export function upsampleNearest(m: Float32Array, mh: number, mw: number, h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(mh - 1, Math.floor((y * mh) / h));
    for (let x = 0; x < w; x++) out[y * w + x] = m[sy * mw + Math.min(mw - 1, Math.floor((x * mw) / w))] as number;
  }
  return out;
}

function thresholdMask(maps: Float32Array, tokens: number, size: MapSize, indices: readonly number[], h: number, w: number, threshold: number, pool: boolean): Uint8Array {
  const [mh, mw] = dims(size);
  let m = wordMap(maps, tokens, mh * mw, indices);
  if (pool) m = maxPool3(m, mh, mw);
  const up = upsampleNearest(m, mh, mw, h, w);
  let max = 0;
  for (const v of up) if (v > max) max = v;
  const out = new Uint8Array(h * w);
  if (max <= 0) return out;
  for (let i = 0; i < up.length; i++) out[i] = (up[i] as number) / max > threshold ? 1 : 0;
  return out;
}

/**
 * Masks per branch [h·w] (1 = follow the branch, 0 = follow the source), from per-branch
 * maps [mapH·mapW·tokens] (e.g. AttentionStore.sum()); `res` is the map side or [mapH, mapW].
 */
export function localBlendMasks(maps: readonly Float32Array[], res: MapSize, tokens: number, latentH: number, latentW: number, options: LocalBlendOptions, user?: UserMask): Float32Array[] {
  const th = options.threshold ?? 0.3;
  const raw = maps.map((m, b) => thresholdMask(m, tokens, res, options.tokenIndices[b] ?? [], latentH, latentW, th, true));
  const src = raw[0] as Uint8Array;
  const subs = options.subtractIndices
    ? maps.map((m, b) => thresholdMask(m, tokens, res, options.subtractIndices?.[b] ?? [], latentH, latentW, options.subtractThreshold ?? th, false))
    : undefined;
  return raw.map((m, b) => {
    const out = new Float32Array(m.length);
    const sub = subs?.[b];
    const subSrc = subs?.[0];
    for (let i = 0; i < m.length; i++) {
      let v = (m[i] as number) + (src[i] as number) > 0 ? 1 : 0; // union with the source word's region
      if (sub && subSrc && (sub[i] as number) + (subSrc[i] as number) > 0) v = 0;
      if (user) {
        const u = user.mask[i] as number;
        v = user.mode === 'replace' ? u : user.mode === 'union' ? Math.max(v, u) : Math.min(v, u);
      }
      out[i] = v;
    }
    return out;
  });
}

/** x_e ← x_src + mask ⊙ (x_e − x_src) for every target branch (channel-broadcast mask). Branch 0 is unchanged. */
export function applyLocalBlend(latents: readonly Float32Array[], masks: readonly Float32Array[], channels: number): Float32Array[] {
  const src = latents[0] as Float32Array;
  const hw = src.length / channels;
  return latents.map((x, b) => {
    if (b === 0) return x;
    const m = masks[b] as Float32Array;
    const out = new Float32Array(x.length);
    for (let c = 0; c < channels; c++) {
      for (let i = 0; i < hw; i++) {
        const k = c * hw + i;
        const s = src[k] as number;
        out[k] = s + (m[i] as number) * ((x[k] as number) - s);
      }
    }
    return out;
  });
}

/** In-place variant of {@link applyLocalBlend} for float32 or float64 sampler state. */
export function blendInPlace(latents: ReadonlyArray<Float32Array | Float64Array>, masks: readonly Float32Array[], channels: number): void {
  const src = latents[0];
  if (!src) return;
  const hw = src.length / channels;
  latents.forEach((x, b) => {
    if (b === 0) return;
    const m = masks[b] as Float32Array;
    for (let c = 0; c < channels; c++) {
      for (let i = 0; i < hw; i++) {
        const k = c * hw + i;
        const s = src[k] as number;
        x[k] = s + (m[i] as number) * ((x[k] as number) - s);
      }
    }
  });
}
