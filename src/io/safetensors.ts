/**
 * Safetensors reading and writing (https://github.com/huggingface/safetensors): a validating,
 * on-demand reader implementing `WeightSource`, sharded sources, an atomic writer and a
 * streaming writer, and the float16/bfloat16 conversions they use.
 */
export {
  DTYPE_SIZES,
  MAX_HEADER_LENGTH,
  SafetensorsFile,
  SafetensorsShards,
  isSafetensorsDType,
  openSafetensors,
  openSafetensorsShards,
  parseSafetensorsHeader,
  readShardIndex,
} from './safetensors-reader.js';
export type { SafetensorsDType, SafetensorsEntry, SafetensorsHeader, SafetensorsSource } from './safetensors-reader.js';
export { createSafetensorsWriter, writeSafetensors } from './safetensors-writer.js';
export type { SafetensorsWriter, TensorData, TensorHeader, TensorToWrite } from './safetensors-writer.js';
export {
  bfloat16ArrayToFloat32,
  bfloat16ToFloat32,
  float16ArrayToFloat32,
  float16ToFloat32,
  float32ArrayToBFloat16,
  float32ArrayToFloat16,
  float32ToBFloat16,
  float32ToFloat16,
} from './float16.js';
