/**
 * Aggregates and renders the edit-quality benchmark: means over scenes per method and edit type
 * (with counts), a Markdown report and a JSON form that keeps non-finite numbers.
 */
import type { InversionMethod } from '../../../src/inversion/types.js';
import type { EditKind } from './cases.js';
import type { EditEvalReport, EditRow, InversionRow } from './run.js';

/**
 * PSNR values enter means capped at this many dB: an 8-bit 64×64 region that differs by one level
 * in one sample still measures below 90 dB, so the cap only stands for "identical" (counted apart).
 */
export const PSNR_CAP_DB = 100;

/** Means over the scenes of one method and edit type. */
export interface SummaryRow {
  readonly method: string;
  readonly kind: EditKind;
  /** Edits attempted. */
  readonly cases: number;
  /** Edits that threw (their inversion included). */
  readonly errors: number;
  /** Edits measured (`cases − errors`); the means below are over these. */
  readonly measured: number;
  readonly successes: number;
  /** `successes / measured` (NaN when nothing was measured). */
  readonly successRate: number;
  readonly iouMean: number;
  /** Mean preserved-region PSNR, each capped at {@link PSNR_CAP_DB}. */
  readonly preservedPsnrMean: number;
  /** Edits whose preserved region is identical to the source (PSNR ∞). */
  readonly preservedIdentical: number;
  readonly preservedSsimMean: number;
  /** Mean PSNR against the expected render, each capped at {@link PSNR_CAP_DB}. */
  readonly expectedPsnrMean: number;
  /** Edits identical to the expected render. */
  readonly expectedIdentical: number;
  /** Mean wall time of `Pipeline.edit` (NaN for the expected rows). */
  readonly secondsMean: number;
}

/** Per method: inversion time and the controlled reconstruction of the source branch. */
export interface MethodSummary {
  readonly method: InversionMethod;
  readonly inversions: number;
  readonly inversionErrors: number;
  readonly invertSecondsMean: number;
  /** Mean PSNR of the edits' source branches against the input, each capped at {@link PSNR_CAP_DB}. */
  readonly sourcePsnrMean: number;
  /** Source branches identical to the input. */
  readonly sourceIdentical: number;
  /** Edits whose source branch was measured. */
  readonly sourceMeasured: number;
  readonly editSecondsMean: number;
}

function mean(values: readonly number[]): number {
  const finite = values.filter((v) => !Number.isNaN(v));
  return finite.length === 0 ? Number.NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
}

const capped = (v: number): number => Math.min(v, PSNR_CAP_DB);

/** The summary rows: the expected render first (the metrics' ceiling), then each method, per edit type. */
export function summarize(
  results: readonly EditRow[],
  inversions: readonly InversionRow[],
  methods: readonly InversionMethod[],
  kinds: readonly EditKind[],
): { summary: SummaryRow[]; methodSummary: MethodSummary[] } {
  const summary: SummaryRow[] = [];
  for (const method of ['expected', ...methods]) {
    for (const kind of kinds) {
      const rows = results.filter((r) => r.method === method && r.kind === kind);
      const ms = rows.flatMap((r) => (r.measurement ? [r.measurement] : []));
      const successes = ms.filter((m) => m.success).length;
      summary.push({
        method,
        kind,
        cases: rows.length,
        errors: rows.filter((r) => r.error !== undefined).length,
        measured: ms.length,
        successes,
        successRate: ms.length === 0 ? Number.NaN : successes / ms.length,
        iouMean: mean(ms.map((m) => m.iou)),
        preservedPsnrMean: mean(ms.map((m) => capped(m.preservedPsnr))),
        preservedIdentical: ms.filter((m) => m.preservedPsnr === Infinity).length,
        preservedSsimMean: mean(ms.map((m) => m.preservedSsim)),
        expectedPsnrMean: mean(ms.map((m) => capped(m.expectedPsnr))),
        expectedIdentical: ms.filter((m) => m.expectedPsnr === Infinity).length,
        secondsMean: mean(rows.flatMap((r) => (r.seconds !== undefined && r.error === undefined ? [r.seconds] : []))),
      });
    }
  }
  const methodSummary = methods.map((method): MethodSummary => {
    const inv = inversions.filter((r) => r.method === method);
    const edits = results.filter((r) => r.method === method && r.error === undefined);
    const source = edits.flatMap((r) => (r.sourcePsnr !== undefined ? [r.sourcePsnr] : []));
    return {
      method,
      inversions: inv.length,
      inversionErrors: inv.filter((r) => r.error !== undefined).length,
      invertSecondsMean: mean(inv.flatMap((r) => (r.seconds !== undefined ? [r.seconds] : []))),
      sourcePsnrMean: mean(source.map(capped)),
      sourceIdentical: source.filter((v) => v === Infinity).length,
      sourceMeasured: source.length,
      editSecondsMean: mean(edits.flatMap((r) => (r.seconds !== undefined ? [r.seconds] : []))),
    };
  });
  return { summary, methodSummary };
}

