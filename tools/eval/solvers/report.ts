/**
 * The Markdown of eval:solvers: one table per guidance (rows: solvers, columns: NFE, cells: MSE
 * and the ratio to DPM-Solver++ 2M), and the headline of issue 12's target: the best
 * deterministic solver at each NFE and its gain over DPM-Solver++ 2M.
 */
import type { SolverEvalRow } from './run.js';

/** The baseline the gains are measured against. */
export const BASELINE = 'dpm-solver++';

/** The best deterministic solver of one (guidance, NFE) cell and its gain over the baseline (1 − mse/baseline). */
export interface BestCell {
  readonly guidance: number;
  readonly nfe: number;
  readonly best: string;
  readonly mse: number;
  readonly baseline: number | null;
  /** 1 − best / baseline (0.2 = 20 % lower MSE); null without a baseline row. */
  readonly gain: number | null;
}

/** Best deterministic solver per (guidance, NFE). */
export function bestCells(rows: readonly SolverEvalRow[], baseline = BASELINE): BestCell[] {
  const cells: BestCell[] = [];
  const keys = [...new Set(rows.map((r) => `${r.guidance} ${r.nfe}`))];
  for (const key of keys) {
    const [g, n] = key.split(' ').map(Number) as [number, number];
    const here = rows.filter((r) => r.guidance === g && r.nfe === n && r.mse !== null && !r.stochastic && Number.isFinite(r.mse));
    const best = here.reduce<SolverEvalRow | undefined>((b, r) => (b === undefined || (r.mse as number) < (b.mse as number) ? r : b), undefined);
    if (!best) continue;
    const base = here.find((r) => r.solver === baseline)?.mse ?? null;
    cells.push({ guidance: g, nfe: n, best: best.solver, mse: best.mse as number, baseline: base, gain: base === null || base === 0 ? null : 1 - (best.mse as number) / base });
  }
  return cells;
}

function cell(r: SolverEvalRow | undefined, base: number | null): string {
  if (!r || r.mse === null) return '—';
  const q = base !== null && base > 0 ? r.mse / base : null;
  // A ratio past 1000 (a diverged run) in exponent form, not a 25-digit number.
  const ratio = q === null ? '' : ` (${q >= 1000 ? q.toExponential(1) : q.toFixed(2)})`;
  const calls = r.calls !== null && r.calls !== r.nfe ? ` [${r.calls}]` : '';
  return `${r.mse.toExponential(2)}${ratio}${calls}`;
}

/** The tables and the headline. */
export function solverMarkdown(rows: readonly SolverEvalRow[], baseline = BASELINE): string {
  const out: string[] = [];
  const nfes = [...new Set(rows.map((r) => r.nfe))].sort((a, b) => a - b);
  for (const g of [...new Set(rows.map((r) => r.guidance))]) {
    out.push(`**Guidance ${g}** — MSE (÷ ${baseline} at the same NFE) [model calls, where fewer than the NFE]`, '');
    out.push(`| solver | ${nfes.map((n) => `NFE ${n}`).join(' | ')} |`, `| --- | ${nfes.map(() => '---').join(' | ')} |`);
    for (const s of [...new Set(rows.map((r) => r.solver))]) {
      const stochastic = rows.find((r) => r.solver === s)?.stochastic === true ? ' (stochastic)' : '';
      const cells = nfes.map((n) => {
        const base = rows.find((r) => r.guidance === g && r.nfe === n && r.solver === baseline)?.mse ?? null;
        return cell(rows.find((r) => r.guidance === g && r.nfe === n && r.solver === s), base);
      });
      out.push(`| \`${s}\`${stochastic} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  out.push(`Best deterministic solver per NFE (gain = 1 − MSE / ${baseline}'s):`, '');
  out.push('| guidance | NFE | best | MSE | gain |', '| --- | --- | --- | --- | --- |');
  for (const c of bestCells(rows, baseline)) out.push(`| ${c.guidance} | ${c.nfe} | \`${c.best}\` | ${c.mse.toExponential(2)} | ${c.gain === null ? '—' : `${(c.gain * 100).toFixed(0)} %`} |`);
  return `${out.join('\n')}\n`;
}
