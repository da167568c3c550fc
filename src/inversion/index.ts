/**
 * Inversion methods (docs/design.md §4): one file per method, each with `invertX(plan, predict, z0,
 * options)` and `sampleX(plan, latents, predict, branches, options)`; the `Inversion` record and
 * its file format; dispatch by method (`invert`, `reconstructLatent`, `sampleBranches`).
 */
export type { BranchConditioning, BranchPrediction, BranchPredict, SamplingPlan, InversionMethod } from './types.js';
export { unetBranchPredictor, stackBranches, guideBranches } from './predictor.js';
export { samplingPlanFromConfig, planSchedulerClass, planSchedulerConfig, scheduleDifference } from './plan.js';
export { INVERSION_METHODS, INVERSION_DEFAULTS, inversionOptionsSchema, resolveInversionOptions, resolveMethodOptions } from './options.js';
export type { InversionOptions, ResolvedInversionOptions, InversionDefaults, MethodOptionsShape, KebabToCamel } from './options.js';
export { INVERSION_SPECS, GENERATION_METHODS, inversionMethods, getInversionMethod, findInversionMethod, isInversionMethod, methodChoices } from './registry.js';
export type { RegisteredInversionSpec, InversionSpecOf, OptionsShapeOf, LatentsOf } from './registry.js';
export { ATTENTION_CONTROLS, canGenerate, defineInversionMethod } from './spec.js';
export type { AnyInversionSpec, AttentionControlName, GenerationStart, InversionSpec, OptionProblem, OptionSchema, OptionsInputOf, OptionsSchema, OptionsShape, RecordLayout, RecordTensor, ResolvedOptionsOf } from './spec.js';
export { optionFacts, optionsHint, rangeText, resolveSpecOptions, seedOption } from './method-options.js';
export type { OptionFacts } from './method-options.js';
export { invertDdim, sampleDdim, ddimMethod } from './ddim.js';
export type { DdimLatents, DdimParams } from './ddim.js';
export { invertEfDdpm, sampleEfDdpm, efDdpmLevels, efDdpmMethod } from './ef-ddpm.js';
export type { EfDdpmLatents, EfDdpmParams } from './ef-ddpm.js';
export { invertBdia, sampleBdia, bdiaMethod } from './bdia.js';
export type { BdiaLatents, BdiaParams } from './bdia.js';
export { invertBelm, sampleBelm, belmMethod } from './belm.js';
export type { BelmLatents, BelmParams } from './belm.js';
export { belmCoefficients, sigmaBar } from './belm-step.js';
export type { BelmCoefficients } from './belm-step.js';
export { invertEdict, sampleEdict, edictMethod } from './edict.js';
export type { EdictLatents, EdictParams } from './edict.js';
export { invertDdcm, sampleDdcm, ddcmMethod } from './ddcm.js';
export type { DdcmLatents, DdcmParams } from './ddcm.js';
export { invertNegativePrompt, sampleNegativePrompt, negativePromptConditioning, negativePromptMethod } from './negative-prompt.js';
export type { NegativePromptLatents, NegativePromptParams } from './negative-prompt.js';
export { INVERSION_FORMAT, INVERSION_FORMAT_VERSION, checkInversion, loadInversion, saveInversion } from './record.js';
export type { Inversion, InversionExpectation, InversionLatents, InversionPrompts, InversionSchedule, PixelResidual } from './record.js';
export { invert, reconstructLatent, reconstructionConditioning, recordPlan, sampleBranches } from './reconstruct.js';
export type { InversionMeta, PredictorFactory, SamplingOverrides } from './reconstruct.js';
