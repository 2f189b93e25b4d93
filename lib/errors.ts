/**
 * The one error type of the pipeline. Every failure a user can act on is a PipelineError with
 * a message that names the input (key path, variable, flag, image, file) and a hint that says
 * what to do. `kind` decides the exit code, in lib/exit.ts and nowhere else.
 */
import { redactText } from './redact';

export type ErrorKind =
  /** bad config, environment value, flag or input file: fix the input, a retry will not help */
  | 'input'
  /** a build step failed (docker build, package build, ansible-galaxy, push, save, ...) */
  | 'build'
  /** the run was interrupted (Ctrl-C, SIGTERM) */
  | 'interrupted';

export interface PipelineErrorOptions {
  hint?: string;
  cause?: unknown;
  /** extra lines shown under the message (e.g. the last lines of a log) */
  details?: string[];
}

export class PipelineError extends Error {
  readonly kind: ErrorKind;
  readonly hint?: string;
  readonly details: string[];
  /** gulp-cli prints `toString()` instead of the stack when this property is a boolean */
  readonly showStack = false;

  constructor(kind: ErrorKind, message: string, options: PipelineErrorOptions = {}) {
    // messages quote config values, and a URL among them may carry a token: shown redacted
    super(redactText(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PipelineError';
    this.kind = kind;
    this.hint = options.hint === undefined ? undefined : redactText(options.hint);
    this.details = (options.details ?? []).map(redactText);
  }

  override toString(): string {
    const lines = [this.message, ...this.details.map((d) => `    ${d}`)];
    if (this.hint) lines.push(`  hint: ${this.hint}`);
    return lines.join('\n');
  }
}

export const inputError = (message: string, hint?: string, options: Omit<PipelineErrorOptions, 'hint'> = {}) =>
  new PipelineError('input', message, { ...options, hint });

export const buildError = (message: string, hint?: string, options: Omit<PipelineErrorOptions, 'hint'> = {}) =>
  new PipelineError('build', message, { ...options, hint });

export const isPipelineError = (e: unknown): e is PipelineError => e instanceof PipelineError;

/** A message for any thrown value, without a stack. */
export function describeError(e: unknown): string {
  if (e instanceof PipelineError) return e.toString();
  if (e instanceof Error) return redactText(e.message);
  return redactText(String(e));
}
