/**
 * The CycloneDX 1.6 JSON SBOM of one image, made with @cyclonedx/cyclonedx-library from its facts
 * (lib/sbom/facts.ts): every installed package with its purl and declared licence; the Contrail
 * packages with where they came from (sandbox projects and their commits, a source's commit or
 * folder hash, the input's sha256); the contrail-ansible artifact with its commit and galaxy
 * dependencies; the base image. The same facts give the same bytes (serial number and timestamp
 * come from the image), so a document pushed twice is one referrer.
 *
 * The library is loaded here, when a document is made, never at start-up: a run that ships
 * nothing does not pay for it.
 */
import type * as CDXTypes from '@cyclonedx/cyclonedx-library';
import { hashJson } from '../hash';
import type { SbomFacts, PackageOrigin, AnsibleFacts, BaseFacts } from './facts';
import { packagePurl } from './purl';
import type { InstalledPackage } from './packageDb';

export const SBOM_MEDIA_TYPE = 'application/vnd.cyclonedx+json';
const NS = 'contrail-docker';

type CDX = typeof CDXTypes;
const cdx = (): CDX => require('@cyclonedx/cyclonedx-library') as CDX;

// the library takes an SPDX expression parser to tell `GPL-2+ or Artistic` from a plain name
const licenceFactory = (C: CDX) => new C.Contrib.License.Factories.LicenseFactory(require('spdx-expression-parse') as (expression: string) => void);

