import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RepriseError, SafetensorsError, WeightsError } from '../../src/errors.js';
import {
  createSafetensorsWriter,
  float16ToFloat32,
  float32ToBFloat16,
  float32ToFloat16,
  openSafetensors,
  openSafetensorsShards,
  readShardIndex,
  writeSafetensors,
  type SafetensorsFile,
  type TensorToWrite,
} from '../../src/io/safetensors.js';
import { thrownBy } from '../helpers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixturesDir = process.env.REPRISE_FIXTURES ?? path.resolve(repoRoot, '../shared/fixtures/reference');

let dir: string;
let counter = 0;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-safetensors-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh path in the temp dir. */
function tmpPath(ext = '.safetensors'): string {
  counter++;
  return path.join(dir, `t${counter}${ext}`);
}

/** Writes a file from a raw header (object, JSON text or bytes) and data bytes. */
function rawFile(
  header: object | string | Uint8Array,
  data: Uint8Array = new Uint8Array(0),
  options: { lengthField?: bigint; extra?: Uint8Array } = {},
): string {
  const bytes =
    header instanceof Uint8Array
      ? header
      : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(options.lengthField ?? BigInt(bytes.length));
  const p = tmpPath();
  fs.writeFileSync(p, Buffer.concat([prefix, bytes, data, options.extra ?? new Uint8Array(0)]));
  return p;
}

const thrown = thrownBy;

/** Asserts `fn` throws a SafetensorsError for `file` (and `tensor`), with `message` in it. */
function expectFormatError(fn: () => unknown, file: string, tensor: string | undefined, message: RegExp): SafetensorsError {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(SafetensorsError);
  const e = err as SafetensorsError;
  expect(e.code).toBe('SAFETENSORS_INVALID');
  expect(e.file).toBe(file);
  expect(e.tensor).toBe(tensor);
  expect(e.message).toContain(file);
  if (tensor !== undefined) expect(e.message).toContain(`"${tensor}"`);
  expect(e.message).toMatch(message);
  return e;
}

function expectOpenError(file: string, tensor: string | undefined, message: RegExp): SafetensorsError {
  return expectFormatError(() => openSafetensors(file), file, tensor, message);
}

function withFile<T>(p: string, fn: (f: SafetensorsFile) => T): T {
  const f = openSafetensors(p);
  try {
    return fn(f);
  } finally {
    f.close();
  }
}

const f32 = (n: number): object => ({ dtype: 'F32', shape: [n], data_offsets: [0, 4 * n] });

