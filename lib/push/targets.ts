/**
 * Where each image goes: `<registry>/contrail-<component>-<os>:<version>`, the names
 * contrail-ansible's node role pulls. The tag is always given explicitly: without one the engine
 * pushes every local tag of the repository.
 */
import { hashTag, registryPlace } from './identity';
import type { RegistryAddress } from '../config/checks';
import { buildError } from '../errors';
import type { ShipImage } from '../ship';

export interface PushTarget {
  image: ShipImage;
  /** `<registry>/contrail-<component>-<os>`, as the engine names it */
  repository: string;
  tag: string;
  /** `<repository>:<tag>` */
  ref: string;
  /** the registry API's name: `[<namespace>/]contrail-<component>-<os>` */
  name: string;
  /** the tag it is uploaded under first, derived from its input hash (lib/push/identity.ts) */
  identity: string;
}

export function pushTargets(images: readonly ShipImage[], registry: RegistryAddress, version: string): PushTarget[] {
  const unlabelled = images.filter((i) => !/^[0-9a-f]{64}$/.test(i.inputHash));
  if (unlabelled.length) {
    throw buildError(`cannot push ${unlabelled.map((i) => i.ref).join(', ')}: no input hash label, so no identity to publish it under`,
      'rebuild it with this pipeline (gulp clean, then gulp push)');
  }
  return images.map((image) => {
    const { name, repository } = registryPlace(registry, image.ref);
    return { image, repository, tag: version, ref: `${repository}:${version}`, name, identity: hashTag(image.inputHash) };
  });
}

/** the upload under the identity tag */
export type PushStatus = 'pushed' | 'already there' | 'failed';
/** the version tag, afterwards */
export type VersionTagStatus = 'moved' | 'unchanged' | 'not moved';

export interface PushOutcome {
  component: string;
  /** the registry reference */
  ref: string;
  status: PushStatus;
  version: VersionTagStatus;
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
    const what = o.status === 'failed' ? `failed: ${o.error ?? 'unknown error'}` : `${o.digest ?? ''}, version tag ${o.version}`;
    return `${o.status.padEnd(13)} ${o.ref.padEnd(width)}  ${what}${tries}`;
  });
}
