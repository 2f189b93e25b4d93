/**
 * Publishes the family all or nothing. First every image is uploaded under its identity tag
 * (`h-<input hash>`, lib/push/identity.ts), up to `jobs` at once: tagged by id, pushed through
 * the engine, its manifest digest read back and compared; an image the registry already holds
 * under that tag is not uploaded again, and one that is only in the registry is not pulled.
 * Only when every image is there are the version tags moved, one after another, each a manifest
 * PUT by digest (no upload). A failure or an interrupt before that leaves every version tag where
 * it was, and says so. Transient failures are retried with backoff.
 */
import type Docker from 'dockerode';
import { buildError } from '../errors';
import { mapLimit } from '../limit';
import type { Logger } from '../log';
import type { ShipImage } from '../ship';
import { configDigest } from './registryApi';
import { pushStream, removeImage, tagImage } from '../docker/images';
import { followJsonStream } from '../docker/stream';
import type { RegistryTarget } from './connect';
import type { Manifest } from './registryApi';
import { errorText, RetriesEnded, withRetries, type Backoff } from './retry';
import { pushSummary, pushTargets, type PushOutcome, type PushTarget } from './targets';

export interface PushRequest {
  target: RegistryTarget;
  images: ShipImage[];
  version: string;
  jobs: number;
  retries: number;
  log: Logger;
  signal?: AbortSignal;
  backoff?: Backoff;
  /** brings an image that is not on this engine (`local: false`) onto it; returns its id */
  ensureLocal?: (image: ShipImage) => Promise<string>;
  /** false: stop at the identity tags (a CI job; publishFromCache moves the version tags later) */
  versionTags?: boolean;
  /** an identity tag already stored is kept although this engine's image is another build of the same inputs */
  keepStored?: boolean;
}

/** An error a retry cannot fix, whatever its words. */
const permanent = (message: string) => Object.assign(new Error(message), { permanent: true });

interface Uploaded {
  outcome: PushOutcome;
  manifest: Manifest | null;
}

/** Pushes `t` under its identity tag through the engine; the registry's manifest afterwards. */
async function upload(docker: Docker, req: PushRequest, t: PushTarget, id: string): Promise<Manifest> {
  const { client, auth } = req.target;
  // tag the exact image that was built (by id), under the registry's name
  await tagImage(docker, id, t.repository, t.identity);
  try {
    const stream = await pushStream(docker, t.repository, t.identity, auth, req.signal);
    // the engine retries a failed layer upload itself (a few times, waits growing by 5 s), counting
    // each wait down second by second: one line per retry, so it is shown, not silent
    const retrying = new Set<string>();
    const outcome = await followJsonStream(stream, (ev) => {
      const layer = ev.id ?? '?';
      if (ev.status && /^Retrying in/i.test(ev.status)) {
        if (!retrying.has(layer)) req.log.warn(`push of ${t.ref}: layer ${layer} failed to upload; the engine retries it (${ev.status.toLowerCase()})`);
        retrying.add(layer);
        return;
      }
      retrying.delete(layer);
      if (ev.status && !ev.progress && ev.id) req.log.debug(`${t.ref}: ${ev.id} ${ev.status}`);
    });
    if (outcome.error) throw new Error(outcome.error);
    const pushed = outcome.aux.find((a) => typeof a.Digest === 'string')?.Digest as string | undefined;
    const after = await client.manifest(t.name, t.identity);
    if (!after) throw permanent(`the registry has no ${t.repository}:${t.identity} after the push`);
    if (pushed && pushed !== after.digest) throw permanent(`the registry reports ${after.digest} for ${t.repository}:${t.identity}, the engine pushed ${pushed}`);
    return after;
  } finally {
    // the registry's name on this engine is only how it was pushed
    await removeImage(docker, `${t.repository}:${t.identity}`).catch(() => 'absent');
  }
}

async function uploadOne(docker: Docker, req: PushRequest, t: PushTarget): Promise<Uploaded> {
  const { client } = req.target;
  let attempts = 0;
  const base = { component: t.image.component, ref: t.ref, version: 'not moved' as const };
  try {
    let already = false;
    const manifest = await withRetries(async () => {
      attempts++;
      const there = await client.manifest(t.name, t.identity);
      // the same image (its config, so its id) under its identity: nothing to upload
      if (there && (configDigest(there) === t.image.id || req.keepStored)) {
        already = true;
        return there;
      }
      if (there) req.log.info(`${t.ref}: the registry's ${t.identity} is another build of the same inputs; publishing this engine's`);
      const id = t.image.local === false && req.ensureLocal ? await req.ensureLocal(t.image) : t.image.id;
      return upload(docker, req, t, id);
    }, { retries: req.retries, what: `push of ${t.ref}`, log: req.log, signal: req.signal, backoff: req.backoff });
    for (const tag of t.image.alsoTags ?? []) {
      const had = await client.manifest(t.name, tag);
      if (had?.digest !== manifest.digest) await client.putManifest(t.name, tag, manifest);
    }
    return { outcome: { ...base, status: already ? 'already there' : 'pushed', digest: manifest.digest, attempts }, manifest };
  } catch (e) {
    if (req.signal?.aborted) throw e;
    const last = e instanceof RetriesEnded ? e.last : e;
    return { outcome: { ...base, status: 'failed', digest: null, attempts, error: errorText(last) }, manifest: null };
  }
}