describe('writeSafetensors / openSafetensors round trip', () => {
  it('round-trips F32, F16, BF16 and I64 tensors, a scalar and zero-size tensors', () => {
    const p = tmpPath();
    const f16Values = new Float32Array([1, -2.5, 65504, 1 + 2 ** -11, 2 ** -24, Infinity]);
    const bf16Values = new Float32Array([1, 3.14159, -1e30, 1 + 3 * 2 ** -8]);
    const tensors: TensorToWrite[] = [
      { name: 'w', dtype: 'F32', shape: [2, 3], data: new Float32Array([1, 2, 3, -4, 0.1, 1e-40]) },
      { name: 'scalar', dtype: 'F32', shape: [], data: new Float32Array([3.5]) },
      { name: 'empty', dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
      { name: 'h', dtype: 'F16', shape: [6], data: f16Values },
      { name: 'hbits', dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0xc000]) },
      { name: 'hempty', dtype: 'F16', shape: [3, 0], data: new Uint16Array(0) },
      { name: 'b', dtype: 'BF16', shape: [2, 2], data: bf16Values },
      { name: 'ids', dtype: 'I64', shape: [3], data: new BigInt64Array([0n, -5n, 2n ** 62n]) },
      { name: 'raw', dtype: 'F32', shape: [1], data: new Uint8Array(new Float32Array([7]).buffer) },
    ];
    const metadata = Object.fromEntries([
      ['format', 'pt'],
      ['__proto__', 'stays a plain key'],
    ]);
    writeSafetensors(p, tensors, metadata);

    const bytes = fs.readFileSync(p);
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    expect(bytes.subarray(8, 8 + n).toString('utf8')).toMatch(/^\{"__metadata__":\{"format":"pt".*\} *$/);

    withFile(p, (f) => {
      expect(f.names()).toEqual(tensors.map((t) => t.name));
      expect(f.metadata['format']).toBe('pt');
      expect(Object.getOwnPropertyDescriptor(f.metadata, '__proto__')?.value).toBe('stays a plain key');
      expect(f.info('w')).toEqual({ name: 'w', dtype: 'F32', shape: [2, 3] });
      expect(f.info('scalar')).toEqual({ name: 'scalar', dtype: 'F32', shape: [] });
      expect(f.info('nope')).toBeUndefined();
      expect([...f.readFloat32('w')]).toEqual([...new Float32Array([1, 2, 3, -4, 0.1, 1e-40])]);
      expect([...f.readFloat32('scalar')]).toEqual([3.5]);
      expect(f.readFloat32('empty').length).toBe(0);
      expect([...f.readFloat32('h')]).toEqual([...f16Values].map((x) => float16ToFloat32(float32ToFloat16(x))));
      expect([...f.readFloat32('h')]).toEqual([1, -2.5, 65504, 1, 2 ** -24, Infinity]);
      expect([...new Uint16Array(f.readRaw('hbits').buffer)]).toEqual([0x3c00, 0xc000]);
      expect([...f.readFloat32('hbits')]).toEqual([1, -2]);
      expect(f.readFloat32('hempty').length).toBe(0);
      expect(f.info('hempty')?.shape).toEqual([3, 0]);
      const b = f.readFloat32('b');
      expect([...new Uint16Array(f.readRaw('b').buffer)]).toEqual([...bf16Values].map(float32ToBFloat16));
      expect(b[0]).toBe(1);
      expect(b[3]).toBe(1 + 4 * 2 ** -8); // tie rounded to even
      expect([...f.readBigInt64('ids')]).toEqual([0n, -5n, 2n ** 62n]);
      expect([...f.readFloat32('raw')]).toEqual([7]);
      expect(f.entry('w')).toMatchObject({ dtype: 'F32', begin: 0, end: 24, numel: 6 });
    });
  });

  it('gives a stable id that changes with the header', () => {
    const a = tmpPath();
    const b = tmpPath();
    writeSafetensors(a, [{ name: 'x', dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }]);
    writeSafetensors(b, [{ name: 'x', dtype: 'F32', shape: [1, 2], data: new Float32Array([1, 2]) }]);
    const idA = withFile(a, (f) => f.id);
    expect(idA).toMatch(/^[0-9a-f]{64}$/);
    expect(withFile(a, (f) => f.id)).toBe(idA);
    expect(withFile(b, (f) => f.id)).not.toBe(idA);
  });

  it('reads tensors at offsets that are not 4-byte aligned', () => {
    // Unpadded odd-length header, then a 3-byte U8 tensor: the F32 data starts at an odd position.
    const header = JSON.stringify({
      u: { dtype: 'U8', shape: [3], data_offsets: [0, 3] },
      x: { dtype: 'F32', shape: [2], data_offsets: [3, 11] },
    });
    const h = header.length % 2 === 0 ? `${header} ` : header;
    const data = new Uint8Array(11);
    data.set([9, 8, 7]);
    data.set(new Uint8Array(new Float32Array([1.25, -3]).buffer), 3);
    const p = rawFile(h, data);
    withFile(p, (f) => {
      expect((f.dataStart + 3) % 4).not.toBe(0);
      expect([...f.readFloat32('x')]).toEqual([1.25, -3]);
      expect([...f.readRaw('u')]).toEqual([9, 8, 7]);
    });
  });

  it('widens a large F16 tensor read in several chunks', () => {
    const p = tmpPath();
    const n = 3_000_000;
    const bits = new Uint16Array(n);
    for (let i = 0; i < n; i++) bits[i] = (i * 7919) & 0x7bff;
    writeSafetensors(p, [{ name: 'big', dtype: 'F16', shape: [n], data: bits }]);
    withFile(p, (f) => {
      const x = f.readFloat32('big');
      expect(x.length).toBe(n);
      for (const i of [0, 1, 2_097_151, 2_097_152, n - 1]) expect(x[i]).toBe(float16ToFloat32(bits[i] as number));
    });
  });

  it('accepts an empty file with no tensors', () => {
    const p = tmpPath();
    writeSafetensors(p, []);
    withFile(p, (f) => {
      expect(f.names()).toEqual([]);
      expect(f.size).toBe(16);
    });
  });
});

