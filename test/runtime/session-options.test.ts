import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/onnx/graph-builder.js';
import { encodeModel } from '../../src/onnx/serialize.js';
import { attr } from '../../src/onnx/types.js';
import { isCpuFallbackRefusal, ModelSession, sessionOptionsFor } from '../../src/runtime/session.js';

/** y = softmax(x · W) over a wide axis: a reduction whose order a kernel may vary. */
function graph(): Uint8Array {
  const g = new GraphBuilder({ name: 'softmax-matmul' });
  const x = g.input('x', 'float32', [4, 256]);
  const w = g.initializer('w', 'float32', [256, 512], Float32Array.from({ length: 256 * 512 }, (_, i) => Math.sin(i * 0.37) / 8));
  g.output(g.node('Softmax', [g.node('MatMul', [x, w])], { axis: attr.int(-1) }), 'y', 'float32', [4, 512]);
  return encodeModel(g);
}

describe('sessionOptionsFor', () => {
  it('CUDA: the cuda provider with its device id, CPU fallback refused only when asked, deterministic compute as a session entry', () => {
    const strict = sessionOptionsFor('cuda', { deviceId: 1, deterministic: true, allowCpuFallback: false });
    expect(strict.executionProviders).toEqual([{ name: 'cuda', deviceId: 1 }]);
    expect(strict.graphOptimizationLevel).toBe('all');
    expect(strict.extra).toEqual({ session: { 'session.use_deterministic_compute': '1', 'session.disable_cpu_ep_fallback': '1' } });
    const loose = sessionOptionsFor('cuda', {});
    expect(loose.executionProviders).toEqual([{ name: 'cuda', deviceId: 0 }]);
    expect(loose.extra).toBeUndefined();
  });

  it('CPU: the cpu provider; the fallback entry never appears (nothing to fall back from)', () => {
    const o = sessionOptionsFor('cpu', { allowCpuFallback: false, intraOpThreads: 2 });
    expect(o.executionProviders).toEqual(['cpu']);
    expect(o.intraOpNumThreads).toBe(2);
    expect(o.extra).toBeUndefined();
    expect(sessionOptionsFor('cpu', { deterministic: true }).extra).toEqual({ session: { 'session.use_deterministic_compute': '1' } });
  });

  it('the CPU memory arena is onnxruntime\'s default unless turned off; a session without it computes the same bits', async () => {
    expect(sessionOptionsFor('cpu', {}).enableCpuMemArena).toBeUndefined();
    expect(sessionOptionsFor('cpu', { memoryArena: true }).enableCpuMemArena).toBeUndefined();
    expect(sessionOptionsFor('cpu', { memoryArena: false }).enableCpuMemArena).toBe(false);
    const bytes = graph();
    const x = Float32Array.from({ length: 4 * 256 }, (_, i) => Math.sin(i * 0.23));
    const arena = await ModelSession.create(bytes, { label: 'arena' });
    const none = await ModelSession.create(bytes, { label: 'no-arena', memoryArena: false });
    for (let i = 0; i < 2; i++) {
      const a = (await arena.run({ x: { data: x, dims: [4, 256] } })).y?.data as Float32Array;
      const b = (await none.run({ x: { data: x, dims: [4, 256] } })).y?.data as Float32Array;
      expect(a.length).toBe(4 * 512);
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    }
    await arena.release();
    await none.release();
  });

  it('recognises onnxruntime\'s refusal message (and nothing else)', () => {
    expect(isCpuFallbackRefusal(new Error('This session contains graph nodes that are assigned to the default CPU EP, but fallback to CPU EP has been explicitly disabled by the user.'))).toBe(true);
    expect(isCpuFallbackRefusal(new Error('CUDA failure 100: no CUDA-capable device is detected'))).toBe(false);
  });

  it('a deterministic CPU session loads, repeats itself bit for bit, and matches the default session', async () => {
    const bytes = graph();
    const x = Float32Array.from({ length: 4 * 256 }, (_, i) => Math.cos(i * 0.11));
    const det = await ModelSession.create(bytes, { deterministic: true, label: 'det' });
    const plain = await ModelSession.create(bytes, { label: 'plain' });
    expect(det.cpuFallback).toBe(false);
    const a = (await det.run({ x: { data: x, dims: [4, 256] } })).y?.data as Float32Array;
    const b = (await det.run({ x: { data: x, dims: [4, 256] } })).y?.data as Float32Array;
    const c = (await plain.run({ x: { data: x, dims: [4, 256] } })).y?.data as Float32Array;
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (c[i] as number)));
    expect(maxDiff).toBeLessThan(1e-6);
    // Each row is a distribution.
    for (let r = 0; r < 4; r++) expect(a.subarray(r * 512, (r + 1) * 512).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    await det.release();
    await plain.release();
  });
});
