/**
 * Where each image goes: `<registry>/contrail-<component>-<os>:<version>`, the names
 * contrail-ansible's node role pulls. The tag is always given explicitly: without one the engine
 * pushes every local tag of the repository.
 */
import type { RegistryAddress } from '../config/checks';
import { registryRef, splitRef } from '../naming';
import type { ShipImage } from '../ship';
import { apiName } from './registryApi';

export interface PushTarget {
  image: ShipImage;
  /** `<registry>/contrail-<component>-<os>`, as the engine names it */
  repository: string;
  tag: string;
  /** `<repository>:<tag>` */
  ref: string;
  /** the registry API's name: `[<namespace>/]contrail-<component>-<os>` */
  name: string;
}

export function pushTargets(images: readonly ShipImage[], registry: RegistryAddress, version: string): PushTarget[] {
  const prefix = registry.namespace ? `${registry.host}/${registry.namespace}` : registry.host;
  return images.map((image) => {
    const local = splitRef(image.ref).repository;
    const repository = registryRef(prefix, local);
    return { image, repository, tag: version, ref: `${repository}:${version}`, name: apiName(registry.namespace, local) };
  });
}

export type PushStatus = 'pushed' | 'already there' | 'failed';

export interface PushOutcome {
  component: string;
  /** the registry reference */
  ref: string;
  status: PushStatus;
  /** the manifest digest the registry reports */
  digest: string | null;
  attempts: number;
  error?: string;
}

/** The per-image summary lines. Holds names and digests only. */
export function pushSummary(outcomes: readonly PushOutcome[]): string[] {
  const width = Math.max(...outcomes.map((o) => o.ref.length), 0);
  return outcomes.map((o) => {
    const tries = o.attempts > 1 ? ` (${o.attempts} attempts)` : '';
    const what = o.status === 'failed' ? `failed: ${o.error ?? 'unknown error'}` : o.digest ?? '';
    return `${o.status.padEnd(13)} ${o.ref.padEnd(width)}  ${what}${tries}`;
  });
}
