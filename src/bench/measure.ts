/** Timing and GPU-memory helpers for benchmarks. */
import { execFileSync } from 'node:child_process';

/** Summary of repeated timings, milliseconds. */
export interface Timing {
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly runs: number;
}

/** Runs `fn` `warmup` times untimed, then `runs` times timed (wall clock around each call). */
export async function time(fn: () => Promise<unknown>, runs: number, warmup = 2): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  const mid = Math.floor(t.length / 2);
  const median = t.length % 2 ? (t[mid] as number) : ((t[mid - 1] as number) + (t[mid] as number)) / 2;
  return { medianMs: +median.toFixed(3), minMs: +(t[0] as number).toFixed(3), maxMs: +(t[t.length - 1] as number).toFixed(3), runs };
}

/** GPU memory used by this process (MiB) from nvidia-smi, or undefined without a GPU. */
export function gpuMemoryMiB(pid = process.pid): number | undefined {
  try {
    const out = execFileSync('nvidia-smi', ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    let total = 0;
    for (const line of out.split('\n')) {
      const [p, mem] = line.split(',').map((x) => x.trim());
      if (Number(p) === pid) total += Number(mem);
    }
    return total;
  } catch {
    return undefined;
  }
}
