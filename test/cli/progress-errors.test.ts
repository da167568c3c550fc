import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeError, EXIT, exitCodeFor, printError, UsageError } from '../../src/cli/errors.js';
import { handleInterrupts } from '../../src/cli/interrupt.js';
import { formatDuration, ProgressBar } from '../../src/cli/progress.js';
import { REPRISE_VERSION } from '../../src/cli/version.js';
import { ConfigError, RepriseError, WeightsError } from '../../src/errors.js';
import { repoRoot } from '../helpers.js';

function sink(isTTY: boolean): { text: () => string; stream: { write: (s: string) => boolean; isTTY: boolean; columns: number } } {
  const parts: string[] = [];
  return { text: () => parts.join(''), stream: { write: (s: string) => (parts.push(s), true), isTTY, columns: 80 } };
}

describe('progress display', () => {
  it('redraws one line on a TTY (throttled, always the last step) and clears it at the end', () => {
    let now = 0;
    const s = sink(true);
    const bar = new ProgressBar({ stream: s.stream, now: () => now });
    for (let i = 1; i <= 10; i++) {
      now += 10;
      bar.update('invert', i, 10);
    }
    bar.done();
    const text = s.text();
    expect(text.startsWith('\r\x1b[Kinvert [')).toBe(true);
    expect(text).toContain('invert [########################] 10/10 100%');
    expect(text.split('\r\x1b[K').filter(Boolean).length).toBeLessThan(10); // throttled
    expect(text.endsWith('\r\x1b[K')).toBe(true);
    expect(text).not.toContain('\n');
  });

  it('prints occasional plain lines elsewhere: phase start, every interval, completion once', () => {
    let now = 0;
    const s = sink(false);
    const bar = new ProgressBar({ stream: s.stream, now: () => now, plainIntervalMs: 1000 });
    for (let i = 1; i <= 50; i++) {
      now += 100;
      bar.update('edit', i, 50, 'detail ignored');
    }
    bar.update('edit', 50, 50);
    bar.update('decode', 0, 1);
    const lines = s.text().trim().split('\n');
    expect(lines[0]).toBe('edit 1/50 (2%) 0:00');
    expect(lines[1]).toBe('edit 11/50 (22%) 0:01 eta 0:04'); // 10 steps per second since the first update
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.length).toBeLessThan(10);
    expect(lines.filter((l) => l.startsWith('edit 50/50'))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^decode 0\/1/);
    expect(s.text()).not.toContain('\x1b');
  });

  it('is silent when asked; formats durations', () => {
    const s = sink(true);
    const bar = new ProgressBar({ stream: s.stream, silent: true });
    bar.update('x', 1, 2);
    bar.log('hello');
    expect(s.text()).toBe('');
    expect(formatDuration(5)).toBe('0:05');
    expect(formatDuration(3725)).toBe('1:02:05');
  });
});

describe('exit codes and error printing', () => {
  it('maps user-input RepriseError codes to 2 and the rest to 3, in one place', () => {
    for (const code of ['CONFIG_INVALID', 'SAFETENSORS_INVALID', 'MODEL_FOLDER', 'RUNTIME_INPUT', 'TOKENIZER_INVALID', 'WEIGHTS_MISSING', 'RUNTIME_DEVICE'] as const) {
      expect(exitCodeFor(new RepriseError(code, 'x')), code).toBe(EXIT.usage);
    }
    expect(exitCodeFor(new ConfigError('CONFIG_UNSUPPORTED', 'k', 'm'))).toBe(2);
    expect(exitCodeFor(new WeightsError('WEIGHTS_SHAPE', 't', 'm'))).toBe(2);
    for (const code of ['RUNTIME_FAILURE', 'GRAPH_INVALID', 'SCHEDULER_INVALID'] as const) expect(exitCodeFor(new RepriseError(code, 'x')), code).toBe(EXIT.internal);
    expect(exitCodeFor(new UsageError('bad'))).toBe(2);
    expect(exitCodeFor(Object.assign(new Error('nope'), { code: 'ENOENT' }))).toBe(2);
    expect(exitCodeFor(new TypeError('bug'))).toBe(3);
  });

  it('prints "reprise: message" and the hint, never a stack for RepriseError', () => {
    const parts: string[] = [];
    const out = { write: (s: string) => parts.push(s) };
    expect(printError(new RepriseError('MODEL_FOLDER', 'no model here', { hint: 'point to one' }), out)).toBe(2);
    expect(parts.join('')).toBe('reprise: no model here\n  → point to one\n');
    expect(describeError(new RepriseError('RUNTIME_INPUT', 'm', { hint: 'h' }))).toEqual({ message: 'm', hint: 'h', code: 'RUNTIME_INPUT' });
    parts.length = 0;
    expect(printError(new TypeError('undefined is not a function'), out)).toBe(3);
    expect(parts.join('')).toMatch(/^reprise: undefined is not a function\n {2}→ This is an internal error/);
  });
});

describe('Ctrl-C', () => {
  it('the first SIGINT aborts, the second exits with 130; the handler can be removed', () => {
    const host = new EventEmitter();
    const controller = new AbortController();
    const exits: number[] = [];
    let first = 0;
    const dispose = handleInterrupts(controller, { host, exit: (c) => exits.push(c), onFirst: () => first++ });
    host.emit('SIGINT');
    expect(controller.signal.aborted).toBe(true);
    expect(first).toBe(1);
    expect(exits).toEqual([]);
    host.emit('SIGINT');
    expect(exits).toEqual([130]);
    dispose();
    expect(host.listenerCount('SIGINT')).toBe(0);
  });
});

describe('the reprise entry point', () => {
  it('`reprise --help` lists every command and the exit codes; unknown commands exit 2', () => {
    // node + tsx's CLI directly (what `npx tsx src/cli/main.ts` runs, without npx's start-up)
    const reprise = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'src/cli/main.ts', ...args], { cwd: repoRoot, encoding: 'utf8' });
    const help = reprise('--help');
    expect(help.status, help.stderr).toBe(0);
    for (const cmd of ['invert', 'reconstruct', 'edit', 'maps', 'batch', 'conformance', 'doctor', 'install-cuda-provider', 'bench']) expect(help.stdout).toMatch(new RegExp(`^ {2}${cmd}\\b`, 'm'));
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 {4}success\n {2}1 /);
    const version = reprise('--version');
    expect(version.stdout.trim()).toBe(REPRISE_VERSION);
    const unknown = reprise('frobnicate');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/reprise: unknown command "frobnicate"/);
  });
});
