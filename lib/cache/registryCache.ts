/**
 * The cache registry of one run: connected once (with the credentials push uses), asked by each
 * step before it builds, and pulled from when an image is needed on this engine. Not reaching it
 * is never fatal here: the run warns once and builds without it (push fails on its own registry
 * check before any build, as before).
 */
import type Docker from 'dockerode';
import type { RegistryAddress } from '../config/checks';
import { localImage, pullImage, removeImage, tagImage } from '../docker/images';
import { connectRegistry, type ConnectRequest } from '../push/connect';
import type { RegistryClient } from '../push/registryApi';
import { registryPlace } from './identity';
import { type CachedImage, lookupImage } from './lookup';

export interface RegistryCache {
  address: RegistryAddress;
  client: RegistryClient;
  /** the engine's X-Registry-Auth payload; holds the secret: never log it */
  auth: Record<string, string>;
  /** `localRef`'s image under `tag`, or null (also when the registry stopped answering: warned once) */
  find(localRef: string, tag: string, expect?: Record<string, string>): Promise<CachedImage | null>;
  /** Pulls a found image and tags it `localRef`; returns its id. Throws when the pull fails. */
  pull(found: CachedImage, localRef: string, signal?: AbortSignal): Promise<string>;
}

export interface OpenCacheRequest extends ConnectRequest {
  docker: Docker;
}

/** The cache, or null when none is configured or it cannot be reached (then a warning says so). */
export async function openCache(req: OpenCacheRequest): Promise<RegistryCache | null> {
  const address = req.registry;
  if (address === null) return null;
  let target;
  try {
    target = await connectRegistry(req);
  } catch (e) {
    if (req.signal?.aborted) throw e;
    req.log.warn(`cache: registry ${address.host} cannot be used (${messageOf(e)}); everything is built here`);
    return null;
  }
  let broken = false;
  const cache: RegistryCache = {
    address,
    client: target.client,
    auth: target.auth,
    async find(localRef, tag, expect) {
      if (broken) return null;
      try {
        return await lookupImage(target.client, registryPlace(address, localRef), tag, expect);
      } catch (e) {
        if (req.signal?.aborted) throw e;
        broken = true;
        req.log.warn(`cache: registry ${address.host} stopped answering (${messageOf(e)}); the rest is built here`);
        return null;
      }
    },
    pull: (found, localRef, signal) => pullFound(req.docker, target.auth, found, localRef, signal),
  };
  return cache;
}

/**
 * Pulls an image found in the registry onto `docker` (any engine of the run) and tags it
 * `localRef`; the registry's name is dropped. Returns its id, which must be the manifest's.
 */
export async function pullFound(docker: Docker, auth: Record<string, string>, found: CachedImage, localRef: string, signal?: AbortSignal): Promise<string> {
  const remote = `${found.place.repository}:${found.tag}`;
  const error = await pullImage(docker, remote, { auth, signal });
  if (error) throw new Error(`pulling ${remote}: ${error}`);
  const colon = localRef.lastIndexOf(':');
  await tagImage(docker, remote, localRef.slice(0, colon), localRef.slice(colon + 1));
  // the registry's name is only how it came: the engine keeps the family's own name
  await removeImage(docker, remote).catch(() => 'absent');
  const id = (await localImage(docker, localRef))?.id;
  if (id !== found.id) throw new Error(`pulled ${remote} as ${id ?? 'nothing'}, the registry's manifest names ${found.id}`);
  return id;
}

/** The error's message without its hint: a warning line, not a failure report. */
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