/** Whether any inversion or edit threw. */
export function hasErrors(report: Pick<EditEvalReport, 'summary' | 'methodSummary'>): boolean {
  return report.summary.some((r) => r.errors > 0) || report.methodSummary.some((m) => m.inversionErrors > 0);
}

/** JSON of the report; ±Infinity and NaN become the strings "Infinity", "-Infinity", "NaN". */
export function reportJson(report: EditEvalReport): string {
  return JSON.stringify(report, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

const dash = '—';

function fixed(v: number, digits: number): string {
  return Number.isNaN(v) ? dash : v.toFixed(digits);
}

/** "31.2" or "∞" (all identical) or "54.1 (2 ∞)". */
function psnrCell(meanValue: number, identical: number, measured: number): string {
  if (measured === 0) return dash;
  if (identical === measured) return '∞';
  return identical > 0 ? `${fixed(meanValue, 1)} (${identical} ∞)` : fixed(meanValue, 1);
}

const KIND_LABEL: Readonly<Record<EditKind, string>> = {
  colour: 'colour swap',
  shape: 'shape swap',
  background: 'background',
  reweight: 'reweight ×w',
};

/** The report as Markdown: a header line, the per-edit table and the per-method table. */
export function reportMarkdown(report: EditEvalReport): string {
  const seeds = report.seeds.length === 0 ? 'no scenes' : `${report.seeds.length} scene${report.seeds.length === 1 ? '' : 's'} (seeds ${report.seeds[0]}–${report.seeds[report.seeds.length - 1]})`;
  const steps = report.steps.used ?? report.steps.requested ?? 'default';
  const blend = report.blend ? `local blend threshold ${report.blend.threshold}, start ${report.blend.start}` : 'no local blend';
  const lines = [
    `Model \`${report.model}\` (UNet id ${report.modelId.slice(0, 16)}…); ${seeds}, ${report.size}×${report.size}` +
      `${report.modelSize !== null ? ` inverted at ${report.modelSize} px` : ''}; ${steps} steps; ${blend}; reweight ×${report.reweight}; edge margin ${report.margin} px; ${report.totalSeconds.toFixed(1)} s in all.`,
    '',
    '| method | edit | success | IoU | preserved PSNR (dB) | preserved SSIM | PSNR vs expected (dB) | s / edit | errors |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of report.summary) {
    const success = r.measured === 0 ? dash : `${r.successes}/${r.measured} (${Math.round(r.successRate * 100)}%)`;
    lines.push(
      `| ${r.method} | ${KIND_LABEL[r.kind].replace('×w', `×${report.reweight}`)} | ${success} | ${fixed(r.iouMean, 3)} | ${psnrCell(r.preservedPsnrMean, r.preservedIdentical, r.measured)} | ${fixed(r.preservedSsimMean, 4)} | ${psnrCell(r.expectedPsnrMean, r.expectedIdentical, r.measured)} | ${fixed(r.secondsMean, 2)} | ${r.errors}/${r.cases} |`,
    );
  }
  lines.push('', '| method | s / inversion | source-branch PSNR (dB) | s / edit | inversion errors |', '| --- | --- | --- | --- | --- |');
  for (const m of report.methodSummary) {
    lines.push(`| ${m.method} | ${fixed(m.invertSecondsMean, 2)} | ${psnrCell(m.sourcePsnrMean, m.sourceIdentical, m.sourceMeasured)} | ${fixed(m.editSecondsMean, 2)} | ${m.inversionErrors}/${m.inversions} |`);
  }
  lines.push(
    '',
    `Means over the measured edits; PSNR values are capped at ${PSNR_CAP_DB} dB in the means and "(k ∞)" counts regions identical to the source. ` +
      'Rows "expected" measure the expected render itself as if it were the edit: the ceiling of each metric. ' +
      `${report.warmupSeconds !== null ? `Times exclude a 1-step warm-up run (${report.warmupSeconds.toFixed(2)} s: graph building, session set-up). ` : ''}Definitions: docs/edit-quality.md.`,
  );
  const errors = report.results.filter((r) => r.error !== undefined);
  if (errors.length > 0) {
    lines.push('', 'Errors:', '');
    for (const e of errors.slice(0, 20)) lines.push(`- seed ${e.seed}, ${e.method}, ${e.kind}: ${e.error ?? ''}`);
    if (errors.length > 20) lines.push(`- … and ${errors.length - 20} more`);
  }
  return `${lines.join('\n')}\n`;
}
