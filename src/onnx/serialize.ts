/**
 * ONNX serialization: a whole model in memory (small graphs), or a model file plus one
 * external-data file that initializers are streamed into one tensor at a time (big graphs:
 * protobuf caps a message at 2 GiB, and streaming keeps peak memory at one tensor).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { commitTemporarySync, TEMPORARY_FILE_FLAGS, temporaryPathFor, writeFileAtomicSync } from '../util/atomic-write.js';
import { RepriseError } from '../errors.js';
import type { GraphBuilder, InitializerRecord } from './graph-builder.js';
import { onnx, type IAttributeProto, type IGraphProto, type ITensorProto, type IValueInfoProto, type ModelProto } from './proto.js';
import { elemTypeCode, elemTypeSize, type Attr, type TensorData } from './types.js';

/** ONNX IR version written (opset 21 needs IR ≥ 10). */
const IR_VERSION = 10;
/** Largest model we encode inline (protobuf's limit is 2 GiB). */
const INLINE_LIMIT = 1_800_000_000;

/** How initializers are stored. */
export type ExternalDataOption =
  | { readonly mode: 'inline' }
  | { readonly mode: 'external'; readonly thresholdBytes?: number };

function tensorBytes(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function materialize(init: InitializerRecord): TensorData {
  const data = typeof init.data === 'function' ? init.data() : init.data;
  const expected = init.dims.reduce((a, b) => a * b, 1);
  const gotBytes = data.byteLength;
  if (gotBytes !== expected * elemTypeSize[init.type]) {
    throw new RepriseError(
      'GRAPH_INVALID',
      `Initializer "${init.name}": ${gotBytes} bytes of data for shape [${init.dims.join(', ')}] of ${init.type}`,
      { hint: 'This is a bug in a graph builder or a weight transform; please report it.' },
    );
  }
  return data;
}

function encodeAttr(name: string, a: Attr): IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.kind) {
    case 'int':
      return { name, type: T.INT, i: a.value };
    case 'float':
      return { name, type: T.FLOAT, f: a.value };
    case 'ints':
      return { name, type: T.INTS, ints: [...a.value] };
    case 'floats':
      return { name, type: T.FLOATS, floats: [...a.value] };
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
  }
}

function graphProto(g: GraphBuilder, initializers: ITensorProto[]): IGraphProto {
  const valueInfo = (v: { name: string; type: keyof typeof elemTypeCode; dims: readonly (number | string)[] }): IValueInfoProto => ({
    name: v.name,
    type: {
      tensorType: {
        elemType: elemTypeCode[v.type],
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
  return {
    name: g.name,
    node: g.nodes.map((n) => ({
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      input: [...n.inputs],
      output: [...n.outputs],
      attribute: Object.entries(n.attrs).map(([k, a]) => encodeAttr(k, a)),
    })),
    initializer: initializers,
    input: g.inputs.map(valueInfo),
    output: g.outputs.map(valueInfo),
  };
}

function modelProto(g: GraphBuilder, initializers: ITensorProto[]): ModelProto {
  const opsetImport = [{ domain: '', version: g.opset }, ...g.usedDomains.map((domain) => ({ domain, version: 1 }))];
  return onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'reprise',
    producerVersion: '0.1.0',
    opsetImport,
    graph: graphProto(g, initializers),
    metadataProps: Object.entries(g.metadata).map(([key, value]) => ({ key, value })),
  });
}

/** Encodes the whole model, initializers inline, into protobuf bytes. */
export function encodeModel(g: GraphBuilder): Uint8Array {
  let total = 0;
  const inits: ITensorProto[] = g.initializers.map((init) => {
    const data = materialize(init);
    total += data.byteLength;
    if (total > INLINE_LIMIT) {
      throw new RepriseError('GRAPH_INVALID', `Graph "${g.name}" has more than ${INLINE_LIMIT} bytes of weights`, {
        hint: 'Write it with external data (writeModel with mode "external").',
      });
    }
    return { name: init.name, dims: [...init.dims], dataType: elemTypeCode[init.type], rawData: tensorBytes(data) };
  });
  return onnx.ModelProto.encode(modelProto(g, inits)).finish();
}

/** Result of writing a model to disk. */
export interface WrittenModel {
  readonly modelPath: string;
  readonly dataPath: string | undefined;
  readonly modelBytes: number;
  readonly dataBytes: number;
}

/**
 * Writes `modelPath` (and `modelPath + '.data'` for external initializers) atomically: both
 * files are written under temporary names and renamed once complete.
 */
export function writeModel(g: GraphBuilder, modelPath: string, option: ExternalDataOption = { mode: 'external' }): WrittenModel {
  fs.mkdirSync(path.dirname(modelPath), { recursive: true });
  if (option.mode === 'inline') {
    const bytes = encodeModel(g);
    writeFileAtomicSync(modelPath, bytes);
    return { modelPath, dataPath: undefined, modelBytes: bytes.byteLength, dataBytes: 0 };
  }
  const threshold = option.thresholdBytes ?? 1024;
  const dataName = `${path.basename(modelPath)}.data`;
  const dataPath = path.join(path.dirname(modelPath), dataName);
  const tmpData = temporaryPathFor(dataPath);
  const fd = fs.openSync(tmpData, TEMPORARY_FILE_FLAGS, 0o666);
  let offset = 0;
  const inits: ITensorProto[] = [];
  try {
    for (const init of g.initializers) {
      const data = materialize(init);
      const base = { name: init.name, dims: [...init.dims], dataType: elemTypeCode[init.type] };
      if (data.byteLength < threshold) {
        inits.push({ ...base, rawData: new Uint8Array(tensorBytes(data)) });
        continue;
      }
      const aligned = Math.ceil(offset / 4096) * 4096; // page-aligned so onnxruntime can mmap
      const bytes = tensorBytes(data);
      writeAllSync(fd, bytes, aligned);
      inits.push({
        ...base,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: dataName },
          { key: 'offset', value: String(aligned) },
          { key: 'length', value: String(bytes.byteLength) },
        ],
      });
      offset = aligned + bytes.byteLength;
    }
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmpData, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  const bytes = onnx.ModelProto.encode(modelProto(g, inits)).finish();
  try {
    writeFileAtomicSync(modelPath, bytes, () => commitTemporarySync(tmpData, dataPath)); // the data file is fsynced there
  } catch (e) {
    fs.rmSync(tmpData, { force: true });
    throw e;
  }
  return { modelPath, dataPath, modelBytes: bytes.byteLength, dataBytes: offset };
}

function writeAllSync(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.byteLength) {
    done += fs.writeSync(fd, bytes, done, bytes.byteLength - done, position + done);
  }
}


/** The bytes of one initializer as written to external data (lazy data is produced now; sizes checked). */
export function encodeInitializerData(init: InitializerRecord): Uint8Array {
  return tensorBytes(materialize(init));
}

/** Encodes the model with initializer protos prepared by the caller (e.g. pointing at shared external data). */
export function encodeModelWithInitializers(g: GraphBuilder, initializers: ITensorProto[]): Uint8Array {
  return onnx.ModelProto.encode(modelProto(g, initializers)).finish();
}
