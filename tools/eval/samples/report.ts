/**
 * The evaluation's report: one JSON-ready object (settings, per-variant summaries, per-image
 * verdicts) and its Markdown table.
 */
import type { BackgroundVerdict, ObjectVerdict } from './judge.js';
import { JUDGE_DEFAULTS } from './judge.js';
import type { SampleEvalOptions } from './options.js';
import type { CaptionVariant, SampleRecord } from './run.js';
import { PSNR_CAP_DB, summarize, type Rate, type VariantSummary } from './summary.js';

/** One image's verdict, as reported. */
export interface SampleRow {
  readonly seed: number;
  readonly variant: CaptionVariant;
  readonly caption: string;
  readonly allCorrect: boolean;
  readonly background: BackgroundVerdict;
  readonly objects: ObjectVerdict[];
  /** dB, capped at {@link PSNR_CAP_DB}. */
  readonly psnr: number;
  readonly seconds: number;
}

/** Everything the evaluation measured. */
export interface SampleEvalReport {
  readonly model: { readonly path: string; readonly defaultModel: boolean; readonly loadSeconds: number };
  readonly options: SampleEvalOptions & { readonly sampler: 'ddim' };
  readonly judge: typeof JUDGE_DEFAULTS;
  readonly variants: VariantSummary[];
  readonly samples: SampleRow[];
  readonly totalSeconds: number;
}

/** Builds the report of a run. */
export function buildReport(args: {
  readonly model: SampleEvalReport['model'];
  readonly options: SampleEvalOptions;
  readonly records: readonly SampleRecord[];
  readonly totalSeconds: number;
}): SampleEvalReport {
  return {
    model: args.model,
    options: { ...args.options, sampler: 'ddim' },
    judge: JUDGE_DEFAULTS,
    variants: summarize(args.records),
    samples: args.records.map((r) => ({
      seed: r.seed,
      variant: r.variant,
      caption: r.caption,
      allCorrect: r.verdict.allCorrect,
      background: r.verdict.background,
      objects: r.verdict.objects,
      psnr: Math.min(PSNR_CAP_DB, r.verdict.psnr),
      seconds: r.seconds,
    })),
    totalSeconds: args.totalSeconds,
  };
}

/** How each variant is labelled in tables. */
export const VARIANT_LABELS: Readonly<Record<CaptionVariant, string>> = {
  positions: 'sizes + positions',
  plain: 'colours + shapes only',
};

function pct(r: Rate | null): string {
  return r === null ? '—' : `${(100 * r.rate).toFixed(1)} % (${r.hits}/${r.total})`;
}

function seedRange(o: SampleEvalOptions): string {
  return o.n === 1 ? `seed ${o.seed}` : `seeds ${o.seed}–${o.seed + o.n - 1}`;
}

/** The report as Markdown: a settings line, the table, and what the columns count. */
export function markdownReport(report: SampleEvalReport): string {
  const o = report.options;
  const lines = [
    `Model \`${report.model.path}\`${report.model.defaultModel ? ' (embedded default model)' : ''}; ${o.n} scene${o.n === 1 ? '' : 's'} (${seedRange(o)}), ` +
      `${o.size}×${o.size}, DDIM ${o.steps} steps, guidance ${o.guidance}; ${report.totalSeconds.toFixed(1)} s in all.`,
    '',
    '| caption | images | objects | background | colour | place | shape | all correct | mean IoU | mean PSNR | s / image |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.variants.map((v) =>
      [
        VARIANT_LABELS[v.variant],
        String(v.images),
        String(v.objects),
        pct(v.background),
        pct(v.colour),
        pct(v.place),
        pct(v.shape),
        pct(v.allCorrect),
        v.meanIoU === null ? '—' : v.meanIoU.toFixed(3),
        `${v.meanPsnr.toFixed(2)} dB`,
        v.secondsPerImage.toFixed(3),
      ].join(' | '),
    ).map((row) => `| ${row} |`),
    '',
    'Background and all correct count images; colour, place and shape count objects. Place and IoU are ' +
      'judged only when the caption names positions.',
  ];
  return `${lines.join('\n')}\n`;
}
