/**
 * The documents save and push ship with the images. An image built here gets new ones, made from
 * its package database and this run's facts (lib/sbom/gather.ts). An image taken from the cache
 * registry keeps those it was built with, as attached to it there when it was pushed: the same
 * build start and end, builder, engine and project commit, not this host's. Only when the cache
 * holds none for it (pushed before documents were made) are they made here, if the image is on
 * this engine.
 */
import type Docker from 'dockerode';
import { hashTag } from '../cache/identity';
import { hashLabels } from '../cache/lookup';
import type { RegistryCache } from '../cache/registryCache';
import { mapLimit } from '../limit';
import type { Logger } from '../log';
import type { ShipImage } from '../ship';
import { attachedDocument } from './attached';
import { SBOM_MEDIA_TYPE } from './cyclonedx';
import { type DocumentRequest, type ImageDocuments, imageDocuments } from './gather';
import { PROVENANCE_MEDIA_TYPE } from './provenance';

/** The SBOM and provenance attached in the cache registry to the image it holds for `image`'s input hash, or null. */
export async function cachedDocuments(cache: RegistryCache, image: ShipImage): Promise<ImageDocuments | null> {
  const found = await cache.find(image.ref, hashTag(image.inputHash), hashLabels(image.inputHash));
  // another build of the same inputs is not this image: its documents describe that one
  if (!found || found.id !== image.id) return null;
  const read = (type: string) => attachedDocument(cache.client, found.place.name, found.manifest.digest, type);
  const [sbom, provenance] = await Promise.all([read(SBOM_MEDIA_TYPE), read(PROVENANCE_MEDIA_TYPE)]);
  if (!sbom?.text || !provenance?.text) return null;
  return { component: image.component, ref: image.ref, id: image.id, name: image.ref.replace(/:[^:/]*$/, ''), sbom: sbom.text, provenance: provenance.text };
}

/**
 * Every shipped image's documents, in the order of `req.images`. `cache`: where the images taken
 * from the cache registry came from; null when their documents need not be read (a push to that
 * same registry, where they are attached already).
 */
export async function shipDocuments(docker: Docker, req: DocumentRequest, cache: () => Promise<RegistryCache | null>, log: Logger): Promise<ImageDocuments[]> {
  const taken = req.images.filter((i) => i.fromCache);
  const registry = taken.length ? await cache() : null;
  const kept = new Map<string, ImageDocuments>();
  if (registry) {
    for (const d of await mapLimit(taken, req.jobs, (i) => cachedDocuments(registry, i))) if (d) kept.set(d.ref, d);
    log.info(`SBOM and provenance: ${kept.size} of ${taken.length} images taken from the cache registry keep the documents they were built with`);
    const none = taken.filter((i) => !kept.has(i.ref) && i.local === false);
    if (none.length) log.warn(`SBOM and provenance: the cache registry holds none for ${none.map((i) => i.ref).join(', ')} (pushed before documents were made), and they are not on this engine: shipped without them`);
  }
  const rest = req.images.filter((i) => !kept.has(i.ref));
  const made = rest.length ? await imageDocuments(docker, { ...req, images: rest }) : [];
  const byRef = new Map([...kept.values(), ...made].map((d) => [d.ref, d]));
  return req.images.flatMap((i) => byRef.get(i.ref) ?? []);
}
