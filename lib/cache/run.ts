/**
 * The cache registry as one run uses it: opened once (lazily, by the first step that asks), and
 * what the run is for (its intent): a run that only pushes never pulls what the registry already holds.
 */
import type { Run } from '../run';
import type { EngineRegistryConfig } from '../push/connect';
import { openCache, type RegistryCache } from './registryCache';

/** How each image came to be, in the same words on the console, in plan and in summary.json. */
export const HOW = {
  local: 'up to date locally',
  registry: 'from the registry',
  built: 'built',
} as const;
export type How = (typeof HOW)[keyof typeof HOW];

/** Whether an image the registry has is wanted on this engine too (not when the run only pushes it: its intent, lib/run.ts). */
export const wantsLocalImages = (run: Run): boolean => run.intent !== 'push';

/** What a push run that fails before publishing says: the registry was not touched. */
export const versionTagsUntouched = (run: Run): string =>
  run.intent === 'push' ? '; nothing was pushed: every version tag in the registry is where it was' : '';

export function runCache(run: Run): Promise<RegistryCache | null> {
  return run.once('cache-registry', async () => {
    if (run.config.noCache || run.config.cache.address === null) return null;
    const docker = await run.engine();
    return openCache({
      registry: run.config.cache.address,
      user: run.config.push.user,
      env: process.env,
      // a lookup is worth seconds, not the push's backoff: one retry, then build without it
      retries: 1,
      backoff: { baseMs: 200, maxMs: 500 },
      log: run.log,
      signal: run.signal,
      limits: run.config.registryLimits,
      docker,
      engineRegistryConfig: async () => ((await docker.info()) as { RegistryConfig?: EngineRegistryConfig }).RegistryConfig,
    });
  });
}
