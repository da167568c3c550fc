/** One line of the conformance report. */
export interface ConformanceResult {
  /** Folder or run name. */
  readonly component: string;
  readonly kind: 'unet' | 'vae' | 'text_encoder' | 'tokenizer' | 'scheduler';
  readonly className: string;
  readonly ok: boolean;
  /** Largest error over the outputs (relative error for tensors; mismatch count for tokenizers). */
  readonly maxRelError: number;
  readonly tolerance: number;
  /** Error per output name. */
  readonly outputs: Record<string, number>;
  /** Error per attention layer (UNet). */
  readonly attention?: Record<string, number>;
  /** Extra facts (e.g. timesteps identical, mismatching texts). */
  readonly details?: Record<string, unknown>;
  /** Set when the component could not be run at all. */
  readonly error?: string;
}
