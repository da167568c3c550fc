/** The job of the kill tests and its deterministic item work (several writes, with pauses between). */
import type { ProcessItem } from '../../../src/editing/batch/runner.js';

export const FAULT_JOB = {
  version: 1,
  output: 'out',
  inputs: ['in/*.png'],
  edits: [
    { name: 'x', prompt: 'p' },
    { name: 'y', prompt: 'q' },
    { name: 'z', prompt: 'r' },
  ],
};

/** The bytes item `id` writes as `<edit>.<k>.bin`: 256 KiB derived from the id and k. */
export function faultBytes(id: string, k: number): Uint8Array {
  const bytes = new Uint8Array(256 * 1024);
  let h = 2166136261;
  for (const c of `${id}#${k}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (h + i * 2654435761) >>> 24;
  return bytes;
}

export const faultItem: ProcessItem<Record<string, unknown>> = async (item, ctx) => {
  for (let k = 0; k < 3; k++) {
    await new Promise((resolve) => setTimeout(resolve, 15));
    if (ctx.signal.aborted) throw new Error('interrupted');
    await ctx.write(`${item.names.edit}.${k}.bin`, faultBytes(item.id, k));
  }
};
