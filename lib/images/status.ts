/**
 * On a terminal, one live line under the log: which images are building and for how long.
 * Log lines clear it, print, and draw it again; off a terminal it does nothing.
 */
import type { Logger } from '../log';
import { formatDuration } from '../text';

export interface StatusLine {
  /** a logger whose lines do not tear the status line */
  log: Logger;
  /** its build started */
  running(name: string): void;
  /** it was built, skipped, failed or blocked (again: no effect) */
  finished(name: string): void;
  stop(): void;
}

export function statusText(running: Map<string, number>, now: number, counts: { done: number; total: number }): string {
  const parts = [...running].map(([n, t]) => `${n} ${formatDuration(now - t)}`);
  return `[${counts.done}/${counts.total}] building: ${parts.join(', ') || '-'}`;
}

export function statusLine(log: Logger, total: number, out: NodeJS.WriteStream | null): StatusLine {
  const running = new Map<string, number>();
  const finished = new Set<string>();
  if (!out?.isTTY) {
    return { log, running: () => {}, finished: () => {}, stop: () => {} };
  }
  let shown = false;
  const clear = () => {
    if (shown) out.write('\r\x1b[K');
    shown = false;
  };
  const draw = () => {
    clear();
    if (!running.size) return;
    const text = statusText(running, Date.now(), { done: finished.size, total });
    out.write(text.slice(0, Math.max(20, (out.columns || 80) - 1)));
    shown = true;
  };
  const timer = setInterval(draw, 1000);
  timer.unref();
  const wrap = (f: (m: string) => void) => (m: string) => {
    clear();
    f(m);
    draw();
  };
  return {
    log: { debug: wrap((m) => log.debug(m)), info: wrap((m) => log.info(m)), warn: wrap((m) => log.warn(m)), error: wrap((m) => log.error(m)) },
    running: (n) => {
      running.set(n, Date.now());
      draw();
    },
    finished: (n) => {
      running.delete(n);
      finished.add(n);
      draw();
    },
    stop: () => {
      clearInterval(timer);
      clear();
    },
  };
}
