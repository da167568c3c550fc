/**
 * Ctrl-C handling for long runs: the first SIGINT aborts an AbortController (work stops cleanly at
 * the next step, finished outputs and the manifest stay valid), the second exits at once.
 */

/** What {@link handleInterrupts} listens on and calls (process by default; replaceable in tests). */
export interface InterruptHost {
  on(event: 'SIGINT', listener: () => void): unknown;
  off(event: 'SIGINT', listener: () => void): unknown;
}

/** Options of {@link handleInterrupts}. */
export interface InterruptOptions {
  readonly host?: InterruptHost;
  /** Called on the second SIGINT (default: process.exit(130)). */
  readonly exit?: (code: number) => void;
  /** Called on the first SIGINT, e.g. to print "stopping…". */
  readonly onFirst?: () => void;
}

/**
 * Aborts `controller` on the first SIGINT and exits with 130 on the second.
 *
 * @returns a function removing the handler (call it when the work is over).
 */
export function handleInterrupts(controller: AbortController, options: InterruptOptions = {}): () => void {
  const host: InterruptHost = options.host ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let count = 0;
  const listener = (): void => {
    count++;
    if (count === 1) {
      controller.abort(new Error('interrupted (Ctrl-C)'));
      options.onFirst?.();
    } else {
      exit(130);
    }
  };
  host.on('SIGINT', listener);
  return () => {
    host.off('SIGINT', listener);
  };
}
