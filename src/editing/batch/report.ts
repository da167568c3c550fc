/**
 * The HTML report `<output>/report.html`: one row per input with its source, reconstruction and
 * every edit (with attention maps) side by side, then the failures with their errors. Every
 * piece of text is HTML-escaped and every link is relative to the output folder, so the folder
 * can be moved or served as-is.
 */
import * as path from 'node:path';
import { writeFileAtomic } from './atomic.js';
import type { BatchJob } from './job-file.js';
import type { BatchManifest, ItemError, ItemReport } from './manifest.js';
import type { OutputRoot } from './paths.js';

/** File name of the report inside the output folder. */
export const REPORT_NAME = 'report.html';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A relative, `/`-separated output path as a URL (each segment percent-encoded). */
export function relativeUrl(relativePath: string): string {
  return relativePath.split('/').map(encodeURIComponent).join('/');
}

/** How an item ended, as far as the report is concerned (`ItemOutcome` fits). */
export type ReportOutcome =
  | { readonly status: 'done' | 'skipped' | 'pending'; readonly item: { readonly id: string } }
  | { readonly status: 'failed'; readonly item: { readonly id: string }; readonly error: ItemError };

/** One edit of one input, as shown in the report. */
export type ReportCell =
  | { readonly status: 'done' | 'skipped'; readonly report: ItemReport | undefined }
  | { readonly status: 'failed'; readonly error: ItemError }
  | { readonly status: 'pending' };

/** One input row of the report. */
export interface ReportRow {
  readonly input: string;
  readonly sourcePrompt: string | undefined;
  readonly source: string | undefined;
  readonly reconstruction: string | undefined;
  /** One cell per edit, in job order. */
  readonly cells: readonly ReportCell[];
}

/** Everything the report shows. */
export interface ReportData {
  readonly title: string;
  readonly generatedAt: string;
  readonly edits: readonly { readonly name: string; readonly prompt: string }[];
  readonly rows: readonly ReportRow[];
  readonly failures: readonly { readonly id: string; readonly input: string; readonly edit: string; readonly error: ItemError }[];
  readonly counts: { readonly done: number; readonly skipped: number; readonly failed: number; readonly pending: number };
}

/** Collects the report's data from the job, the manifest and this run's outcomes. */
export function reportData<O>(job: BatchJob<O>, manifest: BatchManifest, outcomes: readonly ReportOutcome[]): ReportData {
  const byId = new Map(outcomes.map((o) => [o.item.id, o]));
  const rows: ReportRow[] = [];
  const failures: ReportData['failures'][number][] = [];
  for (const input of job.inputs) {
    let source: string | undefined;
    let reconstruction: string | undefined;
    const cells: ReportCell[] = [];
    for (const edit of job.edits) {
      const id = `${input.key}/${edit.name}`;
      const outcome = byId.get(id);
      const entry = manifest.get(id);
      if (outcome === undefined || outcome.status === 'pending') {
        cells.push({ status: 'pending' });
      } else if (outcome.status === 'failed') {
        cells.push({ status: 'failed', error: outcome.error });
        failures.push({ id, input: input.relativePath, edit: edit.name, error: outcome.error });
      } else {
        const report = entry?.status === 'done' ? entry.report : undefined;
        source ??= report?.source;
        reconstruction ??= report?.reconstruction;
        cells.push({ status: outcome.status, report });
      }
    }
    rows.push({ input: input.relativePath, sourcePrompt: input.sourcePrompt, source, reconstruction, cells });
  }
  const count = (s: ReportOutcome['status']): number => outcomes.filter((o) => o.status === s).length;
  return {
    title: job.file !== undefined ? `Reprise batch: ${path.basename(job.file)}` : 'Reprise batch',
    generatedAt: new Date().toISOString(),
    edits: job.edits.map((e) => ({ name: e.name, prompt: e.prompt })),
    rows,
    failures,
    counts: { done: count('done'), skipped: count('skipped'), failed: count('failed'), pending: count('pending') },
  };
}

