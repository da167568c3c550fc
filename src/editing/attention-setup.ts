/** From the user's attention options to the controlled UNet's per-step plan and local blend. */
import { crossAttentionControls, selfReplaceWindow, type AttentionEdit } from '../attention/alignment/index.js';
import { attentionLayerInfo, type AttentionLayerInfo } from '../attention/controlled-unet.js';
import type { AttentionPlan } from '../attention/step-controls.js';
import { RepriseError } from '../errors.js';
import type { ClipTokenizer } from '../tokenizer/index.js';
import type { LocalBlendRun } from './edit-loop.js';
import type { editOptionsSchema } from './options.js';
import type { z } from 'zod';

type Attention = z.output<typeof editOptionsSchema>['attention'];

/** A cross-attention map size [height, width] at the current latent size. */
export type MapDims = readonly [number, number];

/** Cross-attention map sizes a UNet has at a latent size, smallest first. */
export function crossMapSizes(layers: readonly AttentionLayerInfo[]): MapDims[] {
  const seen = new Map<string, MapDims>();
  for (const l of layers) if (l.kind === 'cross') seen.set(`${l.height}x${l.width}`, [l.height, l.width]);
  return [...seen.values()].sort((a, b) => a[0] * a[1] - b[0] * b[1]);
}

/**
 * The map size to keep: the level whose longer side equals `requested`, else 16 (the reference's
 * 16×16 for 64×64 latents), else the largest at most 16, else the smallest.
 */
export function chooseMapSize(layers: readonly AttentionLayerInfo[], requested?: number): MapDims {
  const avail = crossMapSizes(layers);
  const side = (d: MapDims) => Math.max(d[0], d[1]);
  if (requested !== undefined) {
    const hit = avail.find((d) => side(d) === requested);
    if (!hit) throw new RepriseError('CONFIG_INVALID', `attention.resolution ${requested} has no cross-attention layer at this image size`, { hint: `Available: ${avail.map(side).join(', ')}.` });
    return hit;
  }
  const sixteen = avail.find((d) => side(d) === 16);
  if (sixteen) return sixteen;
  const below = avail.filter((d) => side(d) < 16);
  return below.length ? (below[below.length - 1] as MapDims) : (avail[0] as MapDims);
}

/** Cross-attention layers of one map size (what the store reads). */
export function storeLayers(layers: readonly AttentionLayerInfo[], size: MapDims): string[] {
  return layers.filter((l) => l.kind === 'cross' && l.height === size[0] && l.width === size[1]).map((l) => l.name);
}

function editKind(a: Attention, source: string, target: string): AttentionEdit | undefined {
  const sameCount = source.split(' ').length === target.split(' ').length;
  const base = a.edit === 'auto' ? (sameCount ? 'replace' : 'refine') : a.edit;
  if (base === 'none' && !a.reweight) return undefined;
  if (a.reweight) return { kind: 'reweight', weights: a.reweight, base: base === 'none' ? 'none' : base };
  return { kind: base as 'replace' | 'refine' };
}

/** The per-step attention plan for source → targets. */
export function buildAttentionPlan(tokenizer: ClipTokenizer, a: Attention, source: string, targets: readonly string[], steps: number): AttentionPlan {
  const cross = targets.map((t) => {
    const kind = editKind(a, source, t);
    return kind ? crossAttentionControls(tokenizer, source, t, kind, steps, a.crossReplace) : undefined;
  });
  const [s0, s1] = selfReplaceWindow(steps, a.selfReplace);
  return {
    cross,
    selfReplace: [s0, s1],
    selfLayers: { maxQueryTokens: a.selfMaxTokens },
    ...(a.mutual ? { mutual: [Math.floor(a.mutual.from * steps), Math.ceil(a.mutual.to * steps)] as [number, number], mutualLayers: { places: a.mutual.places } } : {}),
  };
}

/** Local blend words → token indices per branch (source first). Words are looked up in every prompt. */
export function buildLocalBlend(tokenizer: ClipTokenizer, a: Attention, prompts: readonly string[], steps: number): Omit<LocalBlendRun, 'userMask'> | undefined {
  if (!a.localBlend) return undefined;
  const lb = Array.isArray(a.localBlend) ? { words: a.localBlend, threshold: 0.3, start: 0.2, subtract: undefined } : a.localBlend;
  const indices = (words: readonly string[]) => prompts.map((p) => words.flatMap((w) => tokenizer.wordTokenIndices(p, w)));
  const tokenIndices = indices(lb.words);
  if (tokenIndices.every((i) => i.length === 0)) {
    throw new RepriseError('CONFIG_INVALID', `attention.localBlend: none of the words ${lb.words.map((w) => `"${w}"`).join(', ')} is in the prompts`, { hint: 'Use words of the source or target prompts.' });
  }
  return {
    tokenIndices,
    threshold: lb.threshold,
    startStep: Math.floor(lb.start * steps),
    ...(lb.subtract ? { subtractIndices: indices(lb.subtract) } : {}),
  };
}

export { attentionLayerInfo };