describe('reference fixture', () => {
  it('reads the vae-tiny weights (or a generated file when the fixtures are absent)', () => {
    const vae = path.join(fixturesDir, 'vae-tiny', 'diffusion_pytorch_model.safetensors');
    let file = vae;
    let expected: Record<string, number[]> = {
      'decoder.conv_in.weight': [64, 4, 3, 3],
      'encoder.conv_in.weight': [32, 3, 3, 3],
      'quant_conv.weight': [8, 8, 1, 1],
      'post_quant_conv.weight': [4, 4, 1, 1],
      'decoder.conv_in.bias': [64],
    };
    if (!fs.existsSync(vae)) {
      console.log('fixtures absent: skipped fixture read');
      file = tmpPath();
      writeSafetensors(
        file,
        [
          { name: 'decoder.conv_in.bias', dtype: 'F32', shape: [4], data: new Float32Array([0.5, 1, 2, 3]) },
          { name: 'decoder.conv_in.weight', dtype: 'F32', shape: [4, 1, 3, 3], data: new Float32Array(36) },
        ],
        { format: 'pt' },
      );
      expected = { 'decoder.conv_in.bias': [4], 'decoder.conv_in.weight': [4, 1, 3, 3] };
    }
    withFile(file, (f) => {
      const names = f.names();
      expect(new Set(names).size).toBe(names.length);
      expect(names.length).toBeGreaterThanOrEqual(Object.keys(expected).length);
      expect(f.metadata['format']).toBe('pt');
      for (const [name, shape] of Object.entries(expected)) {
        expect(f.info(name)).toEqual({ name, dtype: 'F32', shape });
      }
      let total = 0;
      for (const name of names) {
        const x = f.readFloat32(name);
        const numel = (f.info(name)?.shape ?? []).reduce((a, b) => a * b, 1);
        expect(x.length).toBe(numel);
        expect(x.every((v) => Number.isFinite(v))).toBe(true);
        total += x.byteLength;
      }
      expect(f.dataStart + total).toBe(f.size);
      const bias = f.readFloat32('decoder.conv_in.bias');
      if (file === vae) {
        expect(names.length).toBe(156);
        expect([...bias.slice(0, 2)]).toEqual([0.12976312637329102, 0.12513728439807892]);
      } else {
        expect([...bias]).toEqual([0.5, 1, 2, 3]);
      }
    });
  });
});

