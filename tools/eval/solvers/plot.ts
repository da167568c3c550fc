/**
 * The MSE-against-NFE picture of docs/solvers.md, drawn as SVG by the project: one panel per
 * guidance scale, log-scale MSE on y, NFE on x, one polyline (with dots) per solver, a legend.
 * Cells a solver could not run (or with MSE 0, which a log axis cannot show) are left out of
 * its line.
 */
import type { SolverEvalRow } from './run.js';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#000000', '#aec7e8', '#ffbb78', '#98df8a'];

const PANEL = { width: 420, height: 300, left: 56, right: 12, top: 28, bottom: 40 } as const;
const LEGEND_WIDTH = 250;

/** Variants (`<id>+…`) are dashed in their base solver's family of colours. */
const dash = (label: string): string => (label.includes('+') ? ' stroke-dasharray="5,3"' : '');

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Decades [lo, hi] (powers of ten) that cover the positive values. */
export function logRange(values: readonly number[]): { readonly lo: number; readonly hi: number } {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) return { lo: -1, hi: 0 };
  const lo = Math.floor(Math.log10(Math.min(...positive)));
  const hi = Math.ceil(Math.log10(Math.max(...positive)));
  return { lo, hi: hi > lo ? hi : lo + 1 };
}

/** The solvers' lines of one guidance: label → [nfe, mse] points with positive MSE, by NFE. */
export function linesOf(rows: readonly SolverEvalRow[], guidance: number): Map<string, [number, number][]> {
  const lines = new Map<string, [number, number][]>();
  for (const r of rows) {
    if (r.guidance !== guidance) continue;
    const line = lines.get(r.solver) ?? [];
    if (r.mse !== null && r.mse > 0 && Number.isFinite(r.mse) && r.calls !== null) line.push([r.calls, r.mse]);
    lines.set(r.solver, line);
  }
  for (const line of lines.values()) line.sort((a, b) => a[0] - b[0]);
  return lines;
}

/** The SVG document. */
export function solverPlotSvg(rows: readonly SolverEvalRow[], title = 'MSE of the final latent vs a many-step DDIM reference'): string {
  const guidances = [...new Set(rows.map((r) => r.guidance))];
  const solvers = [...new Set(rows.map((r) => r.solver))];
  const nfes = rows.map((r) => r.calls ?? r.nfe);
  const xMin = Math.min(...nfes);
  const xMax = Math.max(...nfes);
  const { lo, hi } = logRange(rows.map((r) => r.mse ?? 0));
  const width = guidances.length * PANEL.width + LEGEND_WIDTH;
  const height = PANEL.height + 24;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="14" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`);
  for (const [p, guidance] of guidances.entries()) {
    const x0 = p * PANEL.width + PANEL.left;
    const y0 = 24 + PANEL.top;
    const w = PANEL.width - PANEL.left - PANEL.right;
    const h = PANEL.height - PANEL.top - PANEL.bottom;
    const sx = (n: number): number => x0 + (xMax === xMin ? w / 2 : ((n - xMin) / (xMax - xMin)) * w);
    const sy = (v: number): number => y0 + h - ((Math.log10(v) - lo) / (hi - lo)) * h;
    out.push(`<text x="${x0 + w / 2}" y="${y0 - 8}" text-anchor="middle">guidance ${guidance}</text>`);
    out.push(`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#444"/>`);
    for (let d = lo; d <= hi; d++) {
      const y = sy(10 ** d).toFixed(1);
      out.push(`<line x1="${x0}" y1="${y}" x2="${x0 + w}" y2="${y}" stroke="#ddd"/><text x="${x0 - 4}" y="${y}" text-anchor="end" dominant-baseline="middle">1e${d}</text>`);
    }
    for (const n of [...new Set(nfes)].sort((a, b) => a - b)) {
      const x = sx(n).toFixed(1);
      out.push(`<line x1="${x}" y1="${y0 + h}" x2="${x}" y2="${y0 + h + 4}" stroke="#444"/><text x="${x}" y="${y0 + h + 15}" text-anchor="middle">${n}</text>`);
    }
    out.push(`<text x="${x0 + w / 2}" y="${y0 + h + 30}" text-anchor="middle">NFE (model calls)</text>`);
    for (const [label, points] of linesOf(rows, guidance)) {
      const colour = PALETTE[solvers.indexOf(label) % PALETTE.length] as string;
      if (points.length > 1) out.push(`<polyline fill="none" stroke="${colour}"${dash(label)} stroke-width="1.5" points="${points.map(([n, v]) => `${sx(n).toFixed(1)},${sy(v).toFixed(1)}`).join(' ')}"/>`);
      for (const [n, v] of points) out.push(`<circle cx="${sx(n).toFixed(1)}" cy="${sy(v).toFixed(1)}" r="2.5" fill="${colour}"/>`);
    }
  }
  const lx = guidances.length * PANEL.width + 8;
  for (const [i, label] of solvers.entries()) {
    const y = 24 + PANEL.top + i * 16;
    const colour = PALETTE[i % PALETTE.length] as string;
    out.push(`<line x1="${lx}" y1="${y}" x2="${lx + 18}" y2="${y}" stroke="${colour}"${dash(label)} stroke-width="2"/><text x="${lx + 24}" y="${y}" dominant-baseline="middle">${escapeXml(label)}</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
