/**
 * Ctrl-C and SIGTERM: abort the run's signal so steps cancel their builds and remove their
 * containers, record the interruption as the run's outcome (exit 130), and exit at once on a
 * second interrupt or when the steps do not wind down within the grace period.
 */
import { PipelineError } from './errors';
import { EXIT, recordFailure } from './exit';
import type { Logger } from './log';

export function interruptedError(signal: string): PipelineError {
  return new PipelineError('interrupted', `interrupted by ${signal}`, {
    hint: 'run the same command again: finished images are skipped by their content hash',
  });
}

export interface InterruptOptions {
  controller: AbortController;
  log: Logger;
  /** what is running now, for the message */
  running: () => string[];
  graceMs?: number;
}

export function handleInterrupts(options: InterruptOptions): () => void {
  let interrupted = false;
  const on = (sig: NodeJS.Signals) => {
    if (interrupted) {
      options.log.warn(`${sig} again: exiting now`);
      process.exit(EXIT.interrupted);
    }
    interrupted = true;
    const error = interruptedError(sig);
    recordFailure(error);
    const running = options.running();
    options.log.warn(
      `${sig}: interrupting ${running.length ? running.join(', ') : 'the run'}; cancelling builds and removing their containers (again to exit at once)`,
    );
    options.controller.abort(error);
    setTimeout(() => process.exit(EXIT.interrupted), options.graceMs ?? 30_000).unref();
  };
  const onInt = () => on('SIGINT');
  const onTerm = () => on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.removeListener('SIGINT', onInt);
    process.removeListener('SIGTERM', onTerm);
  };
}

/** Throws the interruption if the signal was aborted: steps call this between units of work. */
export function throwIfInterrupted(signal: AbortSignal): void {
  if (signal.aborted) {
    throw signal.reason instanceof PipelineError ? signal.reason : interruptedError('an interrupt');
  }
}
