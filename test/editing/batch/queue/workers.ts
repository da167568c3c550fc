/**
 * Worker processes for the queue tests: `node --import tsx src/cli/main.ts worker --json`, spawned
 * as node itself (not the tsx wrapper), so a SIGKILL hits the worker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const MAIN = path.resolve(import.meta.dirname, '../../../../src/cli/main.ts');

/** A spawned worker and the JSON events it printed. */
export interface TestWorker {
  readonly child: ChildProcess;
  readonly events: Record<string, unknown>[];
  readonly stderr: string[];
  /** Resolves with the first event (past or future) matching `test`. */
  waitFor(test: (e: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
}

export function spawnWorker(args: readonly string[]): TestWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'worker', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: path.dirname(MAIN) });
  const events: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const waiters: { test: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }[] = [];
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim() === '') continue;
      const e = JSON.parse(line) as Record<string, unknown>;
      events.push(e);
      for (const w of [...waiters]) if (w.test(e)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(e));
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => stderr.push(c));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    events,
    stderr,
    exited,
    waitFor: (test, timeoutMs = 60_000) => {
      const found = events.find(test);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`worker event not seen in ${timeoutMs} ms; events: ${JSON.stringify(events)}; stderr: ${stderr.join('')}`)), timeoutMs);
        waiters.push({ test, resolve: (e) => (clearTimeout(t), resolve(e)) });
      });
    },
  };
}
