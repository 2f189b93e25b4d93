/**
 * The build arguments of an image built on an engine that runs its own repo container: apt there
 * reaches that container (its URL, and the host apt pins). These arguments say where the packages
 * are, not what they are (lib/images/inputs.ts LOCATION_ARGS), so the input hash is the same on
 * every engine. Pure.
 */
import { pinHost } from '../packages/aptSource';

export function argsOnEngine(args: Record<string, string>, repoUrl: string): Record<string, string> {
  const out = { ...args };
  if ('CONTRAIL_REPO_URL' in out) out.CONTRAIL_REPO_URL = repoUrl;
  if ('CONTRAIL_REPO_HOST' in out) out.CONTRAIL_REPO_HOST = pinHost(repoUrl);
  return out;
}
