import { describe, expect, it, vi } from 'vitest';
import { benchCommand } from '../../src/cli/bench.js';

describe('reprise bench', () => {
  it('prints a header and one JSON line per measurement, with anchors only compared on cuda/sd15/fp16', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    let code: number;
    try {
      code = await benchCommand(['--size', 'tiny', '--runs', '2', '--warmup', '0', '--only', 'unet,text', '--json']);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(0);
    const lines = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ bench: 'reprise', device: 'cpu', size: 'tiny', comparableToAnchors: false });
    expect(lines.slice(1).map((l) => l.name)).toEqual(['unet_batch1', 'unet_batch2', 'unet_batch4', 'text_encoder_batch2']);
    for (const l of lines.slice(1)) {
      const t = l.timing as { medianMs: number; minMs: number; maxMs: number; runs: number };
      expect(t.runs).toBe(2);
      expect(t.minMs).toBeGreaterThan(0);
      expect(t.minMs).toBeLessThanOrEqual(t.medianMs);
      expect(t.medianMs).toBeLessThanOrEqual(t.maxMs);
      expect(l.ratioToAnchor ?? null).toBeNull();
    }
  });

  it('rejects bad options with exit code 2', async () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await benchCommand(['--size', 'huge'])).toBe(2);
      expect(await benchCommand(['--runs', '0'])).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });
});
