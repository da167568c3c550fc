import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/onnx/graph-builder.js';
import { encodeModel, writeModel } from '../../src/onnx/serialize.js';
import { onnx } from '../../src/onnx/proto.js';
import { attr } from '../../src/onnx/types.js';
import { ModelSession } from '../../src/runtime/session.js';
import { tempDir } from '../helpers.js';

/** y = relu(x · W + b) with a big W so external data is used. */
function tinyGraph(lazyCalls: { n: number }): GraphBuilder {
  const g = new GraphBuilder({ name: 'mlp' });
  const x = g.input('x', 'float32', ['batch', 64]);
  const w = g.initializer('w', 'float32', [64, 32], () => {
    lazyCalls.n++;
    return Float32Array.from({ length: 64 * 32 }, (_, i) => ((i % 7) - 3) / 10);
  });
  const b = g.initializer('b', 'float32', [32], Float32Array.from({ length: 32 }, (_, i) => i / 100));
  g.output(g.node('Relu', [g.node('Add', [g.node('MatMul', [x, w]), b])]), 'y', 'float32', ['batch', 32]);
  return g;
}

function reference(x: Float32Array): Float32Array {
  const y = new Float32Array(32);
  for (let j = 0; j < 32; j++) {
    let s = j / 100;
    for (let i = 0; i < 64; i++) s += (x[i] as number) * ((((i * 32 + j) % 7) - 3) / 10);
    y[j] = Math.max(0, s);
  }
  return y;
}

describe('ONNX serialization', () => {
  const x = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));

  it('inline and external-data models compute the same, and lazy weights are read only when written', async () => {
    const calls = { n: 0 };
    const g = tinyGraph(calls);
    expect(calls.n).toBe(0);
    const inline = await ModelSession.create(encodeModel(g));
    expect(calls.n).toBe(1);
    const dir = tempDir();
    const written = writeModel(g, path.join(dir, 'm.onnx'), { mode: 'external', thresholdBytes: 1024 });
    expect(written.dataPath).toBe(path.join(dir, 'm.onnx.data'));
    expect(written.dataBytes).toBe(64 * 32 * 4);
    expect(fs.readdirSync(dir).sort()).toEqual(['m.onnx', 'm.onnx.data']);
    const ext = await ModelSession.create(written.modelPath);
    const a = (await inline.run({ x: { data: x, dims: [1, 64] } })).y?.data as Float32Array;
    const b = (await ext.run({ x: { data: x, dims: [1, 64] } })).y?.data as Float32Array;
    expect(Array.from(b)).toEqual(Array.from(a));
    const ref = reference(x);
    for (let j = 0; j < 32; j++) expect(a[j]).toBeCloseTo(ref[j] as number, 4);
  });

  it('records opsets, contrib domains and external-data locations in the protobuf', () => {
    const g = tinyGraph({ n: 0 });
    g.node('Identity', [{ name: 'x' }], {}, { domain: 'com.microsoft' });
    const dir = tempDir();
    const w = writeModel(g, path.join(dir, 'm.onnx'));
    const m = onnx.ModelProto.decode(fs.readFileSync(w.modelPath));
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([
      ['', 21],
      ['com.microsoft', 1],
    ]);
    const big = m.graph?.initializer?.find((t) => t.name === 'w');
    expect(big?.dataLocation).toBe(onnx.TensorProto.DataLocation.EXTERNAL);
    expect(big?.externalData?.map((e) => e.key)).toEqual(['location', 'offset', 'length']);
    const small = m.graph?.initializer?.find((t) => t.name === 'b');
    expect(small?.rawData?.length).toBe(32 * 4);
  });

  it('a weight thunk that throws leaves no files behind', () => {
    const g = new GraphBuilder({ name: 'bad' });
    const x = g.input('x', 'float32', [2]);
    const w = g.initializer('w', 'float32', [2], () => {
      throw new Error('disk gone');
    });
    g.output(g.node('Add', [x, w]), 'y', 'float32', [2]);
    const dir = tempDir();
    expect(() => writeModel(g, path.join(dir, 'm.onnx'))).toThrow('disk gone');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('rejects data that does not fit the declared shape, and duplicate names', () => {
    const g = new GraphBuilder({ name: 'bad' });
    g.initializer('w', 'float32', [3], new Float32Array(2));
    expect(() => encodeModel(g)).toThrow(/"w": 8 bytes of data for shape \[3\]/);
    expect(() => g.initializer('w', 'float32', [2], new Float32Array(2))).toThrow(/"w" is used twice/);
  });

  it('attributes keep their ONNX types', () => {
    const g = new GraphBuilder({ name: 'attrs' });
    const x = g.input('x', 'float32', [1, 4]);
    g.output(g.node('LeakyRelu', [x], { alpha: attr.float(1) }), 'y', 'float32', [1, 4]);
    const m = onnx.ModelProto.decode(encodeModel(g));
    const a = m.graph?.node?.[0]?.attribute?.[0];
    expect(a?.type).toBe(onnx.AttributeProto.AttributeType.FLOAT);
    expect(a?.f).toBe(1);
  });
});
