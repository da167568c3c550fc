/**
 * Reprise: exact-inversion image editing with diffusion models on onnxruntime-node.
 *
 * This entry point exports the model runtime: diffusers folders → ONNX graphs built by the
 * project → onnxruntime sessions, the CLIP tokenizer, safetensors I/O, the conformance runner
 * and the seeded random generator.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export { Random } from './util/random.js';

export type { TensorInfo, WeightDType, WeightSource } from './io/weights.js';
export {
  openSafetensors,
  openSafetensorsShards,
  readShardIndex,
  writeSafetensors,
  createSafetensorsWriter,
  SafetensorsFile,
  SafetensorsShards,
} from './io/safetensors.js';
export type { SafetensorsSource, SafetensorsEntry, SafetensorsDType, SafetensorsWriter, TensorHeader, TensorToWrite, TensorData as SafetensorsTensorData } from './io/safetensors.js';
export { float16ToFloat32, float32ToFloat16, bfloat16ToFloat32, float32ToBFloat16 } from './io/float16.js';

export { GraphBuilder } from './onnx/graph-builder.js';
export type { InitializerData, InitializerRecord, NodeRecord, NodeOptions, ValueInfoRecord } from './onnx/graph-builder.js';
export { encodeModel, writeModel } from './onnx/serialize.js';
export type { ExternalDataOption, WrittenModel } from './onnx/serialize.js';
export { attr } from './onnx/types.js';
export type { Attr, Dim, ElemType, TensorData, Value } from './onnx/types.js';

export type { BuildOptions, BuiltGraph, ModelDType } from './models/build-options.js';
export type { ParamSpec, ParamTransform } from './models/params.js';
export { buildUnet } from './models/unet/build.js';
export { resolveUnetConfig, unetConfigSchema } from './models/unet/config.js';
export type { UnetConfig, UnetPlan, BlockPlan, TransformerPlan } from './models/unet/config.js';
export { buildVaeEncoder, buildVaeDecoder } from './models/vae/build.js';
export { vaeConfigSchema } from './models/vae/config.js';
export type { VaeConfig } from './models/vae/config.js';
export { buildClipTextEncoder } from './models/clip/build.js';
export { clipTextConfigSchema } from './models/clip/config.js';
export type { ClipTextConfig } from './models/clip/config.js';
export type { Activation } from './models/nn.js';
export { detectComponent, openComponentWeights } from './models/folder.js';
export type { ComponentFolder, ComponentKind } from './models/folder.js';
export { paramSpecs, randomTensor, randomWeightSource, writeRandomComponent } from './models/random-weights.js';

export { DEVICES, deviceStatus, resolveDevice, cudaProviderPath } from './runtime/device.js';
export type { Device, DeviceStatus } from './runtime/device.js';
export { ModelSession } from './runtime/session.js';
export type { HostTensor, SessionOptions } from './runtime/session.js';
export { UnetModel, VaeModel, TextEncoderModel, loadGraph } from './runtime/load.js';
export type { GraphBuildFn, LoadOptions, LoadedGraph, UnetInputs } from './runtime/load.js';
export { defaultCacheDir, graphCacheKey, getOrBuildGraph } from './runtime/graph-cache.js';
export type { CachedGraph, CachedGraphMeta } from './runtime/graph-cache.js';

export { ClipTokenizer } from './tokenizer/index.js';
export type { ClipTokenizerOptions, EncodeOptions, DecodeOptions, Encoding, WordTokens, AddedTokenSpec } from './tokenizer/index.js';

export { runConformance, discover, TOLERANCE } from './conformance/runner.js';
export type { ConformanceOptions, DiscoveredItems } from './conformance/runner.js';
export type { ConformanceResult } from './conformance/result.js';
export { maxRelativeError } from './conformance/compare.js';
