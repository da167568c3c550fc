/**
 * Batch jobs: a YAML/JSON job file of inputs × edits, run through a caller-supplied item
 * processor with a concurrency limit, failure isolation, resumable manifest, atomic writes,
 * contained output paths and an HTML report. Model-independent: the editing itself is the
 * `processItem` callback.
 */
export {
  EDIT_NAME_PATTERN,
  checkEdits,
  editEntrySchema,
  formatProblemPath,
  freeFormEditOptionsSchema,
  inputEntrySchema,
  issuesToProblems,
  sortProblems,
  jobFileSchema,
  jobFileStructureSchema,
  makeJobSchema,
  mergeEditOptions,
} from './job-schema.js';
export type { EditCheck, InputEntry, JobFileData, JobFileEdit, JobIssue, JobProblem, JobSchema } from './job-schema.js';
export { JobFileError, loadJobFile, readJobDocument, resolveJob } from './job-file.js';
export type { BatchEdit, BatchInput, BatchItem, BatchJob, JobOverrides, ResolveJobOptions } from './job-file.js';
export { compareCodePoints, expandBraces, globBudget, globFiles, hasGlobMagic } from './glob.js';
export type { GlobBudget } from './glob.js';
export { GlobLimitError, JOB_LIMITS } from './limits.js';
export type { JobLimit } from './limits.js';
export {
  UnsafeOutputPathError,
  attentionMapName,
  inputKeys,
  isInsideOrEqual,
  itemOutputNames,
  outputComponents,
  pinOutputRoot,
  realpathDeepest,
  portableNameProblem,
  safeOutputPath,
  sanitizeName,
} from './paths.js';
export type { ItemOutputNames, OutputRoot } from './paths.js';
export { isTemporaryName, temporaryPathFor, writeFileAtomic } from './atomic.js';
export { canonicalJson, fileDigest, itemHash } from './hash.js';
export type { ItemHashContext } from './hash.js';
export { BatchManifest, MANIFEST_NAME } from './manifest.js';
export type { ItemError, ItemReport, ManifestEntry, EntryCommon, ReportImage } from './manifest.js';
export { runBatch, toItemError } from './runner.js';
export type { BatchProgress, BatchSummary, ItemContext, ItemOutcome, ItemResult, ProcessItem, RunBatchOptions } from './runner.js';
export { REPORT_NAME, escapeHtml, relativeUrl, renderReport, reportData, writeBatchReport } from './report.js';
export type { ReportCell, ReportData, ReportOutcome, ReportRow } from './report.js';