/**
 * One image stored under its identity tag from `docker` (uploaded unless the registry holds it
 * already): the many-engine build hands each image it makes to the other engines this way.
 * Throws when it cannot be stored.
 */
export async function storeIdentity(docker: Docker, req: Omit<PushRequest, 'images' | 'version' | 'jobs'>, image: ShipImage): Promise<PushOutcome> {
  const [t] = pushTargets([image], req.target.address, 'identity-only');
  const u = await uploadOne(docker, { ...req, images: [image], version: 'identity-only', jobs: 1, versionTags: false }, t);
  if (u.outcome.status === 'failed') throw new Error(`storing ${t.repository}:${t.identity}: ${u.outcome.error}`);
  return u.outcome;
}

/** Moves each version tag to its image's manifest, one after another. */
async function moveVersionTags(req: PushRequest, targets: PushTarget[], uploaded: Uploaded[]): Promise<void> {
  const { client } = req.target;
  for (const [k, t] of targets.entries()) {
    const u = uploaded[k];
    await withRetries(async () => {
      const current = await client.manifest(t.name, t.tag);
      if (current?.digest === u.manifest!.digest) {
        u.outcome.version = 'unchanged';
        return;
      }
      await client.putManifest(t.name, t.tag, u.manifest!);
      u.outcome.version = 'moved';
    }, { retries: req.retries, what: `moving ${t.ref}`, log: req.log, signal: req.signal, backoff: req.backoff });
  }
}

export async function pushAll(docker: Docker, req: PushRequest): Promise<PushOutcome[]> {
  const targets = pushTargets(req.images, req.target.address, req.version);
  const host = req.target.address.host;
  const untouched = `every version tag on ${host} is where it was (nothing of this run is published under :${req.version})`;
  req.log.info(`pushing ${targets.length} images to ${host} under their input hashes, ${req.jobs} at once; ${req.versionTags === false ? 'no version tag moves' : 'the version tags move when all are there'}`);
  let uploaded: Uploaded[];
  try {
    uploaded = await mapLimit(targets, req.jobs, (t) => uploadOne(docker, req, t));
  } catch (e) {
    if (req.signal?.aborted) req.log.warn(`push interrupted before the version tags were moved: ${untouched}`);
    throw e;
  }
  const failed = uploaded.map((u) => u.outcome).filter((o) => o.status === 'failed');
  if (failed.length) {
    for (const line of pushSummary(uploaded.map((u) => u.outcome))) req.log.info(line);
    throw buildError(
      `push failed for ${failed.length} of ${uploaded.length} images: ${failed.map((o) => o.ref).join(', ')}; ${untouched}`,
      'the summary above says why; transient failures were already retried (config push.retries); run again: what was uploaded is not uploaded twice',
      { details: failed.map((o) => `${o.ref}: ${o.error}`) },
    );
  }
  if (req.versionTags === false) {
    for (const line of pushSummary(uploaded.map((u) => u.outcome))) req.log.info(line);
    req.log.info(`identity tags only (--cache-only): ${untouched}`);
    return uploaded.map((u) => u.outcome);
  }
  const started = Date.now();
  try {
    await moveVersionTags(req, targets, uploaded);
  } catch (e) {
    const moved = uploaded.filter((u) => u.outcome.version === 'moved').map((u) => u.outcome.ref);
    const last = e instanceof RetriesEnded ? e.last : e;
    throw buildError(`moving the version tags failed (${errorText(last)}); ${moved.length ? `moved already: ${moved.join(', ')}` : untouched}`,
      'run again: every image is uploaded, so the rerun only moves the tags');
  }
  const outcomes = uploaded.map((u) => u.outcome);
  for (const line of pushSummary(outcomes)) req.log.info(line);
  const moved = outcomes.filter((o) => o.version === 'moved').length;
  req.log.info(`version tags :${req.version}: ${moved} moved, ${outcomes.length - moved} already there (${Date.now() - started} ms)`);
  return outcomes;
}
