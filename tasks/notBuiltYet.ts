import { buildError } from '../lib/errors';

/** A step whose issue has not landed yet fails plainly; no step may pretend to succeed. */
export function notBuiltYet(step: string, issue: string): never {
  throw buildError(`${step} is not built yet`, `it lands with the issue "${issue}"`);
}
