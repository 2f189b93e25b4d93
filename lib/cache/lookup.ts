/**
 * Looking an image up in the cache registry by its identity tag, through the Registry HTTP API:
 * the manifest (one request) names the image config, whose digest is the image id the engine
 * will have after a pull; the config blob (a few KiB, no layer) carries the labels, and its
 * input-hash label must be the one the tag was derived from.
 */
import { LABELS } from '../docker/labels';
import { configDigest, type Manifest, type RegistryClient } from '../push/registryApi';

export { configDigest };
import type { RegistryPlace } from './identity';

export interface CachedImage {
  place: RegistryPlace;
  tag: string;
  manifest: Manifest;
  /** the image config's digest: the image id after a pull (sha256:...) */
  id: string;
  labels: Record<string, string>;
}

/** The labels of an image config blob's text; {} when it has none. */
export function configLabels(text: string): Record<string, string> {
  try {
    return (JSON.parse(text) as { config?: { Labels?: Record<string, string> | null } }).config?.Labels ?? {};
  } catch {
    return {};
  }
}

/**
 * The image stored under `tag`, or null when there is none or it is not what the tag promises
 * (`expect`: the label values it must carry, e.g. the input hash).
 */
export async function lookupImage(client: RegistryClient, place: RegistryPlace, tag: string, expect: Record<string, string> = {}): Promise<CachedImage | null> {
  const manifest = await client.manifest(place.name, tag);
  if (!manifest) return null;
  const id = configDigest(manifest);
  if (!id) return null;
  const labels = configLabels(await client.blobText(place.name, id));
  for (const [k, v] of Object.entries(expect)) if (labels[k] !== v) return null;
  return { place, tag, manifest, id, labels };
}

/** The labels an image found by its hash tag must carry. */
export const hashLabels = (inputHash: string) => ({ [LABELS.inputHash]: inputHash });
