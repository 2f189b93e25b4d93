/**
 * Each pushed image's SBOM and provenance, attached to its manifest as OCI artifacts
 * (lib/push/referrers.ts).
 */
import { buildError } from '../errors';
import type { Logger } from '../log';
import type { RegistryTarget } from '../push/connect';
import { attachArtifacts, type AttachOutcome } from '../push/referrers';
import { SBOM_MEDIA_TYPE } from './cyclonedx';
import type { ImageDocuments } from './gather';
import { PROVENANCE_MEDIA_TYPE } from './provenance';

/** The pushed images and their documents (by local ref): each image's SBOM and provenance attached to its manifest. */
export async function attachDocuments(
  target: RegistryTarget, pushed: { name: string; ref: string; digest: string }[], documents: ImageDocuments[], log: Logger,
): Promise<AttachOutcome[]> {
  const byRef = new Map(documents.map((d) => [d.ref, d]));
  const outcomes: AttachOutcome[] = [];
  for (const p of pushed) {
    const docs = byRef.get(p.ref);
    // an image taken from the cache registry and never pulled keeps the documents it was pushed with there
    if (!docs) continue;
    const subject = await target.client.manifest(p.name, p.digest);
    if (!subject) throw buildError(`the registry has no manifest ${p.name}@${p.digest} to attach the SBOM to`, 'push again');
    const title = (kind: string) => ({ 'org.opencontainers.image.title': `${docs.name}.${kind}` });
    const o = await attachArtifacts(target.client, p.name, subject, [
      { artifactType: SBOM_MEDIA_TYPE, text: docs.sbom, annotations: title('cdx.json') },
      { artifactType: PROVENANCE_MEDIA_TYPE, text: docs.provenance, annotations: title('intoto.json') },
    ], log);
    outcomes.push(o);
  }
  const added = outcomes.reduce((s, o) => s + o.added, 0);
  log.info(`SBOM and provenance: ${outcomes.length} images, ${added} documents attached${outcomes.length ? ` (${outcomes[0].via})` : ''}, ${outcomes.length * 2 - added} there already`);
  return outcomes;
}
