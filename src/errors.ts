/**
 * Typed errors. Every error says what was wrong and what to do about it; `code` is stable
 * and machine-readable (the CLI maps it to exit codes).
 */

/** Machine-readable error codes used across the SDK. */
export type RepriseErrorCode =
  | 'SAFETENSORS_INVALID'
  | 'SAFETENSORS_IO'
  | 'CONFIG_INVALID'
  | 'CONFIG_UNSUPPORTED'
  | 'WEIGHTS_MISSING'
  | 'WEIGHTS_SHAPE'
  | 'WEIGHTS_FORMAT'
  | 'TOKENIZER_INVALID'
  | 'RUNTIME_DEVICE'
  | 'RUNTIME_INPUT'
  | 'RUNTIME_FAILURE'
  | 'GRAPH_INVALID'
  | 'SCHEDULER_INVALID'
  | 'MODEL_FOLDER';

/** Base class of every error thrown by Reprise on bad input or a broken environment. */
export class RepriseError extends Error {
  readonly code: RepriseErrorCode;
  /** What the user can do about it. */
  readonly hint: string | undefined;

  constructor(code: RepriseErrorCode, message: string, options?: { hint?: string; cause?: unknown }) {
    super(options?.hint ? `${message}\n  → ${options.hint}` : message, { cause: options?.cause });
    this.name = 'RepriseError';
    this.code = code;
    this.hint = options?.hint;
  }
}

/** A safetensors file violates the format (header, dtype, byte ranges...). */
export class SafetensorsError extends RepriseError {
  readonly file: string;
  readonly tensor: string | undefined;
  constructor(file: string, message: string, options?: { tensor?: string; hint?: string; cause?: unknown }) {
    const where = options?.tensor ? `${file}: tensor "${options.tensor}"` : file;
    super('SAFETENSORS_INVALID', `Invalid safetensors file ${where}: ${message}`, {
      hint: options?.hint ?? 'The file is damaged or not a safetensors file; re-download or re-convert it.',
      cause: options?.cause,
    });
    this.name = 'SafetensorsError';
    this.file = file;
    this.tensor = options?.tensor;
  }
}

/** A config value is missing, malformed, or not supported by the graph builders. */
export class ConfigError extends RepriseError {
  readonly key: string;
  constructor(code: 'CONFIG_INVALID' | 'CONFIG_UNSUPPORTED', key: string, message: string, hint?: string) {
    super(code, message, hint === undefined ? undefined : { hint });
    this.name = 'ConfigError';
    this.key = key;
  }
}

/** A weight the architecture needs is absent or has the wrong shape. */
export class WeightsError extends RepriseError {
  readonly tensor: string;
  constructor(code: 'WEIGHTS_MISSING' | 'WEIGHTS_SHAPE' | 'WEIGHTS_FORMAT', tensor: string, message: string, hint?: string) {
    super(code, message, hint === undefined ? undefined : { hint });
    this.name = 'WeightsError';
    this.tensor = tensor;
  }
}