/** A UUID (RFC 9562 version 8: custom) from a hash, so the same facts give the same serial number. */
export function uuidFrom(hex: string): string {
  const h = hex.replace(/^sha256:/, '').slice(0, 32).split('');
  h[12] = '8';
  h[16] = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

/** A URL or a local path, as an IRI reference the schema takes. */
const iri = (location: string) => (location.startsWith('/') ? `file://${location}` : location);

function props(C: CDX, entries: [string, string | undefined | null][]): CDXTypes.Models.PropertyRepository {
  return new C.Models.PropertyRepository(entries.filter((e): e is [string, string] => !!e[1]).map(([k, v]) => new C.Models.Property(`${NS}:${k}`, v)));
}

function originOf(C: CDX, o: PackageOrigin): Pick<CDXTypes.Models.OptionalComponentProperties, 'properties' | 'externalReferences' | 'hashes'> {
  const refs: CDXTypes.Models.ExternalReference[] = [];
  const VCS = C.Enums.ExternalReferenceType.VCS;
  if (o.url) refs.push(new C.Models.ExternalReference(iri(o.url), VCS, { comment: `source ${o.source} at commit ${o.commit ?? 'unknown'}` }));
  if (o.manifest) refs.push(new C.Models.ExternalReference(iri(o.manifest.url), VCS, { comment: `sandbox manifest of ${o.source} at commit ${o.manifest.commit}` }));
  for (const p of o.projects ?? []) refs.push(new C.Models.ExternalReference(iri(p.url), VCS, { comment: `sandbox project ${p.path} at commit ${p.commit}` }));
  const entries: [string, string | undefined][] = [['source', o.source], ['source:kind', o.kind], ['source:commit', o.commit], ['source:revision', o.revision]];
  if (o.manifest) entries.push(['sandbox:manifest:commit', o.manifest.commit]);
  for (const p of o.projects ?? []) entries.push([`sandbox:${p.path}:commit`, p.commit]);
  if (o.kind === 'tar' && o.sha256) entries.push(['input:sha256', o.sha256]);
  const hashes = new C.Models.HashDictionary();
  if (o.sha256 && o.kind !== 'tar') hashes.set(C.Enums.HashAlgorithm['SHA-256'], o.sha256);
  return { properties: props(C, entries), externalReferences: new C.Models.ExternalReferenceRepository(refs), hashes };
}

type LicenceFactory = ReturnType<typeof licenceFactory>;

function packageComponent(C: CDX, licenceOf: LicenceFactory, facts: SbomFacts, p: InstalledPackage): CDXTypes.Models.Component {
  const purl = packagePurl(facts.db.family, facts.db.distro, p);
  const origin = facts.contrail[p.name];
  const licenses = new C.Models.LicenseRepository();
  if (p.licence) licenses.add(licenceOf.makeFromString(p.licence));
  return new C.Models.Component(C.Enums.ComponentType.Library, p.name, {
    bomRef: purl, purl, version: p.version, licenses,
    ...(origin ? originOf(C, origin) : { properties: props(C, [['arch', p.arch]]) }),
  });
}

function ansibleComponent(C: CDX, a: AnsibleFacts): CDXTypes.Models.Component {
  const deps = a.dependencies.map((d) => new C.Models.Component(C.Enums.ComponentType.Library, d.name, {
    bomRef: `ansible-${d.kind}:${d.name}`, version: d.version || d.commit || undefined,
    properties: props(C, [['ansible:kind', d.kind], ['ansible:src', d.src], ['ansible:commit', d.commit]]),
  }));
  const refs = a.repo ? [new C.Models.ExternalReference(iri(a.repo), C.Enums.ExternalReferenceType.VCS, { comment: `contrail-ansible at commit ${a.commit || 'unknown'}` })] : [];
  return new C.Models.Component(C.Enums.ComponentType.Application, 'contrail-ansible', {
    bomRef: 'contrail-ansible', version: a.commit || undefined,
    hashes: new C.Models.HashDictionary([[C.Enums.HashAlgorithm['SHA-256'], a.sha256]]),
    externalReferences: new C.Models.ExternalReferenceRepository(refs),
    properties: props(C, [['ansible:artifact', a.file], ['ansible:ref', a.ref], ['ansible:commit', a.commit]]),
    components: new C.Models.ComponentRepository(deps),
  });
}

function baseComponent(C: CDX, b: BaseFacts): CDXTypes.Models.Component {
  return new C.Models.Component(C.Enums.ComponentType.Container, b.ref, {
    bomRef: `base-image:${b.ref}`, version: b.digest ?? b.id,
    properties: props(C, [['base:id', b.id], ['base:digest', b.digest], ['base:debootstrap:suite', b.bootstrap?.suite], ['base:debootstrap:mirror', b.bootstrap?.mirror]]),
  });
}

/** The SBOM of one image, as the JSON text that is written and pushed. */
export function sbomDocument(facts: SbomFacts): string {
  const C = cdx();
  const img = facts.image;
  const subject = new C.Models.Component(C.Enums.ComponentType.Container, img.ref.replace(/:[^:/]*$/, ''), {
    bomRef: `image:${img.ref}`, version: img.ref.slice(img.ref.lastIndexOf(':') + 1),
    hashes: new C.Models.HashDictionary([[C.Enums.HashAlgorithm['SHA-256'], img.id.replace(/^sha256:/, '')]]),
    properties: props(C, [['image:id', img.id], ['image:input-hash', img.inputHash], ['image:component', img.component], ['distro', `${facts.db.distro.id}-${facts.db.distro.versionId}`]]),
  });
  const tool = new C.Models.Component(C.Enums.ComponentType.Application, NS, { version: facts.build.project.version });
  const bom = new C.Models.Bom({
    // what the document says, not how the run went (the project's commit and the engine are the provenance's)
    serialNumber: `urn:uuid:${uuidFrom(hashJson({ id: img.id, facts: { ...facts, build: { version: facts.build.project.version } } }))}`,
    metadata: new C.Models.Metadata({ timestamp: new Date(img.finished), component: subject, tools: new C.Models.Tools({ components: new C.Models.ComponentRepository([tool]) }) }),
  });
  const licenceOf = licenceFactory(C);
  for (const p of facts.db.packages) bom.components.add(packageComponent(C, licenceOf, facts, p));
  if (facts.ansible) bom.components.add(ansibleComponent(C, facts.ansible));
  if (facts.base) bom.components.add(baseComponent(C, facts.base));
  const serializer = new C.Serialize.JsonSerializer(new C.Serialize.JSON.Normalize.Factory(C.Spec.Spec1dot6));
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
}

/** The library's strict CycloneDX 1.6 validator: null when valid, else what is wrong (ajv is loaded only here). */
export async function sbomProblems(json: string): Promise<unknown> {
  const C = cdx();
  return new C.Validation.JsonStrictValidator(C.Spec.Version.v1dot6).validate(json);
}
