/**
 * The registry as the family's cache: every image the pipeline pushes is also stored under a tag
 * derived from its input hash, in the same repository as its version tag:
 *
 *   <registry>/contrail-<component>-<os>:h-<input hash, 64 hex>
 *   <registry>/contrail-repo-<os>:h-<repo image hash>       (and :src-<sources key> when built from sources)
 *
 * A tag is found with one manifest request, without downloading a layer; the image config blob
 * (a few KiB) carries the input-hash label, which is checked against the tag. The version tag
 * `:<version>` is only ever moved to a manifest already stored under its hash tag.
 */
import type { RegistryAddress } from '../config/checks';
import { registryRef, splitRef } from '../naming';
import { apiName } from './registryApi';

const HEX = /^(?:sha256:)?([0-9a-f]{64})$/;

/** `h-<hash>`: the tag of an image with this input hash. */
export function hashTag(inputHash: string): string {
  const m = HEX.exec(inputHash);
  if (!m) throw new Error(`not an input hash: ${inputHash}`);
  return `h-${m[1]}`;
}

/** `src-<key>`: the tag of the contrail-repo image built from sources with this key (their commits and the recipe). */
export function sourcesTag(key: string): string {
  const m = HEX.exec(key);
  if (!m) throw new Error(`not a sources key: ${key}`);
  return `src-${m[1]}`;
}

export const isCacheTag = (tag: string) => /^(h|src)-[0-9a-f]{64}$/.test(tag);

/** Where a local image (`contrail-<c>-<os>:<version>`) lives in a registry, under any tag. */
export interface RegistryPlace {
  /** the registry API's name: `[<namespace>/]contrail-<c>-<os>` */
  name: string;
  /** `<host>[/<namespace>]/contrail-<c>-<os>`, as the engine names it */
  repository: string;
}

export function registryPlace(address: RegistryAddress, localRef: string): RegistryPlace {
  const local = splitRef(localRef).repository;
  const prefix = address.namespace ? `${address.host}/${address.namespace}` : address.host;
  return { name: apiName(address.namespace, local), repository: registryRef(prefix, local) };
}
