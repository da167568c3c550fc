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
export type { InitializerData, InitializerRecord, NodeRecord, NodeOptions, ValueInfoRecord, StoredTensor } from './onnx/graph-builder.js';
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

export { DEVICES, deviceStatus, resolveDevice, parseDevice, resolveDeviceSpec, formatDevice, cudaProviderPath } from './runtime/device.js';
export type { Device, DeviceSpec, DeviceStatus } from './runtime/device.js';
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

// Solvers, inversion, attention control, editing.
export * as solvers from './solvers/index.js';
export {
  INVERSION_METHODS,
  INVERSION_DEFAULTS,
  inversionOptionsSchema,
  samplingPlanFromConfig,
  unetBranchPredictor,
  invertDdim,
  sampleDdim,
  invertEfDdpm,
  sampleEfDdpm,
  invertBdia,
  sampleBdia,
  invertBelm,
  sampleBelm,
  belmCoefficients,
  sigmaBar,
  invertEdict,
  sampleEdict,
  invertDdcm,
  sampleDdcm,
  invertNegativePrompt,
  sampleNegativePrompt,
  negativePromptConditioning,
  INVERSION_SPECS,
  GENERATION_METHODS,
  inversionMethods,
  getInversionMethod,
  findInversionMethod,
  isInversionMethod,
  defineInversionMethod,
  canGenerate,
  ATTENTION_CONTROLS,
  optionFacts,
  rangeText,
  resolveSpecOptions,
  ddimMethod,
  efDdpmMethod,
  bdiaMethod,
  belmMethod,
  edictMethod,
  ddcmMethod,
  negativePromptMethod,
} from './inversion/index.js';
export type { BranchConditioning, BranchPrediction, BranchPredict, SamplingPlan, InversionMethod, InversionOptions, ResolvedInversionOptions, InversionDefaults, MethodOptionsShape, KebabToCamel } from './inversion/index.js';
export type {
  InversionSpec,
  AnyInversionSpec,
  RegisteredInversionSpec,
  InversionSpecOf,
  OptionsShapeOf,
  LatentsOf,
  OptionSchema,
  OptionsShape,
  OptionsSchema,
  OptionsInputOf,
  ResolvedOptionsOf,
  RecordTensor,
  RecordLayout,
  GenerationStart,
  AttentionControlName,
  OptionProblem,
  OptionFacts,
} from './inversion/index.js';
export { invert, reconstructLatent, sampleBranches, recordPlan } from './inversion/reconstruct.js';
export type { InversionMeta, PredictorFactory, SamplingOverrides } from './inversion/reconstruct.js';
export { saveInversion, loadInversion, checkInversion, INVERSION_FORMAT, INVERSION_FORMAT_VERSION } from './inversion/record.js';
export type { Inversion, InversionLatents, InversionPrompts, InversionSchedule, PixelResidual, InversionExpectation } from './inversion/record.js';
export type { StepEndHook } from './inversion/types.js';

export * from './attention/alignment/index.js';
export { ControlledUnetModel, attentionLayerInfo } from './attention/controlled-unet.js';
export type { AttentionLayerInfo, ControlTensors, UnetPlace } from './attention/controlled-unet.js';
export { attentionControlFactory, controlledLayerIndex, CONTROL_INPUTS } from './attention/controlled-graph.js';
export type { ControlledGraphOptions, ControlledLayerIndex } from './attention/controlled-graph.js';
export type { ModelUnets } from './attention/unified-unet.js';
export { stepControlTensors } from './attention/step-controls.js';
export type { AttentionPlan, LayerSelection } from './attention/step-controls.js';
export { AttentionStore } from './attention/store.js';
export type { AttentionStoreOptions, TokenMaps } from './attention/store.js';
export { localBlendMasks, applyLocalBlend, blendInPlace } from './attention/local-blend.js';
export type { LocalBlendOptions, UserMask, MapSize } from './attention/local-blend.js';
export { tokenHeatmaps, heatmapGrid } from './attention/heatmaps.js';
export type { TokenHeatmap } from './attention/heatmaps.js';

