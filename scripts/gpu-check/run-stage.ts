/**
 * Runs one stage of the GPU check as a child process in its own process group, with a time
 * budget: a stage that crashes, fails or hangs is recorded and the next one runs. Its stdout is
 * parsed (JSON lines or one JSON object); stderr is kept as a tail for the report.
 */
import { spawn } from 'node:child_process';
import type { Stage } from './plan.js';

/** How a stage ended. */
export type StageStatus = 'ok' | 'failed' | 'timeout' | 'skipped';

/** The record of one stage. */
export interface StageResult {
  readonly id: string;
  readonly kind: Stage['kind'];
  readonly measures: string;
  readonly status: StageStatus;
  /** The child's exit code (null when killed or skipped). */
  readonly exitCode: number | null;
  readonly seconds: number;
  readonly budgetSeconds: number;
  /** Objects parsed from stdout. */
  readonly records: readonly Record<string, unknown>[];
  /** stdout lines that were not JSON (kept for the log). */
  readonly otherLines: readonly string[];
  readonly stderrTail: string;
  readonly command: string;
  readonly skipReason?: string;
}

/** Most bytes of stderr and of stdout kept per stage. */
const KEEP_BYTES = 1 << 20;
const TAIL_CHARS = 4000;

/** Parses a stage's stdout into objects (JSON lines, or one JSON object spread over lines). */
export function parseStageOutput(stdout: string, output: Stage['output']): { records: Record<string, unknown>[]; otherLines: string[] } {
  const records: Record<string, unknown>[] = [];
  const otherLines: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (output === 'json') {
    const start = stdout.indexOf('{');
    const end = stdout.lastIndexOf('}');
    if (start >= 0 && end > start) {
      try {
        const v: unknown = JSON.parse(stdout.slice(start, end + 1));
        if (isObject(v)) return { records: [v], otherLines: [stdout.slice(0, start), stdout.slice(end + 1)].map((s) => s.trim()).filter((s) => s !== '') };
      } catch {
        // fall through to line parsing
      }
    }
  }
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    try {
      const v: unknown = JSON.parse(t);
      if (isObject(v)) records.push(v);
      else otherLines.push(t);
    } catch {
      otherLines.push(t);
    }
  }
  return { records, otherLines };
}

/** Runs `stage` for at most `limitSeconds` (its budget or less); never throws. */
export async function runStage(stage: Stage, limitSeconds: number, env: NodeJS.ProcessEnv, cwd: string, onLine?: (line: string) => void): Promise<StageResult> {
  const command = stage.argv.map((a) => (/^[\w./=:,+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  const base = { id: stage.id, kind: stage.kind, measures: stage.measures, budgetSeconds: stage.budgetSeconds, command };
  if (stage.skipReason !== undefined || limitSeconds < 1) {
    return { ...base, status: 'skipped', exitCode: null, seconds: 0, records: [], otherLines: [], stderrTail: '', skipReason: stage.skipReason ?? 'no time left in the overall budget' };
  }
  const [exe, ...args] = stage.argv as [string, ...string[]];
  const t0 = performance.now();
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  const exitCode = await new Promise<number | null>((resolve) => {
    const child = spawn(exe, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, limitSeconds * 1000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < KEEP_BYTES) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-KEEP_BYTES);
      if (onLine) for (const l of d.split('\n')) if (l.trim() !== '') onLine(l);
    });
    child.on('error', (e) => {
      stderr += `\n${e.message}`;
      clearTimeout(timer);
      resolve(null);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  const { records, otherLines } = parseStageOutput(stdout, stage.output);
  const status: StageStatus = timedOut ? 'timeout' : exitCode === 0 ? 'ok' : 'failed';
  return { ...base, status, exitCode: timedOut ? null : exitCode, seconds, records, otherLines: otherLines.slice(-50), stderrTail: stderr.slice(-TAIL_CHARS) };
}
