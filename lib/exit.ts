import { PipelineError } from './errors';

/**
 * The one place that decides the process exit code:
 *   0 done, 1 a build step failed (or anything unexpected), 2 bad input or config, 130 interrupted.
 */
export const EXIT = { ok: 0, failed: 1, badInput: 2, interrupted: 130 } as const;

export function exitCodeFor(error: unknown): number {
  if (error instanceof PipelineError) {
    if (error.kind === 'input') return EXIT.badInput;
    if (error.kind === 'interrupted') return EXIT.interrupted;
  }
  return EXIT.failed;
}

let firstFailure: unknown;
let installed = false;

/** The failure that decides the exit code; undefined while none was reported. */
export const runFailure = (): unknown => firstFailure;

/** Tasks report their failure here; the first one decides the exit code. */
export function recordFailure(error: unknown): void {
  if (firstFailure === undefined) firstFailure = error;
}

/**
 * gulp-cli exits 1 on any task failure; we refine that code on the way out, so scripts can tell
 * a bad input (2) or an interruption (130) from a failed build (1).
 */
export function installExitCodes(): void {
  if (installed) return;
  installed = true;
  process.on('exit', (code) => {
    if (firstFailure !== undefined && code !== 0) process.exitCode = exitCodeFor(firstFailure);
  });
}
