/**
 * The cache registry as one run uses it: opened once (lazily, by the first step that asks), and
 * what the run is for (its intent): a run that only pushes never pulls what the registry already holds.
 */
import { buildError, inputError } from '../errors';
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
  return run.once('cache-registry', async () => (run.config.noCache ? null : openRunRegistry(run)));
}

/**
 * The registry that hands packages and images between a run's engines: the cache registry (else
 * the push registry, lib/config/load.ts), also under --no-cache, which stops reusing images, not
 * handing them over. Several engines cannot work without it: not reaching it is the error.
 */
export function handOffRegistry(run: Run): Promise<RegistryCache> {
  return run.once('hand-off-registry', async () => {
    const cache = run.config.noCache ? await openRunRegistry(run) : await runCache(run);
    if (cache) return cache;
    const address = run.config.cache.address;
    throw address === null
      ? inputError('several engines need a registry to hand the packages and images between them, and none is given',
        'give a cache registry (--cache-registry host:port) or a push registry (--registry)')
      : buildError(`the registry ${address.host}, which hands the packages and images between the engines, cannot be used`,
        'the warning above says why; start it or check its credentials, or list one engine only');
  });
}

/** The cache registry opened for the run (null: none configured, or unreachable: warned). */
async function openRunRegistry(run: Run): Promise<RegistryCache | null> {
  if (run.config.cache.address === null) return null;
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
}
