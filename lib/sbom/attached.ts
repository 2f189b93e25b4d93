/**
 * A document attached to an image in a registry (lib/sbom/attach.ts put it there), read back:
 * the artifact of that type that refers to the image's manifest (referrers API, else the tag
 * schema's index) and its one layer, the document. For sbomDiff, and for an image taken from the
 * cache registry, which ships the documents it was built with.
 */
import { listReferrers } from '../push/referrers';
import type { RegistryClient } from '../push/registryApi';

/** null: nothing of `artifactType` refers to `digest`; `text` null: the artifact has no document. */
export async function attachedDocument(client: RegistryClient, name: string, digest: string, artifactType: string): Promise<{ artifact: string; text: string | null } | null> {
  const found = (await listReferrers(client, name, digest)).manifests.find((m) => m.artifactType === artifactType);
  if (!found) return null;
  const artifact = await client.manifest(name, found.digest);
  const layer = artifact ? (JSON.parse(artifact.body) as { layers?: { digest: string }[] }).layers?.[0] : undefined;
  return { artifact: found.digest, text: layer ? (await client.blobBytes(name, layer.digest)).toString('utf8') : null };
}
