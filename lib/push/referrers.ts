/**
 * Documents attached to a pushed image as OCI 1.1 artifacts: each one an image manifest whose
 * `subject` is the image's manifest, `artifactType` the document's media type, one layer the
 * document, and the empty config. A registry with the referrers API indexes them itself; one
 * without (Debian's docker-registry, distribution 2.x) gets the referrers tag schema: an image
 * index under the tag `sha256-<subject hex>` that lists them, merged with what it lists already,
 * so pushing the same document again adds nothing.
 */
import { sha256 } from '../hash';
import type { Logger } from '../log';
import type { Manifest, RegistryClient } from './registryApi';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** the OCI empty descriptor's blob: `{}` */
export const EMPTY_JSON = '{}';
export const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${sha256(EMPTY_JSON)}`, size: 2 };

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface Artifact {
  /** the document's media type, also the artifact's type */
  artifactType: string;
  text: string;
  /** e.g. org.opencontainers.image.title */
  annotations?: Record<string, string>;
}

/** The subject's descriptor from its manifest as the registry holds it. */
export const subjectOf = (m: Manifest): Descriptor => ({ mediaType: m.mediaType, digest: m.digest, size: Buffer.byteLength(m.body) });

/** The referrers tag schema's tag of a digest: `sha256:ab..` -> `sha256-ab..`. */
export const referrersTag = (digest: string): string => digest.replace(':', '-');

/** An artifact's manifest, as the bytes pushed (its digest is theirs). */
export function artifactManifest(subject: Descriptor, a: Artifact): { text: string; descriptor: Descriptor; blob: Descriptor } {
  const blob = { mediaType: a.artifactType, digest: `sha256:${sha256(a.text)}`, size: Buffer.byteLength(a.text) };
  const body = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: a.artifactType,
    config: EMPTY_CONFIG,
    layers: [blob],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...(a.annotations ? { annotations: a.annotations } : {}),
  };
  const text = JSON.stringify(body);
  return { text, blob, descriptor: { mediaType: OCI_MANIFEST, digest: `sha256:${sha256(text)}`, size: Buffer.byteLength(text), artifactType: a.artifactType, ...(a.annotations ? { annotations: a.annotations } : {}) } };
}

export interface Index {
  schemaVersion: 2;
  mediaType: typeof OCI_INDEX;
  manifests: Descriptor[];
}

/** The tag schema's index with `added` merged in (by digest); `changed` false when it listed them all already. */
export function mergeReferrers(existing: Index | null, added: Descriptor[]): { index: Index; changed: boolean } {
  const manifests = [...(existing?.manifests ?? [])];
  let changed = !existing;
  for (const d of added) {
    if (manifests.some((m) => m.digest === d.digest)) continue;
    manifests.push(d);
    changed = true;
  }
  return { index: { schemaVersion: 2, mediaType: OCI_INDEX, manifests }, changed };
}

export function parseIndex(body: string): Index | null {
  try {
    const v = JSON.parse(body) as Index;
    return v && Array.isArray(v.manifests) ? { schemaVersion: 2, mediaType: OCI_INDEX, manifests: v.manifests } : null;
  } catch {
    return null;
  }
}

export type AttachOutcome = { via: 'referrers API' | 'tag schema'; added: number };

/** What refers to `digest` already: through the referrers API, else the tag schema's index. */
export async function listReferrers(client: RegistryClient, name: string, digest: string): Promise<{ via: AttachOutcome['via']; index: Index | null; manifests: Descriptor[] }> {
  const api = await client.referrers(name, digest);
  if (api !== null) return { via: 'referrers API', index: null, manifests: api as Descriptor[] };
  const current = await client.manifest(name, referrersTag(digest));
  const index = current ? parseIndex(current.body) : null;
  return { via: 'tag schema', index, manifests: index?.manifests ?? [] };
}

/**
 * Attaches the artifacts to `subject` in repository `name`, each unless the subject has one of
 * its type already: an image keeps the documents it was first shipped with (an image taken from
 * the cache registry keeps those it was built with), and pushing again adds no duplicate.
 */
export async function attachArtifacts(client: RegistryClient, name: string, subject: Manifest, artifacts: Artifact[], log: Logger): Promise<AttachOutcome> {
  const subj = subjectOf(subject);
  const listed = await listReferrers(client, name, subj.digest);
  const missing = artifacts.filter((a) => !listed.manifests.some((m) => m.artifactType === a.artifactType));
  if (!missing.length) return { via: listed.via, added: 0 };
  await client.uploadBlob(name, EMPTY_CONFIG.digest, Buffer.from(EMPTY_JSON));
  const descriptors: Descriptor[] = [];
  for (const a of missing) {
    const m = artifactManifest(subj, a);
    await client.uploadBlob(name, m.blob.digest, Buffer.from(a.text));
    await client.putManifest(name, m.descriptor.digest, { digest: m.descriptor.digest, mediaType: OCI_MANIFEST, body: m.text });
    descriptors.push(m.descriptor);
  }
  // a registry with the referrers API lists what names a subject by itself
  if (listed.via === 'tag schema') {
    const { index } = mergeReferrers(listed.index, descriptors);
    const body = JSON.stringify(index);
    await client.putManifest(name, referrersTag(subj.digest), { digest: `sha256:${sha256(body)}`, mediaType: OCI_INDEX, body });
    log.debug(`${name}@${subj.digest}: ${index.manifests.length} referrers listed under the tag ${referrersTag(subj.digest)}`);
  }
  return { via: listed.via, added: missing.length };
}
