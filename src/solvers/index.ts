/**
 * Solver primitives: noise schedules, timestep spacing, prediction-type conversion, CFG, and one
 * update rule per file (docs/design.md §3). Pure functions over Float32Array/Float64Array; the stateful
 * `createScheduler` wrapper and the scheduler-fixture runner sit on top.
 */
export type { FloatArray } from './arrays.js';
export { allocLike, sum, absMean } from './arrays.js';
export { schedulerConfigSchema, parseSchedulerConfig } from './config.js';
export type { SchedulerConfigInput, CommonConfig, BetaSchedule, PredictionType, TimestepSpacing, FinalSigmasType } from './config.js';
export { SOLVERS, SCHEDULER_CLASSES, SOLVER_IDS, TIME_SHIFT_SOLVER_IDS, isSchedulerClassName, specForClass, specForName } from './registry.js';
export type { SchedulerClassName, SchedulerConfig, AnySolverSpec, Registered } from './registry.js';
export { resolveSchedulerConfig, requireSpec, specOf, createNoiseSchedule, setTimesteps } from './resolve.js';
export type { SolverSpec, StepInput, TimestepPlan, ClassDefaults, Supports, TimeShiftSupport } from './spec.js';
export { timeShiftSchema, sampleVariance, shiftedTimestep, timeShiftTarget, shiftPlan, requireTimeShift } from './time-shift.js';
export type { TimeShiftOptions, TimeShiftStep } from './time-shift.js';
export type { DdimConfig } from './families/ddim.js';
export type { DdimInverseConfig } from './families/ddim-inverse.js';
export type { DdpmConfig, DdpmVarianceType } from './families/ddpm.js';
export type { DpmSolverConfig, DpmAlgorithmType, DpmSolverType, MultistepState } from './families/dpm-solver-multistep.js';
export type { EulerConfig } from './families/euler.js';
export type { HeunConfig, HeunState } from './families/heun.js';
export type { LcmConfig } from './families/lcm.js';
export type { PndmConfig, PndmState } from './families/pndm.js';
export type { DeisConfig, DeisState } from './families/deis.js';
export type { UniPcConfig, UniPcSettings, UniPcState, UniPcHooks } from './families/unipc.js';
export { uniPcStep } from './families/unipc.js';
export type { DcSolverConfig } from './families/dc-unipc.js';
export { DC_FIT_COMMAND } from './families/dc-unipc.js';
export { fitDcCpr, predictDcRatios } from './fitted/dc-cpr.js';
export type { DcCprModel, DcCprSample } from './fitted/dc-cpr.js';
export { dynamicCompensation, dcInterpolationPoints, DC_RATIO_RANGE, NEUTRAL_DC_RATIO } from './fitted/dc-compensation.js';
export type { DpmSolverSinglestepConfig, SinglestepState } from './families/dpm-solver-singlestep.js';
export type { DpmSolverV3Config, DpmSolverV3State, V3SkipType } from './families/dpm-solver-v3.js';
export { v3LocalUpdate, v3Derivatives, v3ExpCoefficient } from './dpm-solver-v3.js';
export type { V3Point } from './dpm-solver-v3.js';
export {
  alphaSigmaOfLambda,
  cumsumExpTrapezoid,
  degenerateStatistics,
  indexAtLambda,
  isV3Statistics,
  lambdaAtIndex,
  lambdaFromLogAlpha,
  lambdaGrid,
  logAlphaAtIndex,
  roundHalfEven,
  v3Tables,
} from './v3-statistics.js';
export type { V3Statistics, V3Tables } from './v3-statistics.js';
export { karrasSigmas, sigmaToT } from './karras.js';
export {
  betasFromConfig,
  betasForAlphaBar,
  alphasCumprodFromBetas,
  rescaleZeroTerminalSnr,
  torchLinspaceF32,
  alphaBarAt,
  alphaBarAtTime,
  sigmasFromAlphasCumprod,
} from './schedule.js';
export type { NoiseSchedule } from './schedule.js';
export { toDenoised, fromDenoised, noiseLevelFromAlphaBar, noiseLevelFromSigma, clampSample, epsFromX0 } from './prediction.js';
export type { Denoised, NoiseLevel } from './prediction.js';
export { classifierFreeGuidance, guidanceFromBatch } from './guidance.js';
export type { GuidanceOptions } from './guidance.js';
export { ddimMap, ddimMapCoefficients, ddimVariance, ddimStep, drawNoise } from './ddim.js';
export type { DdimNoise, DdimStepArgs, StepResult } from './ddim.js';
export { ddimInverseStep, ddimInverseLevels } from './ddim-inverse.js';
export type { InverseLevels } from './ddim-inverse.js';
export { ddpmPosterior, efDdpmPosterior, posteriorStep, posteriorVariance, solvePosteriorNoise } from './ddpm.js';
export type { PosteriorMean, SolvedNoise } from './ddpm.js';
export { dpmSolverPlusPlusUpdate, dpmSolverOrderAt, logSnrHalf } from './dpm-solver.js';
export { dpmSolverNoiseUpdate } from './dpm-solver-eps.js';
export type { DpmSolverStepArgs } from './dpm-solver.js';
export { eulerStep, eulerScaleModelInput, eulerInitNoiseSigma, eulerModelLevel } from './euler.js';
export { lcmStep, lcmBoundaryScalings } from './lcm.js';
export type { BoundaryScalings, LcmStepResult } from './lcm.js';
export { parseJsonWithNonFinite } from './json.js';
export { createScheduler, createSchedulerFromConfig } from './scheduler.js';
export type { Scheduler, SchedulerStepOptions, SchedulerStepOutput } from './scheduler.js';
export {
  runSchedulerFixture,
  compareSchedulerRun,
  parseSchedulerFixtures,
  schedulerFixtureRunSchema,
  dummyModel,
} from './scheduler-fixture.js';
export type { SchedulerFixtureRun, SchedulerFixtureFile, SchedulerFixtureInputs, SchedulerRunResult, SchedulerRunComparison } from './scheduler-fixture.js';
export { guidanceScaleEmbedding } from './guidance-embedding.js';
