/**
 * Publishes the family's version tags from the identity tags already in the registry, without
 * uploading anything: for each image, GET its manifest by `h-<input hash>` and PUT it under the
 * version tag (a registry-side copy; the digest stays the same). All or nothing, like push: when
 * any image's identity tag is missing, no version tag moves and the error names those images.
 *
 * The part that decides (planPublish) is pure; gathering the manifests and applying the moves
 * go through the registry client. A CI's final job and a push across several engines use it.
 */
import { buildError } from '../errors';
import type { Logger } from '../log';
import type { RegistryAddress } from '../config/checks';
import { hashTag, registryPlace } from './identity';
import type { RegistryTarget } from './connect';
import type { Manifest } from './registryApi';
import { errorText, RetriesEnded, withRetries, type Backoff } from './retry';

/** An image to publish: its local name and the input hash it is stored under (null: not known, so not stored). */
export interface PublishImage {
  component: string;
  /** `contrail-<component>-<os>:<version>` */
  ref: string;
  inputHash: string | null;
  /** why its input hash is not known, for the message */
  reason?: string;
}

export interface PublishTarget {
  component: string;
  /** the registry API's name */
  name: string;
  /** `<repository>:<version>` as the engine names it, for messages */
  ref: string;
  /** null: the image has no input hash, so it cannot be in the registry */
  identity: string | null;
  tag: string;
  reason?: string;
}

export function publishTargets(images: readonly PublishImage[], registry: RegistryAddress, version: string): PublishTarget[] {
  return images.map((i) => {
    const { name, repository } = registryPlace(registry, i.ref);
    const identity = i.inputHash && /^(?:sha256:)?[0-9a-f]{64}$/.test(i.inputHash) ? hashTag(i.inputHash) : null;
    return { component: i.component, name, ref: `${repository}:${version}`, identity, tag: version, ...(i.reason ? { reason: i.reason } : {}) };
  });
}

/** What the registry holds for one target: the manifest under its identity tag, and the digest under its version tag. */
export interface PublishFacts {
  stored: Manifest | null;
  current: string | null;
}

export interface PublishMove {
  target: PublishTarget;
  manifest: Manifest;
  /** the version tag points there already */
  unchanged: boolean;
}

export type PublishPlan = { missing: PublishTarget[]; moves: [] } | { missing: []; moves: PublishMove[] };

/** Every identity tag present: each version tag moves to its manifest; else nothing moves. */
export function planPublish(targets: readonly PublishTarget[], facts: readonly PublishFacts[]): PublishPlan {
  const missing = targets.filter((_, k) => facts[k].stored === null);
  if (missing.length) return { missing, moves: [] };
  return {
    missing: [],
    moves: targets.map((target, k) => ({ target, manifest: facts[k].stored!, unchanged: facts[k].current === facts[k].stored!.digest })),
  };
}

export interface PublishRequest {
  target: RegistryTarget;
  images: PublishImage[];
  version: string;
  retries: number;
  log: Logger;
  signal?: AbortSignal;
  backoff?: Backoff;
}

export interface PublishOutcome {
  component: string;
  ref: string;
  digest: string;
  version: 'moved' | 'unchanged';
}

async function gather(req: PublishRequest, targets: PublishTarget[]): Promise<PublishFacts[]> {
  const { client } = req.target;
  const retry = (what: string) => ({ retries: req.retries, what, log: req.log, signal: req.signal, backoff: req.backoff });
  const out: PublishFacts[] = [];
  for (const t of targets) {
    const stored = t.identity ? await withRetries(() => client.manifest(t.name, t.identity!), retry(`reading ${t.name}:${t.identity}`)) : null;
    const current = stored ? await withRetries(() => client.manifestDigest(t.name, t.tag), retry(`reading ${t.ref}`)) : null;
    out.push({ stored, current });
  }
  return out;
}

export async function publishFromCache(req: PublishRequest): Promise<PublishOutcome[]> {
  const host = req.target.address.host;
  const targets = publishTargets(req.images, req.target.address, req.version);
  const plan = planPublish(targets, await gather(req, targets));
  if (plan.missing.length) {
    throw buildError(
      `cannot publish :${req.version}: ${host} has no image under its input hash for ${plan.missing.map((t) => t.component).join(', ')}; every version tag on ${host} is where it was`,
      'push those images first (npx gulp push --images NAME --cache-only), then publish again',
      { details: plan.missing.map((t) => `${t.ref}: ${t.identity ? `no ${t.name}:${t.identity}` : `its input hash is not known (${t.reason ?? 'no input hash'})`}`) },
    );
  }
  const outcomes: PublishOutcome[] = [];
  for (const m of plan.moves) {
    try {
      if (!m.unchanged) {
        await withRetries(() => req.target.client.putManifest(m.target.name, m.target.tag, m.manifest),
          { retries: req.retries, what: `moving ${m.target.ref}`, log: req.log, signal: req.signal, backoff: req.backoff });
      }
    } catch (e) {
      if (req.signal?.aborted) throw e;
      const moved = outcomes.filter((o) => o.version === 'moved').map((o) => o.ref);
      throw buildError(`moving the version tags failed (${errorText(e instanceof RetriesEnded ? e.last : e)}); ${moved.length ? `moved already: ${moved.join(', ')}` : `every version tag on ${host} is where it was`}`,
        'run again: every image is in the registry, so the rerun only moves the tags');
    }
    outcomes.push({ component: m.target.component, ref: m.target.ref, digest: m.manifest.digest, version: m.unchanged ? 'unchanged' : 'moved' });
    req.log.info(`publish: ${m.target.ref} ${m.unchanged ? 'unchanged' : 'moved'} (${m.manifest.digest}, from ${m.target.identity})`);
  }
  const moved = outcomes.filter((o) => o.version === 'moved').length;
  req.log.info(`version tags :${req.version} on ${host}: ${moved} moved, ${outcomes.length - moved} already there; nothing uploaded`);
  return outcomes;
}
