/**
 * Helpers of the fuzz suite: a seeded PRNG (mulberry32), byte mutations, and the scale knob.
 * `npm run fuzz` sets REPRISE_FUZZ_SCALE (default 1 in `npm test`) and REPRISE_FUZZ_SEED.
 */
import { expect } from 'vitest';
import { RepriseError } from '../../src/errors.js';
import { exitCodeFor } from '../../src/cli/errors.js';

/** Multiplies every case count (1 in CI; `npm run fuzz` uses more). */
export const FUZZ_SCALE = Math.max(1, Number(process.env.REPRISE_FUZZ_SCALE ?? '1') || 1);
/** Base seed; a failing case prints its seed and index so it can be replayed. */
export const FUZZ_SEED = Number(process.env.REPRISE_FUZZ_SEED ?? '20261202') >>> 0;
/** Wall-clock limit of one case, in milliseconds (generous: the machine is shared). */
export const CASE_MS = 3000;

/** A seeded PRNG with a few helpers. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** Applies 1–4 random byte mutations (flip, set, insert, delete, truncate, duplicate a slice). */
export function mutateBytes(rng: Rng, input: Uint8Array): Uint8Array {
  let bytes: Uint8Array = Uint8Array.from(input);
  const n = 1 + rng.int(4);
  for (let k = 0; k < n; k++) {
    const at = bytes.length === 0 ? 0 : rng.int(bytes.length);
    switch (rng.int(6)) {
      case 0:
        if (bytes.length > 0) bytes[at] = bytes[at]! ^ (1 << rng.int(8));
        break;
      case 1:
        if (bytes.length > 0) bytes[at] = rng.pick([0, 0xff, 0x7f, 0x80, 0x22, 0x7b, 0x5b, rng.int(256)]);
        break;
      case 2: {
        const insert = Uint8Array.from({ length: 1 + rng.int(8) }, () => rng.int(256));
        bytes = concat(bytes.subarray(0, at), insert, bytes.subarray(at));
        break;
      }
      case 3:
        bytes = concat(bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + rng.int(16))));
        break;
      case 4:
        bytes = bytes.subarray(0, at);
        break;
      default: {
        const len = 1 + rng.int(32);
        bytes = concat(bytes.subarray(0, at), bytes.subarray(at, at + len), bytes.subarray(at));
      }
    }
  }
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Asserts `error` is a typed error the CLI maps to exit 2 (user input), never 3 (internal). */
export function expectUserError(error: unknown, context: string): void {
  expect(error instanceof RepriseError, `${context}: not a RepriseError: ${String(error)}`).toBe(true);
  expect(exitCodeFor(error), `${context}: ${(error as Error).message}`).toBe(2);
}

/** Outcome counts, printed by each suite so a run shows what it covered. */
export function tally(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