describe('openSafetensors validation', () => {
  it('rejects a file shorter than 8 bytes', () => {
    const p = tmpPath();
    fs.writeFileSync(p, new Uint8Array(5));
    expectOpenError(p, undefined, /5 bytes, shorter than the 8-byte header length/);
  });

  it('rejects a header length above 100 MB', () => {
    expectOpenError(rawFile('{}', undefined, { lengthField: 100_000_001n }), undefined, /header length 100000001 exceeds/);
    expectOpenError(rawFile('{}', undefined, { lengthField: 2n ** 64n - 1n }), undefined, /exceeds the limit/);
  });

  it('rejects a header that runs past the end of the file', () => {
    expectOpenError(rawFile('{}', undefined, { lengthField: 64n }), undefined, /truncated: the header needs 72 bytes but the file has 10/);
  });

  it('rejects a truncated file', () => {
    const p = tmpPath();
    writeSafetensors(p, [{ name: 'x', dtype: 'F32', shape: [4], data: new Float32Array(4) }]);
    fs.truncateSync(p, fs.statSync(p).size - 3);
    expectOpenError(p, undefined, /file is truncated: header and tensor data need \d+ bytes but the file has \d+/);
  });

  it('rejects trailing bytes after the last tensor', () => {
    const p = rawFile({ x: f32(1) }, new Uint8Array(4), { extra: new Uint8Array(3) });
    expectOpenError(p, undefined, /3 trailing bytes/);
  });

  it('rejects a header that is not UTF-8', () => {
    const bytes = new TextEncoder().encode('{"a\u00e9":{}}');
    const bad = new Uint8Array([...bytes.subarray(0, 3), 0xff, ...bytes.subarray(5)]);
    expectOpenError(rawFile(bad), undefined, /not valid UTF-8/);
  });

  it('rejects invalid JSON and a non-object header', () => {
    expectOpenError(rawFile('{"x":'), 'x', /not valid JSON: unexpected end of header/);
    expectOpenError(rawFile('{"x":{"dtype":"F32","shape":[],"data_offsets":[0,4],}}'), 'x', /not valid JSON/);
    expectOpenError(rawFile('{} x'), undefined, /not valid JSON: unexpected data after/);
    expectOpenError(rawFile('\ufeff{}'), undefined, /not valid JSON/);
    expectOpenError(rawFile(''), undefined, /not valid JSON/);
    expectOpenError(rawFile('[1,2]'), undefined, /must be a JSON object/);
  });

  it('rejects __metadata__ that is not a map of strings', () => {
    expectOpenError(rawFile({ __metadata__: { format: 'pt', n: 1 } }), undefined, /__metadata__ value of "n" must be a string/);
    expectOpenError(rawFile({ __metadata__: ['pt'] }), undefined, /__metadata__ must be an object/);
  });

  it('rejects an unknown dtype (case-sensitive)', () => {
    const e = expectOpenError(rawFile({ t: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }), 't', /unknown dtype "F128"/);
    expect(e.hint).toMatch(/BF16/);
    expectOpenError(rawFile({ t: { dtype: 'f32', shape: [1], data_offsets: [0, 4] } }), 't', /unknown dtype "f32"/);
    expectOpenError(rawFile({ t: { dtype: 4, shape: [1], data_offsets: [0, 4] } }), 't', /dtype must be a string/);
  });

  it('rejects a bad shape', () => {
    expectOpenError(rawFile({ t: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }), 't', /shape\[0\] is negative/);
    expectOpenError(rawFile({ t: { dtype: 'F32', shape: [2, 1.5], data_offsets: [0, 12] } }), 't', /shape\[1\] is not an integer/);
    expectOpenError(rawFile('{"t":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}'), 't', /not an integer \(1\.0\)/);
    expectOpenError(rawFile({ t: { dtype: 'F32', shape: ['2'], data_offsets: [0, 8] } }), 't', /shape\[0\] must be a non-negative integer/);
    expectOpenError(rawFile({ t: { dtype: 'F32', shape: 2, data_offsets: [0, 8] } }), 't', /shape must be an array/);
    expectOpenError(rawFile({ t: { dtype: 'F32', shape: [2 ** 53], data_offsets: [0, 8] } }), 't', /too large/);
  });

  it('rejects bad data_offsets', () => {
    expectOpenError(rawFile({ t: { dtype: 'F32', shape: [1], data_offsets: [0] } }), 't', /data_offsets must be \[begin, end\]/);
    expectOpenError(rawFile({ t: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }), 't', /begin 4 is after end 0/);
  });

  it('rejects a byte range that does not match shape × dtype size (overflow-safe)', () => {
    expectOpenError(rawFile({ t: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 24] } }, new Uint8Array(24)), 't', /cover 24 bytes but shape \[2, 3\] of F16 \(2 bytes each\) needs 12 bytes/);
    const huge = 2 ** 52;
    expectOpenError(rawFile({ t: { dtype: 'F64', shape: [huge, huge], data_offsets: [0, 8] } }), 't', /needs \d{20,} bytes/);
  });

  it('rejects a gap, an overlap and data that does not start at 0', () => {
    const gap = rawFile({ a: f32(1), b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, new Uint8Array(12));
    expectOpenError(gap, 'b', /leaves a gap of 4 bytes after tensor "a"/);
    const overlap = rawFile({ a: f32(2), b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8));
    expectOpenError(overlap, 'b', /overlaps tensor "a"/);
    const same = rawFile({ a: f32(1), b: f32(1) }, new Uint8Array(8));
    expectOpenError(same, 'b', /overlaps tensor "a"/);
    const late = rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8));
    expectOpenError(late, 'a', /data starts at byte 4; the first tensor must start at 0/);
  });

  it('accepts zero-size tensors anywhere in the data', () => {
    const p = rawFile(
      {
        z0: { dtype: 'F32', shape: [0], data_offsets: [0, 0] },
        a: f32(1),
        z1: { dtype: 'BF16', shape: [2, 0], data_offsets: [4, 4] },
        z2: { dtype: 'I64', shape: [0], data_offsets: [4, 4] },
      },
      new Uint8Array(4),
    );
    withFile(p, (f) => expect(f.names()).toEqual(['z0', 'a', 'z1', 'z2']));
  });

  it('rejects duplicate tensor names and duplicate keys', () => {
    const dup = rawFile(
      '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
      new Uint8Array(8),
    );
    expectOpenError(dup, 'a', /duplicate tensor name/);
    const dupKey = rawFile('{"a":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4));
    expectOpenError(dupKey, 'a', /duplicate key "dtype"/);
    const dupEscaped = rawFile('{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"\\u0061":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}');
    expectOpenError(dupEscaped, 'a', /duplicate tensor name/);
  });

  it('rejects unknown and missing keys in a tensor entry', () => {
    expectOpenError(rawFile({ t: { ...f32(1), offsets: 1 } }, new Uint8Array(4)), 't', /unknown key "offsets"/);
    expectOpenError(rawFile({ t: { dtype: 'F32', data_offsets: [0, 4] } }, new Uint8Array(4)), 't', /shape must be an array/);
    expectOpenError(rawFile({ t: [1] }), 't', /entry must be an object/);
  });

  it('refuses pickle checkpoints with a conversion hint', () => {
    for (const ext of ['.ckpt', '.bin', '.pt', '.pth', '.PT']) {
      const p = tmpPath(ext);
      fs.writeFileSync(p, 'not read');
      const e = expectOpenError(p, undefined, /pickle checkpoints .* are never read/);
      expect(e.hint).toMatch(/safe_serialization=True/);
      expect(e.hint).toMatch(/convert/);
    }
  });

  it('turns I/O failures into SAFETENSORS_IO errors naming the path', () => {
    const missing = path.join(dir, 'missing.safetensors');
    const e = thrown(() => openSafetensors(missing));
    expect(e).toBeInstanceOf(RepriseError);
    expect(e).not.toBeInstanceOf(SafetensorsError);
    expect((e as RepriseError).code).toBe('SAFETENSORS_IO');
    expect((e as RepriseError).message).toContain(missing);
    expect((e as RepriseError).message).toContain('ENOENT');
    expect((e as RepriseError).hint).toMatch(/Check the path/);
    const d = thrown(() => openSafetensors(dir));
    expect((d as RepriseError).code).toBe('SAFETENSORS_IO');
    expect((d as RepriseError).hint).toMatch(/directory/);
  });
});