function figure(relativePath: string | undefined, caption: string, className = 'main'): string {
  if (relativePath === undefined) return `<div class="missing">${escapeHtml(caption)}: —</div>`;
  const url = escapeHtml(relativeUrl(relativePath));
  return `<figure class="${className}"><a href="${url}"><img src="${url}" alt="${escapeHtml(caption)}" loading="lazy"></a><figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

function cellHtml(cell: ReportCell, editName: string): string {
  switch (cell.status) {
    case 'pending':
      return '<td class="pending">not run yet</td>';
    case 'failed':
      return `<td class="failed"><strong>failed</strong>${cell.error.code ? ` <code>${escapeHtml(cell.error.code)}</code>` : ''}<pre>${escapeHtml(cell.error.message)}</pre></td>`;
    default: {
      const r = cell.report;
      const maps = (r?.attention ?? []).map((a) => figure(a.path, a.label, 'map')).join('');
      const notes = Object.entries(r?.notes ?? {})
        .map(([k, v]) => `<li>${escapeHtml(k)}: ${escapeHtml(String(v))}</li>`)
        .join('');
      return `<td class="${cell.status}">${figure(r?.edit, editName)}${maps ? `<div class="maps">${maps}</div>` : ''}${notes ? `<ul class="notes">${notes}</ul>` : ''}</td>`;
    }
  }
}

/** Renders the report as a self-contained HTML page (no scripts, no external resources). */
export function renderReport(data: ReportData): string {
  const head = data.edits.map((e) => `<th>${escapeHtml(e.name)}<div class="prompt">${escapeHtml(e.prompt)}</div></th>`).join('');
  const rows = data.rows
    .map((row) => {
      const prompt = row.sourcePrompt !== undefined ? `<div class="prompt">${escapeHtml(row.sourcePrompt)}</div>` : '';
      const cells = row.cells.map((c, i) => cellHtml(c, data.edits[i]?.name ?? 'edit')).join('');
      return `<tr><th scope="row">${escapeHtml(row.input)}${prompt}</th><td>${figure(row.source, 'source')}</td><td>${figure(row.reconstruction, 'reconstruction')}</td>${cells}</tr>`;
    })
    .join('\n');
  const failures =
    data.failures.length === 0
      ? '<p>No failures.</p>'
      : `<ul class="failures">${data.failures
          .map((f) => `<li><strong>${escapeHtml(f.id)}</strong> (${escapeHtml(f.input)} × ${escapeHtml(f.edit)})${f.error.code ? ` <code>${escapeHtml(f.error.code)}</code>` : ''}<pre>${escapeHtml(f.error.message)}</pre></li>`)
          .join('\n')}</ul>`;
  const c = data.counts;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ddd; padding: .4rem; vertical-align: top; text-align: left; }
figure { margin: 0 0 .3rem; }
figure.main img { max-width: 256px; max-height: 256px; display: block; }
figure.map { display: inline-block; margin-right: .3rem; }
figure.map img { max-width: 64px; max-height: 64px; display: block; }
figcaption { font-size: .75rem; color: #555; }
.prompt { font-weight: normal; font-size: .8rem; color: #555; max-width: 256px; }
.failed { background: #fff0f0; }
.pending, .missing { color: #999; }
pre { white-space: pre-wrap; max-width: 40rem; font-size: .8rem; }
</style>
</head>
<body>
<h1>${escapeHtml(data.title)}</h1>
<p>${c.done} done, ${c.skipped} unchanged, ${c.failed} failed, ${c.pending} not run · generated ${escapeHtml(data.generatedAt)}</p>
<table>
<thead><tr><th>input</th><th>source</th><th>reconstruction</th>${head}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Failures</h2>
${failures}
</body>
</html>
`;
}

/** Renders and atomically writes `<output>/report.html` (checked against `root` when given); returns its path. */
export async function writeBatchReport<O>(job: BatchJob<O>, manifest: BatchManifest, outcomes: readonly ReportOutcome[], root?: OutputRoot): Promise<string> {
  const file = path.join(job.output, REPORT_NAME);
  await writeFileAtomic(file, renderReport(reportData(job, manifest, outcomes)), root);
  return file;
}
