/**
 * Per-step cross-attention control coefficients of a prompt-to-prompt edit (Hertz et al. 2022,
 * Prompt-to-Prompt, §3.2 and Algorithm 1), for the controlled UNet's formula
 *
 *     M_e ← (M_src · Mapper_e) ⊙ coefSrc_e(t) + M_e ⊙ coefSelf_e(t)
 *
 * where M_src is the source branch's cross-attention probabilities [queries, 77], M_e the target
 * branch's, Mapper_e a [77 × 77] matrix and the coefficients are per key token.
 *
 * Derivation from the reference controllers (`AttentionControlEdit.forward`, `AttentionReplace`,
 * `AttentionRefine`, `AttentionReweight(prev_controller)`), with α_w = cross-replace weight of the
 * step and token (`cross_replace_alpha[t]`), α_r = refine alphas, eq = equalizer (1 without reweight):
 *
 * - forward:  M_e ← R(M_src, M_e) · α_w + (1 − α_w) · M_e
 * - replace:  R = M_src · Mapper_replace
 * - refine:   R = α_r · M_src[…, A] + (1 − α_r) · M_e,   M_src[…, A] = M_src · Mapper_refine
 * - reweight: R = eq · R_base (R_base of the previous controller; M_src itself without one)
 *
 * Expanding, with α_r = 1 for replace and the identity base:
 *
 *     M_e ← (M_src · Mapper) · eq·α_w·α_r + M_e · (eq·α_w·(1 − α_r) + (1 − α_w))
 *
 * so coefSrc = eq·α_w·α_r and coefSelf = eq·α_w·(1 − α_r) + 1 − α_w. For replace this is
 * coefSrc = eq·α_w, coefSelf = 1 − α_w; the equalizer also scales the refine-blended target map,
 * as in the reference, where it multiplies the whole previous controller's output.
 */

import { z } from 'zod';

import { checkMaxLen, checkSteps, DEFAULT_MAX_LEN, parseOption, type AlignmentTokenizer } from './common.js';
import { equalizer, wordWeightsSchema, type WordWeights } from './equalizer.js';
import { mapperToMatrix, refinementMapper } from './refine-mapper.js';
import { replacementMapper } from './replace-mapper.js';
import { crossReplaceAlphas, type CrossReplaceSteps } from './schedule.js';
import { ConfigError } from '../../errors.js';

/** Token mapping an edit builds on: word swap, phrase alignment, or the identity. */
export type EditBase = 'replace' | 'refine' | 'none';

/**
 * A prompt-to-prompt cross-attention edit:
 * - `replace`: word swap (same number of words);
 * - `refine`: words added or removed (token alignment);
 * - `reweight`: scale the attention of chosen words of the target prompt, on top of `base`
 *   (default `'none'`: the source's maps at the same token positions, for source = target prompts).
 */
export type AttentionEdit =
  | { readonly kind: 'replace' }
  | { readonly kind: 'refine' }
  | { readonly kind: 'reweight'; readonly weights: WordWeights; readonly base?: EditBase };

/** Zod schema of {@link AttentionEdit}. */
export const attentionEditSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('replace') }).strict(),
  z.object({ kind: z.literal('refine') }).strict(),
  z.object({ kind: z.literal('reweight'), weights: wordWeightsSchema, base: z.enum(['replace', 'refine', 'none']).optional() }).strict(),
]);

/** Cross-attention controls of one target branch, see the module documentation. */
export interface CrossAttentionControls {
  /** Number of denoising steps the coefficients were built for (valid steps: 0 … steps). */
  readonly steps: number;
  /** Number of key tokens (77 for CLIP). */
  readonly maxLen: number;
  /** `[maxLen · maxLen]` row-major `Mapper[src · maxLen + tgt]`. */
  readonly mapper: Float32Array;
  /** `[maxLen]` coefficient of the mapped source map at `step` (a fresh array). */
  coefSrc(step: number): Float32Array;
  /** `[maxLen]` coefficient of the target's own map at `step` (a fresh array). */
  coefSelf(step: number): Float32Array;
}

const EDIT_HINT = "Use { kind: 'replace' }, { kind: 'refine' } or { kind: 'reweight', weights: { word: weight }, base?: 'replace' | 'refine' | 'none' }.";

/**
 * Builds the cross-attention controls of the edit `source` → `target` over `steps` denoising steps.
 * α_w comes from {@link crossReplaceAlphas} for `[source, target]` (per-word windows use the
 * target's words), the equalizer from the target prompt.
 *
 * @throws RepriseError `CONFIG_INVALID` for a malformed edit or window, a replace edit on prompts
 *   with different word counts, or reweight words missing from the target.
 */
export function crossAttentionControls(
  tokenizer: AlignmentTokenizer,
  source: string,
  target: string,
  spec: AttentionEdit,
  steps: number,
  crossReplace: CrossReplaceSteps,
  maxLen: number = DEFAULT_MAX_LEN,
): CrossAttentionControls {
  checkMaxLen(maxLen);
  checkSteps(steps);
  const edit = parseOption(attentionEditSchema, spec, 'attention edit', EDIT_HINT);
  const base: EditBase = edit.kind === 'reweight' ? (edit.base ?? 'none') : edit.kind;
  const eq = edit.kind === 'reweight' ? equalizer(tokenizer, target, edit.weights, maxLen) : new Float32Array(maxLen).fill(1);

  let mapper: Float32Array;
  let alphaR: Float32Array;
  if (base === 'refine') {
    const refine = refinementMapper(tokenizer, source, target, maxLen);
    mapper = mapperToMatrix(refine.mapper, maxLen);
    alphaR = refine.alphas;
  } else {
    mapper = base === 'replace' ? replacementMapper(tokenizer, source, target, maxLen) : identity(maxLen);
    alphaR = new Float32Array(maxLen).fill(1);
  }

  const alphaW = crossReplaceAlphas(tokenizer, [source, target], steps, crossReplace, maxLen);
  const src = new Float32Array(alphaW.length);
  const self = new Float32Array(alphaW.length);
  for (let t = 0; t <= steps; t++) {
    for (let j = 0; j < maxLen; j++) {
      const k = t * maxLen + j;
      const w = alphaW[k] as number;
      const r = alphaR[j] as number;
      const c = eq[j] as number;
      src[k] = c * w * r;
      self[k] = c * w * (1 - r) + (1 - w);
    }
  }
  const row = (table: Float32Array, step: number): Float32Array => {
    if (!Number.isInteger(step) || step < 0 || step > steps) {
      throw new ConfigError('CONFIG_INVALID', 'step', `step must be an integer in [0, ${steps}], got ${step}`, 'Pass the sampling step index, counted from 0.');
    }
    return table.slice(step * maxLen, (step + 1) * maxLen);
  };
  return {
    steps,
    maxLen,
    mapper,
    coefSrc: (step) => row(src, step),
    coefSelf: (step) => row(self, step),
  };
}

/** The `[n · n]` identity matrix. */
function identity(n: number): Float32Array {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}