describe('SafetensorsFile reads', () => {
  it('reports a missing tensor as WeightsError', () => {
    const p = tmpPath();
    writeSafetensors(p, [{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array([1]) }]);
    withFile(p, (f) => {
      for (const read of [() => f.readFloat32('y'), () => f.readRaw('y'), () => f.readBigInt64('y')]) {
        const e = thrown(read);
        expect(e).toBeInstanceOf(WeightsError);
        expect((e as WeightsError).code).toBe('WEIGHTS_MISSING');
        expect((e as WeightsError).tensor).toBe('y');
        expect((e as WeightsError).message).toContain(p);
      }
    });
  });

  it('rejects reading a tensor as the wrong kind', () => {
    const p = tmpPath();
    writeSafetensors(p, [
      { name: 'ids', dtype: 'I64', shape: [1], data: new BigInt64Array([1n]) },
      { name: 'x', dtype: 'F32', shape: [1], data: new Float32Array([1]) },
    ]);
    withFile(p, (f) => {
      const e = thrown(() => f.readFloat32('ids'));
      expect(e).toBeInstanceOf(WeightsError);
      expect((e as WeightsError).code).toBe('WEIGHTS_FORMAT');
      expect((e as WeightsError).tensor).toBe('ids');
      expect((e as WeightsError).message).toMatch(/is I64/);
      const g = thrown(() => f.readBigInt64('x'));
      expect(g).toBeInstanceOf(WeightsError);
      expect((g as WeightsError).message).toMatch(/is F32, not I64/);
    });
  });

  it('rejects a known but unsupported dtype at read time, naming it', () => {
    const p = rawFile({ d: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(new Float64Array([2]).buffer));
    withFile(p, (f) => {
      expect(f.names()).toEqual(['d']);
      expectFormatError(() => f.readFloat32('d'), p, 'd', /dtype F64 is not supported/);
      expectFormatError(() => f.info('d'), p, 'd', /dtype F64 is not supported/);
      expect(new Float64Array(f.readRaw('d').buffer)[0]).toBe(2);
      expect(f.entry('d')?.dtype).toBe('F64');
    });
  });

  it('fails cleanly after close', () => {
    const p = tmpPath();
    writeSafetensors(p, [{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array([1]) }]);
    const f = openSafetensors(p);
    f.close();
    f.close();
    const e = thrown(() => f.readFloat32('x'));
    expect((e as RepriseError).code).toBe('SAFETENSORS_IO');
    expect((e as RepriseError).message).toMatch(/closed/);
  });

  it('detects a file truncated after it was opened', () => {
    const p = tmpPath();
    writeSafetensors(p, [{ name: 'x', dtype: 'F32', shape: [4], data: new Float32Array(4) }]);
    withFile(p, (f) => {
      fs.truncateSync(p, f.dataStart + 6);
      expectFormatError(() => f.readFloat32('x'), p, 'x', /truncated after it was opened/);
    });
  });
});

describe('writers', () => {
  const listDir = (d: string): string[] => fs.readdirSync(d);

  it('validates data length against the shape and leaves no file on failure', () => {
    const sub = fs.mkdtempSync(path.join(dir, 'w-'));
    const p = path.join(sub, 'out.safetensors');
    expectFormatError(
      () => writeSafetensors(p, [{ name: 'x', dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }]),
      p,
      'x',
      /data has 3 elements but shape \[2, 2\] of F32 needs 4/,
    );
    expectFormatError(
      () => writeSafetensors(p, [{ name: 'x', dtype: 'I64', shape: [1], data: new Float32Array(1) }]),
      p,
      'x',
      /I64 data must be a BigInt64Array or Uint8Array, got Float32Array/,
    );
    expectFormatError(
      () =>
        writeSafetensors(p, [
          { name: 'x', dtype: 'F32', shape: [1], data: new Float32Array(1) },
          { name: 'x', dtype: 'F32', shape: [1], data: new Float32Array(1) },
        ]),
      p,
      'x',
      /duplicate tensor name/,
    );
    expectFormatError(
      () => writeSafetensors(p, [{ name: 'x', dtype: 'F32', shape: [-1], data: new Float32Array(0) }]),
      p,
      'x',
      /non-negative integers/,
    );
    expect(listDir(sub)).toEqual([]);
  });

  it('streams tensors in header order and renames on close', () => {
    const sub = fs.mkdtempSync(path.join(dir, 'w-'));
    const p = path.join(sub, 'stream.safetensors');
    const w = createSafetensorsWriter(
      p,
      [
        { name: 'a', dtype: 'F32', shape: [2] },
        { name: 'b', dtype: 'BF16', shape: [3] },
      ],
      { note: 'streamed' },
    );
    expect(fs.existsSync(p)).toBe(false);
    expectFormatError(() => w.write('b', new Float32Array(3)), p, 'b', /expected "a" next/);
    w.write('a', new Float32Array([1, 2]));
    w.write('b', new Float32Array([1, 2, 3]));
    expect(fs.existsSync(p)).toBe(false);
    w.close();
    expect(listDir(sub)).toEqual(['stream.safetensors']);
    withFile(p, (f) => {
      expect(f.metadata).toEqual({ note: 'streamed' });
      expect([...f.readFloat32('b')]).toEqual([1, 2, 3]);
    });
    expect((thrown(() => w.write('a', new Float32Array(2))) as RepriseError).code).toBe('SAFETENSORS_IO');
  });

  it('abort() deletes the temporary file and leaves no output', () => {
    const sub = fs.mkdtempSync(path.join(dir, 'w-'));
    const p = path.join(sub, 'aborted.safetensors');
    const w = createSafetensorsWriter(p, [
      { name: 'a', dtype: 'F16', shape: [4] },
      { name: 'b', dtype: 'F16', shape: [4] },
    ]);
    w.write('a', new Float32Array(4));
    expect(listDir(sub)).toHaveLength(1);
    expect(listDir(sub)[0]).toMatch(new RegExp(`^\\.aborted\\.safetensors\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
    w.abort();
    w.abort();
    expect(listDir(sub)).toEqual([]);
    expect((thrown(() => w.close()) as RepriseError).code).toBe('SAFETENSORS_IO');
  });

  it('close() before every tensor is written fails and leaves no file', () => {
    const sub = fs.mkdtempSync(path.join(dir, 'w-'));
    const p = path.join(sub, 'short.safetensors');
    const w = createSafetensorsWriter(p, [
      { name: 'a', dtype: 'F32', shape: [1] },
      { name: 'b', dtype: 'F32', shape: [1] },
    ]);
    w.write('a', new Float32Array(1));
    expectFormatError(() => w.close(), p, 'b', /closed before every tensor was written \(1 missing\)/);
    expect(listDir(sub)).toEqual([]);
  });

  it('reports a missing destination folder as SAFETENSORS_IO', () => {
    const p = path.join(dir, 'no-such-dir', 'x.safetensors');
    const e = thrown(() => writeSafetensors(p, []));
    expect((e as RepriseError).code).toBe('SAFETENSORS_IO');
    expect((e as RepriseError).message).toContain(p);
  });
});

describe('sharded sources', () => {
  function shards(): { sub: string; a: string; b: string } {
    const sub = fs.mkdtempSync(path.join(dir, 'shards-'));
    const a = path.join(sub, 'model-00001-of-00002.safetensors');
    const b = path.join(sub, 'model-00002-of-00002.safetensors');
    writeSafetensors(a, [{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array([1]) }]);
    writeSafetensors(b, [
      { name: 'y', dtype: 'F16', shape: [1], data: new Float32Array([2]) },
      { name: 'ids', dtype: 'I64', shape: [1], data: new BigInt64Array([9n]) },
    ]);
    return { sub, a, b };
  }

  it('combines shards listed by an index file', () => {
    const { sub, a, b } = shards();
    const index = path.join(sub, 'model.safetensors.index.json');
    fs.writeFileSync(
      index,
      JSON.stringify({
        metadata: { total_size: 14 },
        weight_map: { y: path.basename(b), x: path.basename(a), ids: path.basename(b) },
      }),
    );
    const paths = readShardIndex(index);
    expect(paths).toEqual([a, b]);
    const src = openSafetensorsShards(paths);
    try {
      expect(src.names()).toEqual(['x', 'y', 'ids']);
      expect([...src.readFloat32('x')]).toEqual([1]);
      expect([...src.readFloat32('y')]).toEqual([2]);
      expect([...src.readBigInt64('ids')]).toEqual([9n]);
      expect(src.info('y')).toEqual({ name: 'y', dtype: 'F16', shape: [1] });
      expect(src.fileOf('y')?.path).toBe(b);
      expect(src.id).toMatch(/^[0-9a-f]{64}$/);
      const e = thrown(() => src.readFloat32('z'));
      expect(e).toBeInstanceOf(WeightsError);
      expect((e as WeightsError).tensor).toBe('z');
    } finally {
      src.close();
    }
  });

  it('rejects a tensor present in two shards', () => {
    const { sub, a } = shards();
    const c = path.join(sub, 'extra.safetensors');
    writeSafetensors(c, [{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array([5]) }]);
    const e = expectFormatError(() => openSafetensorsShards([a, c]), c, 'x', /also in shard/);
    expect(e.message).toContain(a);
  });

  it('rejects a malformed index', () => {
    const { sub } = shards();
    const index = path.join(sub, 'bad.index.json');
    fs.writeFileSync(index, JSON.stringify({ metadata: {} }));
    expectFormatError(() => readShardIndex(index), index, undefined, /no "weight_map"/);
    fs.writeFileSync(index, JSON.stringify({ weight_map: { x: '../elsewhere.safetensors' } }));
    expectFormatError(() => readShardIndex(index), index, 'x', /leaves the index's folder/);
    fs.writeFileSync(index, '{');
    expectFormatError(() => readShardIndex(index), index, undefined, /not valid JSON/);
    expect((thrown(() => openSafetensorsShards([])) as RepriseError).code).toBe('SAFETENSORS_IO');
  });
});
