/**
 * Step windows of prompt-to-prompt attention injection (Hertz et al. 2022, Prompt-to-Prompt, §3.2:
 * injection for t ∈ [T, τ] only), reproducing `ptp_utils.get_time_words_attention_alpha`,
 * `update_alpha_time_word` and `AttentionControlEdit.num_self_replace`.
 *
 * Notation: T denoising steps counted from 0; a window is a pair of fractions (s0, s1) of the steps,
 * a single number s meaning (0, s).
 */

import { z } from 'zod';

import { checkMaxLen, checkPositions, checkSteps, DEFAULT_MAX_LEN, editError, parseOption, type AlignmentTokenizer } from './common.js';

/** A step window as fractions of the steps: `s` (= `[0, s]`) or `[s0, s1]`, 0 ≤ s0 ≤ s1 ≤ 1. */
export type StepWindow = number | readonly [number, number];

/**
 * Cross-attention replacement window: one window for every token, or a default window (reference
 * `"default_"`, default `[0, 1]` as in the reference) with per-word overrides keyed by words of the
 * target prompt(s).
 */
export type CrossReplaceSteps =
  | StepWindow
  | { readonly default?: StepWindow; readonly words?: Readonly<Record<string, StepWindow>> };

/** Self-attention replacement window (fractions of the steps). */
export type SelfReplaceSteps = StepWindow;

/** A half-open range of step indices `[start, end)`. */
export type StepRange = readonly [start: number, end: number];

const fraction = z.number().min(0).max(1);

/** Zod schema of {@link StepWindow}. */
export const stepWindowSchema = z.union([
  fraction,
  z.tuple([fraction, fraction]).refine(([s0, s1]) => s0 <= s1, { message: 'the window start must not exceed its end' }),
]);

/** Zod schema of {@link CrossReplaceSteps}. */
export const crossReplaceSchema = z.union([
  stepWindowSchema,
  z.object({ default: stepWindowSchema.optional(), words: z.record(z.string(), stepWindowSchema).optional() }).strict(),
]);

/** Zod schema of {@link SelfReplaceSteps}. */
export const selfReplaceSchema = stepWindowSchema;

const WINDOW_HINT = 'Give a fraction s of the steps (window [0, s]) or [s0, s1] with 0 ≤ s0 ≤ s1 ≤ 1; per-word windows go in { default, words: { word: window } }.';

/** `(s0, s1)` of a window (`s` → `(0, s)`). */
function bounds(window: StepWindow): readonly [number, number] {
  return typeof window === 'number' ? [0, window] : window;
}

/** `int(s · n)` for both ends, as the reference computes them (non-negative, so truncation = floor). */
function toRange(window: StepWindow, n: number): StepRange {
  const [s0, s1] = bounds(window);
  return [Math.min(n, Math.trunc(s0 * n)), Math.min(n, Math.trunc(s1 * n))];
}

/**
 * Per-step, per-target, per-token cross-attention replacement weights α, laid out `[steps + 1][E][maxLen]`
 * (E = `prompts.length − 1` targets), exactly as `get_time_words_attention_alpha`: every row of
 * every target gets the default window over all `maxLen` tokens, `α = 1` for
 * `⌊s0·(steps+1)⌋ ≤ step < ⌊s1·(steps+1)⌋` and 0 elsewhere; then each per-word window overwrites the
 * tokens of that word in each target prompt that contains it. Step `t` (0-based) reads row `t`; the
 * last row is never read by a `steps`-step run.
 *
 * @param prompts `[source, ...targets]`.
 * @throws RepriseError `CONFIG_INVALID` for a malformed window, fewer than two prompts, or a per-word
 *   window whose word is in no target prompt (the reference ignores it silently).
 */
export function crossReplaceAlphas(
  tokenizer: AlignmentTokenizer,
  prompts: readonly string[],
  steps: number,
  crossReplace: CrossReplaceSteps,
  maxLen: number = DEFAULT_MAX_LEN,
): Float32Array {
  checkMaxLen(maxLen);
  checkSteps(steps);
  if (prompts.length < 2) {
    throw editError(`crossReplaceAlphas needs a source and at least one target prompt, got ${prompts.length} prompt(s).`, 'Pass [source, ...targets].');
  }
  const spec = parseOption(crossReplaceSchema, crossReplace, 'cross-attention replacement steps', WINDOW_HINT);
  const perWord = typeof spec === 'number' || Array.isArray(spec) ? undefined : spec;
  const defaultWindow: StepWindow = perWord === undefined ? (spec as StepWindow) : (perWord.default ?? [0, 1]);
  const words: Record<string, StepWindow> = perWord?.words ?? {};

  const rows = steps + 1;
  const E = prompts.length - 1;
  const alpha = new Float32Array(rows * E * maxLen);
  /** `update_alpha_time_word`: rows before start → 0, [start, end) → 1, from end → 0, on `tokens` (all when undefined). */
  const fill = (window: StepWindow, e: number, tokens: readonly number[] | undefined): void => {
    const [start, end] = toRange(window, rows);
    for (let t = 0; t < rows; t++) {
      const v = t >= start && t < end ? 1 : 0;
      const base = (t * E + e) * maxLen;
      if (tokens === undefined) alpha.fill(v, base, base + maxLen);
      else for (const j of tokens) alpha[base + j] = v;
    }
  };
  for (let e = 0; e < E; e++) fill(defaultWindow, e, undefined);
  for (const [word, window] of Object.entries(words)) {
    let found = false;
    for (let e = 0; e < E; e++) {
      const target = prompts[e + 1] as string;
      const inds = tokenizer.wordTokenIndices(target, word);
      if (inds.length === 0) continue;
      checkPositions(inds, maxLen, `Cross-replace word "${word}"`);
      found = true;
      fill(window, e, inds);
    }
    if (!found) {
      throw editError(
        `Cross-replace word "${word}" is in no target prompt (${prompts.slice(1).map((p) => `"${p}"`).join(', ')}).`,
        'Per-word windows apply to words of the target prompt, matched exactly against the prompt split on spaces.',
      );
    }
  }
  return alpha;
}

/**
 * Self-attention replacement range `[⌊steps·s0⌋, ⌊steps·s1⌋)` (reference `num_self_replace`; note
 * `steps`, not `steps + 1` as for cross-attention).
 * @throws RepriseError `CONFIG_INVALID` for a malformed window or step count.
 */
export function selfReplaceWindow(steps: number, selfReplace: SelfReplaceSteps): StepRange {
  checkSteps(steps);
  const window = parseOption(selfReplaceSchema, selfReplace, 'self-attention replacement steps', WINDOW_HINT);
  return toRange(window, steps);
}

/** Whether self-attention replacement is on at `step` (0-based): `start ≤ step < end`. */
export function isSelfReplaceActive(window: StepRange, step: number): boolean {
  return window[0] <= step && step < window[1];
}
