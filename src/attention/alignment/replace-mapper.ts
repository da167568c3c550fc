/**
 * Word-swap token mapper of the prompt-to-prompt *replace* edit (Hertz et al. 2022,
 * Prompt-to-Prompt, §3.2 "Word Swap"), reproducing `seq_aligner.get_replacement_mapper_`.
 *
 * Notation: P = source prompt, P* = target prompt, M = source cross-attention probabilities
 * [queries, keys]; the replace edit uses `M · Mapper` where `Mapper[i][j]` sends source token i to
 * target token j.
 */

import { checkMaxLen, checkPositions, DEFAULT_MAX_LEN, editError, type AlignmentTokenizer } from './common.js';

/**
 * Builds the replacement mapper of `source` → `target` as a row-major `[maxLen · maxLen]` matrix
 * `mapper[i_source · maxLen + j_target]`, exactly like the reference:
 *
 * - both prompts are split on `' '` and must have the same number of words (else `CONFIG_INVALID`,
 *   suggesting the refine edit);
 * - for every changed word (same position, different string), its source tokens map to its target
 *   tokens: pairwise (1:1, numpy fancy indexing) when the token counts match, otherwise every source
 *   token maps to every target token with weight `1 / (number of target tokens)`;
 * - tokens before the last changed word map to their shifted position (`i → j`);
 * - quirk kept from the reference: once the last changed word is passed, rows map `j → j` in the
 *   *target* numbering, so when a changed word had a different token count the source tokens after
 *   it are not shifted (a longer target leaves source rows `i … j−1` empty; a shorter one drops the
 *   last diagonal entries).
 *
 * @throws RepriseError `CONFIG_INVALID` when the word counts differ, or a changed word has no
 *   tokens (an empty word from repeated spaces, or a word cut by truncation).
 */
export function replacementMapper(tokenizer: AlignmentTokenizer, source: string, target: string, maxLen: number = DEFAULT_MAX_LEN): Float32Array {
  checkMaxLen(maxLen);
  const wordsX = source.split(' ');
  const wordsY = target.split(' ');
  if (wordsX.length !== wordsY.length) {
    throw editError(
      `The replace edit needs prompts with the same number of words, but the source has ${wordsX.length} words and the target ${wordsY.length} ("${source}" → "${target}").`,
      "Use the refine edit (attention.edit: 'refine' in the API and job files, --edit refine on the CLI, { kind: 'refine' } for crossAttentionControls) when words are added or removed; replace swaps words at the same positions.",
    );
  }
  const changed = wordsY.flatMap((w, i) => (w !== wordsX[i] ? [i] : []));
  const indsSource = changed.map((i) => tokenizer.wordTokenIndices(source, i));
  const indsTarget = changed.map((i) => tokenizer.wordTokenIndices(target, i));
  changed.forEach((w, k) => {
    for (const [inds, prompt, words] of [[indsSource[k], 'source', wordsX], [indsTarget[k], 'target', wordsY]] as const) {
      if (inds === undefined || inds.length === 0) {
        throw editError(
          `Word ${w} ("${words[w] ?? ''}") of the ${prompt} prompt has no tokens, so it cannot be swapped.`,
          'Separate words with single spaces and keep the prompt within the tokenizer length.',
        );
      }
      checkPositions(inds, maxLen, `Word ${w} of the ${prompt} prompt`);
    }
  });

  const mapper = new Float32Array(maxLen * maxLen);
  let i = 0;
  let j = 0;
  let cur = 0;
  while (i < maxLen && j < maxLen) {
    const src = indsSource[cur];
    const tgt = indsTarget[cur];
    if (src !== undefined && tgt !== undefined && src[0] === i) {
      if (src.length === tgt.length) {
        src.forEach((s, k) => {
          mapper[s * maxLen + (tgt[k] as number)] = 1;
        });
      } else {
        const ratio = 1 / tgt.length;
        for (const t of tgt) for (const s of src) mapper[s * maxLen + t] = ratio;
      }
      cur += 1;
      i += src.length;
      j += tgt.length;
    } else if (src !== undefined) {
      mapper[i * maxLen + j] = 1;
      i += 1;
      j += 1;
    } else {
      mapper[j * maxLen + j] = 1;
      i += 1;
      j += 1;
    }
  }
  return mapper;
}
