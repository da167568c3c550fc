/**
 * Prompt-to-prompt token alignment and attention-control schedules (Hertz et al. 2022,
 * Prompt-to-Prompt): replace and refine mappers, re-weighting equalizers, step windows and the
 * per-step coefficients of the controlled UNet's cross-attention.
 */

export { DEFAULT_MAX_LEN, type AlignmentTokenizer } from './common.js';
export { replacementMapper } from './replace-mapper.js';
export {
  mapperToMatrix,
  needlemanWunsch,
  REFERENCE_SCORING,
  refinementMapper,
  refinementMapperMatrix,
  type AlignedPair,
  type Alignment,
  type AlignmentScoring,
  type RefinementMapper,
} from './refine-mapper.js';
export { equalizer, wordWeightsSchema, type WordWeight, type WordWeights } from './equalizer.js';
export {
  crossReplaceAlphas,
  crossReplaceSchema,
  isSelfReplaceActive,
  selfReplaceSchema,
  selfReplaceWindow,
  stepWindowSchema,
  type CrossReplaceSteps,
  type SelfReplaceSteps,
  type StepRange,
  type StepWindow,
} from './schedule.js';
export {
  attentionEditSchema,
  crossAttentionControls,
  type AttentionEdit,
  type CrossAttentionControls,
  type EditBase,
} from './controls.js';