export { Pipeline } from './editing/pipeline.js';
export type { Progress, CallOptions, EditResult, AttentionMapsResult } from './editing/pipeline.js';
export { DiffusionModel } from './editing/model.js';
export type { ModelLoadOptions } from './editing/model.js';
export { invertOptionsSchema, editOptionsSchema, generateOptionsSchema, attentionOptionsSchema, resizeSchema } from './editing/options.js';
export type { InvertOptions, EditOptions, GenerateOptions, AttentionOptions } from './editing/options.js';
export { runEditLoop } from './editing/edit-loop.js';
export type { EditLoopArgs, EditLoopResult, LocalBlendRun } from './editing/edit-loop.js';
export { sampleWithScheduler } from './editing/scheduler-sampling.js';
export { fitDcRatios, searchDcRatios, dcConfig, dcFitOptionsSchema } from './editing/fit/dc-fit.js';
export type { DcFit, DcFitOptions, FitProgress } from './editing/fit/dc-fit.js';
export { saveDcFit, dcRatiosFor, dcFitKey } from './editing/fit/dc-store.js';
export type { DcRatios, SavedDcFit } from './editing/fit/dc-store.js';
export { FIT_KINDS, fitKind, dcFitKind, v3FitKind } from './editing/fit/kinds.js';
export type { SolverFitKind, SolverFitReport, SolverFitProgress } from './editing/fit/kinds.js';
export { prepareTrajectories, ddimReference, referenceAt, runSolver, meanMse, fitPrompts, epsScheduler, epsAt, DEFAULT_FIT_PROMPTS } from './editing/fit/trajectories.js';
export type { Trajectories, Reference } from './editing/fit/trajectories.js';
export { solverFitDir, solverFitFile, saveSolverFit, loadSolverFit, listSolverFits, SOLVER_FIT_FORMAT } from './runtime/solver-fit-cache.js';
export type { StoredSolverFit } from './runtime/solver-fit-cache.js';
export type { SchedulerSamplingOptions } from './editing/scheduler-sampling.js';
export { fitV3, v3FitOptionsSchema, V3_DEFAULT_PROMPTS } from './editing/fit/v3-fit.js';
export type { V3Fit, V3FitOptions, V3FitProgress } from './editing/fit/v3-fit.js';
export { loadV3Statistics, saveV3Statistics, withSolverStatistics, v3StatisticsDir, v3StatisticsFile, V3StatisticsMissingError, V3_FIT_COMMAND, V3_STATISTICS_FORMAT } from './editing/fit/v3-store.js';
export type { V3StatisticsKey, V3StatisticsInfo } from './editing/fit/v3-store.js';
export { computeV3Statistics, smoothedDerivative } from './solvers/v3-ems.js';
export type { BatchEps, V3EmsOptions } from './solvers/v3-ems.js';
export * from './editing/batch/index.js';
export { writeRandomModel, SD1_SCHEDULER_CONFIG } from './models/random-model.js';
export type { RandomModelOptions } from './models/random-model.js';

export * from './io/image/index.js';
export { runDoctor } from './runtime/doctor.js';
export type { DoctorCheck } from './runtime/doctor.js';
export { installCudaProvider, CUDA13_PACKAGE } from './runtime/cuda-install.js';
export type { DdimLatents, DdimParams, EfDdpmLatents, EfDdpmParams, BdiaLatents, BdiaParams, BelmLatents, BelmParams, BelmCoefficients, EdictLatents, EdictParams, DdcmLatents, DdcmParams } from './inversion/index.js';
export type { NegativePromptParams } from './inversion/negative-prompt.js';
export { reconstructionConditioning } from './inversion/reconstruct.js';
export type { AttentionControl, AttentionSite } from './models/nn.js';
export type { DecodeOptions as ImageDecodeOptions, EncodeOptions as ImageEncodeOptions } from './io/image/types.js';
