/**
 * The cache's identity tags (`h-<input hash>`, `src-<sources key>`) and where an image lives in a
 * registry: defined with the registry API in lib/push/identity.ts, which push uses to publish
 * them, so push needs nothing of lib/cache (no import cycle between the two).
 */
export { hashTag, isCacheTag, type RegistryPlace, registryPlace, sourcesTag } from '../push/identity';
