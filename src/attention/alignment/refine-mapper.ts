/**
 * Token alignment of the prompt-to-prompt *refine* edit (Hertz et al. 2022, Prompt-to-Prompt, §3.2
 * "Adding a New Phrase"), reproducing `seq_aligner.global_align`, `get_aligned_sequences` and
 * `get_mapper`.
 *
 * Notation: the alignment function A(j) gives, for target token j of P*, its source token in P, or
 * none (−1) for a new token; the refine edit takes `M*_j ← M_{A(j)}` where A(j) exists and keeps the
 * target's own map elsewhere (α_j = 0).
 */

import { checkMaxLen, DEFAULT_MAX_LEN, type AlignmentTokenizer } from './common.js';

/** Scores of the global (Needleman–Wunsch) alignment. The reference uses gap 0, match +1, mismatch −1. */
export interface AlignmentScoring {
  readonly gap: number;
  readonly match: number;
  readonly mismatch: number;
}

/** The reference scoring of `get_mapper`: `ScoreParams(gap=0, match=1, mismatch=-1)`. */
export const REFERENCE_SCORING: AlignmentScoring = { gap: 0, match: 1, mismatch: -1 };

/** One column of an alignment: positions in `a` (source) and `b` (target), −1 for a gap. */
export interface AlignedPair {
  readonly source: number;
  readonly target: number;
}

/** Result of {@link needlemanWunsch}. */
export interface Alignment {
  /** Optimal global score. */
  readonly score: number;
  /** Aligned columns in sequence order: matches/mismatches, target-only (`source: −1`) and source-only (`target: −1`) tokens. */
  readonly pairs: AlignedPair[];
  /** For each position of `b`, its aligned position in `a`, or −1 (the reference's `mapper_y_to_x[:, 1]`). */
  readonly targetToSource: number[];
}

/** Trace-back codes of the reference: 1 left (gap in the source), 2 up (gap in the target), 3 diagonal, 4 origin. */
const LEFT = 1;
const UP = 2;
const DIAG = 3;

/**
 * Global alignment of `a` (source) and `b` (target) as the reference computes it: score matrix with
 * gap-initialised borders, each cell the max of left (`b[j−1]` against a gap), up (`a[i−1]` against
 * a gap) and diagonal; ties go to **left**, then **up**, then the diagonal (the reference's
 * `if == left / elif == up / else`). The trace-back walks from the bottom-right corner to the origin.
 */
export function needlemanWunsch(a: readonly number[], b: readonly number[], scoring: AlignmentScoring = REFERENCE_SCORING): Alignment {
  const n = a.length;
  const m = b.length;
  const w = m + 1;
  const score = new Float64Array((n + 1) * w);
  const trace = new Uint8Array((n + 1) * w);
  for (let j = 1; j <= m; j++) {
    score[j] = j * scoring.gap;
    trace[j] = LEFT;
  }
  for (let i = 1; i <= n; i++) {
    score[i * w] = i * scoring.gap;
    trace[i * w] = UP;
  }
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const left = (score[i * w + j - 1] as number) + scoring.gap;
      const up = (score[(i - 1) * w + j] as number) + scoring.gap;
      const diag = (score[(i - 1) * w + j - 1] as number) + (a[i - 1] === b[j - 1] ? scoring.match : scoring.mismatch);
      const best = Math.max(left, up, diag);
      score[i * w + j] = best;
      trace[i * w + j] = best === left ? LEFT : best === up ? UP : DIAG;
    }
  }

  const pairs: AlignedPair[] = [];
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const t = trace[i * w + j];
    if (t === DIAG) {
      i -= 1;
      j -= 1;
      pairs.push({ source: i, target: j });
    } else if (t === LEFT) {
      j -= 1;
      pairs.push({ source: -1, target: j });
    } else if (t === UP) {
      i -= 1;
      pairs.push({ source: i, target: -1 });
    } else {
      break;
    }
  }
  pairs.reverse();
  const targetToSource = pairs.filter((p) => p.target >= 0).map((p) => p.source);
  return { score: score[n * w + m] as number, pairs, targetToSource };
}

/** Result of {@link refinementMapper}. */
export interface RefinementMapper {
  /**
   * `[maxLen]`: for each target token position, the source token position whose map it takes;
   * −1 for a token new in the target (the reference keeps −1 too, which torch reads as position
   * `maxLen − 1`, weighted by α = 0). Positions k ≥ the target's length map to k.
   */
  readonly mapper: Int32Array;
  /** `[maxLen]`: 1 where the target token is aligned to a source token (and on padding), 0 for new tokens. */
  readonly alphas: Float32Array;
}

/**
 * Refinement mapper of `source` → `target` (reference `seq_aligner.get_mapper`): aligns the unpadded
 * id sequences *with* bos and eos by {@link needlemanWunsch} with the reference scoring, then
 * `mapper[k] = A(k)` and `alphas[k] = A(k) ≠ −1` for the target's tokens, and `mapper[k] = k`,
 * `alphas[k] = 1` for the padding positions `k ≥ len(target ids)`.
 *
 * Prompts longer than `maxLen` tokens are truncated to `maxLen` (bos, `maxLen − 2` tokens, eos), as
 * the text encoder sees them; the reference would fail on them.
 */
export function refinementMapper(tokenizer: AlignmentTokenizer, source: string, target: string, maxLen: number = DEFAULT_MAX_LEN): RefinementMapper {
  checkMaxLen(maxLen);
  const x = tokenizer.encode(source, { padding: 'none', truncation: true, maxLength: maxLen }).inputIds;
  const y = tokenizer.encode(target, { padding: 'none', truncation: true, maxLength: maxLen }).inputIds;
  const { targetToSource } = needlemanWunsch(x, y);
  const mapper = new Int32Array(maxLen);
  const alphas = new Float32Array(maxLen).fill(1);
  targetToSource.forEach((s, k) => {
    mapper[k] = s;
    alphas[k] = s === -1 ? 0 : 1;
  });
  for (let k = y.length; k < maxLen; k++) mapper[k] = k;
  return { mapper, alphas };
}

/**
 * Expresses a target → source index mapper as a dense row-major `[maxLen · maxLen]` matrix with
 * `M[src · maxLen + tgt] = 1`, so that `(P_src · M)[…, tgt] = P_src[…, mapper[tgt]]` and the same
 * controlled-graph formula `M_src · Mapper` serves replace and refine. A −1 entry (new token) gives
 * an all-zero column: its coefficient α is 0, so this equals the reference's read of position
 * `maxLen − 1` for any finite map.
 */
export function mapperToMatrix(mapper: Int32Array, maxLen: number = mapper.length): Float32Array {
  const m = new Float32Array(maxLen * maxLen);
  for (let tgt = 0; tgt < maxLen; tgt++) {
    const src = mapper[tgt];
    if (src !== undefined && src >= 0 && src < maxLen) m[src * maxLen + tgt] = 1;
  }
  return m;
}

/** {@link refinementMapper} as a dense `[maxLen · maxLen]` matrix (see {@link mapperToMatrix}). */
export function refinementMapperMatrix(tokenizer: AlignmentTokenizer, source: string, target: string, maxLen: number = DEFAULT_MAX_LEN): Float32Array {
  return mapperToMatrix(refinementMapper(tokenizer, source, target, maxLen).mapper, maxLen);
}
