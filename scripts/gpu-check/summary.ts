/**
 * Turns stage results into the GPU check's short table: one row per measured quantity, next to
 * the docs/design.md §8 reference numbers (H100, upper bounds for an H200) where there is one, with a
 * verdict only when the run is comparable (cuda, SD 1.5 size, fp16).
 */
import { ANCHORS_H100_MS, TARGET_GPU_MEMORY_BATCH4_MIB } from '../../src/bench/sd15.js';
import type { StageResult } from './run-stage.js';

/** Whether a measurement meets its reference. */
export type Verdict = 'meets' | 'misses' | 'pass' | 'FAIL' | 'n/a';

/** One line of the table. */
export interface SummaryRow {
  readonly stage: string;
  readonly what: string;
  readonly measured: string;
  readonly reference: string;
  readonly verdict: Verdict;
}

/** Upper bounds (ms) of docs/design.md §8 for bench lines; `diffusers` is the eager PyTorch figure where one exists. */
const BENCH_REFERENCE: Readonly<Record<string, { readonly ms: number; readonly label: string }>> = {
  unet_batch1: { ms: ANCHORS_H100_MS.unetBatch1Fused, label: 'ORT fused fp16, H100' },
  unet_batch2: { ms: ANCHORS_H100_MS.targetUnetBatch2, label: 'target (ORT fused fp16, H100)' },
  unet_batch4: { ms: ANCHORS_H100_MS.unetBatch4Fused, label: 'ORT fused fp16, H100' },
  controlled_unet_batch4: { ms: ANCHORS_H100_MS.targetControlledBatch4, label: 'target' },
  controlled_unet_batch6: { ms: ANCHORS_H100_MS.targetControlledBatch4 * 1.5, label: '1.5× the batch-4 target' },
  vae_decode_512: { ms: ANCHORS_H100_MS.vaeDecode512, label: 'diffusers eager, H100' },
  vae_encode_512: { ms: ANCHORS_H100_MS.vaeEncode512, label: 'diffusers eager, H100' },
  text_encoder_batch2: { ms: ANCHORS_H100_MS.textEncoderBatch2, label: 'diffusers eager, H100' },
  edit_end_to_end: { ms: ANCHORS_H100_MS.targetEditEndToEnd, label: 'target 50+50 steps 512²' },
};

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const fmtMs = (ms: number): string => (ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`);
const fmtErr = (e: number): string => (e === 0 ? '0' : e.toExponential(1));

function stageRow(r: StageResult): SummaryRow | undefined {
  if (r.status === 'ok') return undefined;
  const why = r.status === 'skipped' ? `skipped: ${r.skipReason ?? ''}` : r.status === 'timeout' ? `timed out after ${r.seconds} s` : `exit ${String(r.exitCode)}${lastLine(r.stderrTail) ? `: ${lastLine(r.stderrTail)}` : ''}`;
  return { stage: r.id, what: 'stage', measured: why, reference: '', verdict: r.status === 'skipped' ? 'n/a' : 'FAIL' };
}

function lastLine(s: string): string {
  const lines = s.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('at '));
  const l = lines[lines.length - 1] ?? '';
  return l.length > 90 ? `${l.slice(0, 87)}…` : l;
}

function doctorRows(r: StageResult): SummaryRow[] {
  const rec = r.records[0];
  if (!rec) return [];
  const checks = Array.isArray(rec.checks) ? (rec.checks as Record<string, unknown>[]) : [];
  const gpu = checks.find((c) => c.name === 'gpu');
  const missing = checks.filter((c) => c.ok === false && (c.requiredFor === 'all' || rec.device === 'cuda')).map((c) => str(c.name)).filter((n) => n !== undefined);
  return [{ stage: r.id, what: `ready for ${str(rec.device) ?? '?'}`, measured: `${rec.ok === true ? 'yes' : 'no'}${missing.length ? ` (missing: ${missing.join(', ')})` : ''}${gpu && gpu.ok === true ? `; ${str(gpu.detail) ?? ''}` : ''}`, reference: '', verdict: rec.ok === true ? 'pass' : 'FAIL' }];
}

function conformanceRows(r: StageResult): SummaryRow[] {
  const models = r.records.filter((x) => x.kind !== 'tokenizer' && x.kind !== 'scheduler');
  if (r.records.length === 0) return [];
  const ok = r.records.filter((x) => x.ok === true).length;
  let worst: Record<string, unknown> | undefined;
  for (const m of models) if ((num(m.maxRelError) ?? Infinity) > (num(worst?.maxRelError) ?? -1)) worst = m;
  const tol = num(worst?.tolerance);
  return [{
    stage: r.id,
    what: 'components within tolerance',
    measured: `${ok}/${r.records.length}${worst ? `; worst ${str(worst.component) ?? '?'} ${fmtErr(num(worst.maxRelError) ?? Infinity)}` : ''}`,
    reference: tol !== undefined ? `≤ ${tol.toExponential(0)}` : '',
    verdict: ok === r.records.length ? 'pass' : 'FAIL',
  }];
}

function exactnessRows(r: StageResult): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const rep = r.records.find((x) => x.check === 'unet-repeatability');
  if (rep) rows.push({ stage: r.id, what: 'UNet bit-identical run to run', measured: rep.bitIdentical === true ? 'yes' : `no (max diff ${fmtErr(num(rep.maxAbsDiff) ?? NaN)})`, reference: 'yes (exact inversion needs it)', verdict: rep.bitIdentical === true ? 'pass' : 'FAIL' });
  const methods = r.records.filter((x) => typeof x.label === 'string' && x.target !== null && x.target !== undefined);
  if (methods.length === 0) return rows;
  const passed = methods.filter((m) => m.pass === true);
  const bitExact = methods.filter((m) => m.relError === 0).map((m) => str(m.label) ?? '?');
  rows.push({
    stage: r.id,
    what: 'exact methods within target',
    measured: `${passed.length}/${methods.length}; bit-exact: ${bitExact.length > 0 ? bitExact.join(', ') : 'none'}`,
    reference: 'EF-DDPM/DDCM ≤ 1e-6, BDIA ≤ 1e-4, EDICT ≤ 1e-3',
    verdict: passed.length === methods.length ? 'pass' : 'FAIL',
  });
  for (const m of methods.filter((x) => x.pass !== true)) {
    rows.push({
      stage: r.id,
      what: `${str(m.label) ?? '?'} rel. error`,
      measured: m.error !== undefined ? `crashed: ${String(m.error).slice(0, 60)}` : fmtErr(num(m.relError) ?? NaN),
      reference: `≤ ${(num(m.target) ?? NaN).toExponential(0)}`,
      verdict: 'FAIL',
    });
  }
  return rows;
}

function demoRows(r: StageResult): SummaryRow[] {
  const rec = r.records[0];
  if (!rec) return [];
  const inv = Array.isArray(rec.inversions) ? (rec.inversions as Record<string, unknown>[]) : [];
  const identical = inv.map((i) => `${str(i.method) ?? '?'} ${(i.reconstruction as { identical?: unknown } | undefined)?.identical === true ? 'bit-identical' : 'DIFFERS'}`);
  const failures = Array.isArray(rec.failures) ? rec.failures.length : 0;
  return [{ stage: r.id, what: 'demo checks', measured: `${identical.join(', ')}; ${failures === 0 ? 'all checks passed' : `${failures} failed`}`, reference: 'every check', verdict: rec.ok === true ? 'pass' : 'FAIL' }];
}

function benchRows(r: StageResult): SummaryRow[] {
  const meta = r.records.find((x) => x.bench === 'reprise');
  const comparable = meta?.comparableToAnchors === true;
  const rows: SummaryRow[] = [];
  const judge = (value: number, bound: number): Verdict => (!comparable ? 'n/a' : value <= bound ? 'meets' : 'misses');
  for (const l of r.records) {
    const name = str(l.name);
    if (name === undefined) continue;
    const ms = name === 'edit_end_to_end' ? num(l.totalMs) : num((l.timing as { medianMs?: unknown } | undefined)?.medianMs);
    if (ms === undefined) continue;
    const ref = BENCH_REFERENCE[name];
    const extra = name === 'edit_end_to_end' ? `, ${String(l.imagesPerMinute)} img/min, exact ${String(l.reconstructionExact)}` : '';
    rows.push({ stage: r.id, what: name, measured: `${fmtMs(ms)}${extra}`, reference: ref ? `≤ ${fmtMs(ref.ms)} (${ref.label})` : '', verdict: ref ? judge(ms, ref.ms) : 'n/a' });
    const mem = num(l.gpuMemoryMiB);
    if (name === 'unet_batch4' && mem !== undefined) {
      rows.push({ stage: r.id, what: 'GPU memory, UNet batch 4', measured: `${mem} MiB`, reference: `≤ ${TARGET_GPU_MEMORY_BATCH4_MIB} MiB`, verdict: judge(mem, TARGET_GPU_MEMORY_BATCH4_MIB) });
    }
    if (name === 'edit_end_to_end' && mem !== undefined) rows.push({ stage: r.id, what: 'GPU memory, end to end', measured: `${mem} MiB`, reference: '', verdict: 'n/a' });
  }
  return rows;
}

/** The table rows for all stages, in stage order. */
export function summaryRows(results: readonly StageResult[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const r of results) {
    const failed = stageRow(r);
    if (failed) rows.push(failed);
    if (r.kind === 'doctor') rows.push(...doctorRows(r));
    else if (r.kind === 'conformance') rows.push(...conformanceRows(r));
    else if (r.kind === 'exactness') rows.push(...exactnessRows(r));
    else if (r.kind === 'demo') rows.push(...demoRows(r));
    else rows.push(...benchRows(r));
  }
  return rows;
}

/** Fixed-width text table. */
export function formatTable(rows: readonly SummaryRow[]): string {
  const head: SummaryRow = { stage: 'stage', what: 'what', measured: 'measured', reference: 'reference (docs/design.md §8)', verdict: 'n/a' };
  const cells = [head, ...rows].map((r, i) => [r.stage, r.what, r.measured, r.reference, i === 0 ? 'verdict' : r.verdict]);
  const widths = [0, 1, 2, 3, 4].map((c) => Math.min(c === 2 ? 70 : 44, Math.max(...cells.map((row) => (row[c] as string).length))));
  return cells.map((row) => row.map((v, c) => (c === 4 ? v : v.padEnd(widths[c] as number))).join('  ').trimEnd()).join('\n');
}
