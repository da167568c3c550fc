/**
 * A small progress display for long work, without dependencies. On a TTY it redraws one line
 * (`label [#####-----] 3/10 30% 0:04`); elsewhere (logs, pipes, CI) it prints an occasional plain
 * line: when a phase starts, at most every `plainIntervalMs`, and when it completes.
 */
import type { Progress } from '../editing/pipeline.js';

/** The stream a progress display writes to (process.stderr by default). */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
}

/** Options of {@link ProgressBar}. */
export interface ProgressOptions {
  readonly stream?: ProgressStream;
  /** Draw nothing at all (e.g. `--json` on a non-TTY). */
  readonly silent?: boolean;
  /** Force TTY or plain mode (default: the stream's isTTY). */
  readonly tty?: boolean;
  /** Minimum time between TTY redraws (default 80 ms). */
  readonly redrawMs?: number;
  /** Minimum time between plain lines of one phase (default 10 s). */
  readonly plainIntervalMs?: number;
  /** Clock (for tests). */
  readonly now?: () => number;
}

const BAR_WIDTH = 24;

/** Formats seconds as m:ss (or h:mm:ss). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A progress display over phases (`invert 3/50`, `edit 10/50`, `items 2/8`...). */
export class ProgressBar {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly silent: boolean;
  private readonly redrawMs: number;
  private readonly plainIntervalMs: number;
  private readonly now: () => number;
  private phase: string | undefined;
  private phaseStart = 0;
  /** Position at the phase's first update (the ETA is measured from there). */
  private phaseStartCount = 0;
  private lastDraw = -Infinity;
  private lastPlain = -Infinity;
  private drawn = false;
  private completePrinted = false;
  private lastCurrent = 0;
  private lastTotal = 0;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? this.stream.isTTY === true;
    this.silent = options.silent ?? false;
    this.redrawMs = options.redrawMs ?? 80;
    this.plainIntervalMs = options.plainIntervalMs ?? 10_000;
    this.now = options.now ?? (() => Date.now());
  }

  /** Whether the display redraws a line in place. */
  get isTty(): boolean {
    return this.tty;
  }

  /**
   * Reports `current` of `total` in `phase` (a new phase name starts a new count). `detail` is
   * shown after the bar on a TTY (e.g. the running item's step) without starting a new phase.
   */
  update(phase: string, current: number, total: number, detail?: string): void {
    if (this.silent) return;
    const t = this.now();
    const newPhase = phase !== this.phase;
    if (newPhase) {
      this.phase = phase;
      this.phaseStart = t;
      this.phaseStartCount = current;
    }
    this.lastCurrent = current;
    this.lastTotal = total;
    const complete = total > 0 && current >= total;
    if (this.tty) {
      if (!newPhase && !complete && t - this.lastDraw < this.redrawMs) return;
      this.lastDraw = t;
      const text = `${this.line(phase, current, total, t)}${detail ? `  ${detail}` : ''}`;
      const max = this.columns() - 1;
      this.stream.write(`\r\x1b[K${text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text}`);
      this.drawn = true;
      return;
    }
    if (newPhase) this.completePrinted = false;
    if (complete && this.completePrinted) return;
    if (newPhase || complete || t - this.lastPlain >= this.plainIntervalMs) {
      this.lastPlain = t;
      this.completePrinted = complete;
      this.stream.write(`${this.line(phase, current, total, t)}\n`);
    }
  }

  /** Adapts pipeline progress events (`onProgress`) to this display, prefixed with `label`. */
  pipeline(label?: string): (p: Progress) => void {
    return (p) => this.update(label ? `${label} ${p.phase}` : p.phase, p.step, p.total);
  }

  /** Prints a message line without breaking the bar (the bar is redrawn on the next update). */
  log(message: string): void {
    if (this.silent) return;
    this.clear();
    this.stream.write(`${message}\n`);
  }

  /** Erases the bar line (TTY); call before printing results. */
  clear(): void {
    if (this.tty && this.drawn) {
      this.stream.write('\r\x1b[K');
      this.drawn = false;
    }
  }

  /** Ends the display: clears the TTY line. */
  done(): void {
    this.clear();
    this.phase = undefined;
  }

  private line(phase: string, current: number, total: number, t: number): string {
    const elapsed = formatDuration((t - this.phaseStart) / 1000);
    if (!(total > 0)) return `${phase} ${current} ${elapsed}`;
    const frac = Math.min(1, Math.max(0, current / total));
    const pct = `${Math.floor(frac * 100)}%`.padStart(4);
    const done = current - this.phaseStartCount;
    const eta = done > 0 && current < total ? ` eta ${formatDuration((((t - this.phaseStart) / 1000) * (total - current)) / done)}` : '';
    if (!this.tty) return `${phase} ${current}/${total} (${pct.trim()}) ${elapsed}${eta}`;
    const width = Math.max(10, Math.min(BAR_WIDTH, this.columns() - phase.length - 30));
    const filled = Math.round(frac * width);
    return `${phase} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${current}/${total} ${pct} ${elapsed}${eta}`;
  }

  /** Terminal width (120 when unknown, e.g. a pseudo-terminal without a size). */
  private columns(): number {
    const c = this.stream.columns;
    return c !== undefined && c > 0 ? c : 120;
  }

  /** The last reported position (for tests and summaries). */
  get position(): { readonly phase: string | undefined; readonly current: number; readonly total: number } {
    return { phase: this.phase, current: this.lastCurrent, total: this.lastTotal };
  }
}
