/**
 * The contrail-ansible artifact in the cache registry, as a one-layer OCI image:
 *
 *   <registry>/contrail-ansible:a-<hash of the repository URL and its commit>
 *
 * whose layer is the artifact itself (a reproducible tar.gz, so the layer digest is its sha256)
 * and whose config carries the artifact's manifest as a label. A host that would run
 * ansible-galaxy asks for the tag of the commit its ref resolves to; when every requirement
 * source the manifest lists still resolves to the commit recorded there, the artifact is fetched
 * instead, and checked to have the same sha256.
 */
import * as crypto from 'node:crypto';
import * as zlib from 'node:zlib';
import type { RegistryAddress } from '../config/checks';
import { LABEL_PREFIX, projectLabels } from '../docker/labels';
import { hashJson } from '../hash';
import type { RegistryClient } from '../push/registryApi';
import { type AnsibleManifest, parseManifest } from '../ansible/manifest';
import { apiName } from '../push/registryApi';

export const ANSIBLE_REPOSITORY = 'contrail-ansible';
export const ANSIBLE_MANIFEST_LABEL = `${LABEL_PREFIX}ansible-manifest`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** `a-<key>`: the tag of the artifact made from `repo` at `commit`. */
export const artifactTag = (repo: string, commit: string): string => `a-${hashJson({ repo, commit })}`;

const digestOf = (data: Buffer) => `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;

/** The config and manifest of the one-layer image holding `artifact`. Pure. */
export function artifactImage(artifact: Buffer, manifest: AnsibleManifest): { config: Buffer; manifest: string; layerDigest: string } {
  const layerDigest = digestOf(artifact);
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Labels: { ...projectLabels('build-step'), [ANSIBLE_MANIFEST_LABEL]: JSON.stringify(manifest) } },
    rootfs: { type: 'layers', diff_ids: [digestOf(zlib.gunzipSync(artifact))] },
  }));
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: digestOf(config), size: config.length },
    layers: [{ mediaType: OCI_LAYER, digest: layerDigest, size: artifact.length }],
  });
  return { config, manifest: body, layerDigest };
}

/** Stores the artifact made from git (a given one has no commit to find it by); nothing when it is there. */
export async function storeArtifact(client: RegistryClient, address: RegistryAddress, artifact: Buffer, manifest: AnsibleManifest): Promise<'stored' | 'already there'> {
  if (manifest.source !== 'git' || !manifest.repo || !manifest.commit) throw new Error('only an artifact made from git can be stored');
  const name = apiName(address.namespace, ANSIBLE_REPOSITORY);
  const tag = artifactTag(manifest.repo, manifest.commit);
  const image = artifactImage(artifact, manifest);
  const there = await client.manifest(name, tag);
  if (there && JSON.parse(there.body).layers?.[0]?.digest === image.layerDigest) return 'already there';
  await client.uploadBlob(name, image.layerDigest, artifact);
  await client.uploadBlob(name, digestOf(image.config), image.config);
  await client.putManifest(name, tag, { digest: digestOf(Buffer.from(image.manifest)), mediaType: OCI_MANIFEST, body: image.manifest });
  return 'stored';
}

export interface StoredArtifact {
  manifest: AnsibleManifest;
  /** the artifact's bytes, checked against the manifest's sha256 */
  fetch(): Promise<Buffer>;
}

/** The artifact made from `repo` at `commit`, or null when the registry has none. */
export async function findArtifact(client: RegistryClient, address: RegistryAddress, repo: string, commit: string): Promise<StoredArtifact | null> {
  const name = apiName(address.namespace, ANSIBLE_REPOSITORY);
  const m = await client.manifest(name, artifactTag(repo, commit));
  if (!m) return null;
  const body = JSON.parse(m.body) as { config?: { digest?: string }; layers?: { digest?: string }[] };
  const layer = body.layers?.[0]?.digest;
  if (!body.config?.digest || !layer || body.layers!.length !== 1) return null;
  const labels = (JSON.parse(await client.blobText(name, body.config.digest)) as { config?: { Labels?: Record<string, string> } }).config?.Labels ?? {};
  const manifest = parseManifest(labels[ANSIBLE_MANIFEST_LABEL] ?? '');
  if (!manifest || manifest.repo !== repo || manifest.commit !== commit || `sha256:${manifest.sha256}` !== layer) return null;
  return {
    manifest,
    async fetch() {
      const data = await client.blobBytes(name, layer);
      if (digestOf(data) !== layer) throw new Error(`the registry's contrail-ansible artifact is not ${layer} (got ${digestOf(data)})`);
      return data;
    },
  };
}
