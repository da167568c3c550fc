/** Word ↔ token position bookkeeping for prompt-to-prompt style word indexing. */

/** Splits a prompt into words exactly like Python's `text.split(" ")` (empty words kept). */
export function splitWords(text: string): string[] {
  return text.split(' ');
}

/**
 * Assigns consecutive sequence positions to words, given how many tokens each word has.
 * Positions start at 1 (position 0 is bos); positions above `lastPosition` (cut by truncation)
 * are dropped.
 */
export function wordPositions(tokenCounts: readonly number[], lastPosition: number): number[][] {
  let next = 1;
  return tokenCounts.map((count) => {
    const positions: number[] = [];
    for (let k = 0; k < count; k++, next++) if (next <= lastPosition) positions.push(next);
    return positions;
  });
}
