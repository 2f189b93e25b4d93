/**
 * The provenance of one image: an in-toto Statement v1 whose predicate is SLSA provenance v1.
 * Subject: the image (its id, the config digest every registry keeps). Build definition: this
 * project's build type, the config values that shaped the image (redacted; build arguments as
 * hashes), and what was resolved: Dockerfile and context hashes, parent ids, the repo's index,
 * the package sources with their commits, contrail-ansible's commit. Run details: the engine's
 * version, BuildKit or classic, this project's version and commit, start and end. Pure.
 */
import { redactJson } from '../redact';
import type { PackageOrigin, SbomFacts } from './facts';

export const PROVENANCE_MEDIA_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE = 'https://slsa.dev/provenance/v1';
/** a URI naming how this project builds a family image (a name, not an address) */
export const BUILD_TYPE = 'urn:contrail-docker:build-type:family-image:v1';

export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  annotations?: Record<string, string>;
}

const hex = (id: string) => id.replace(/^sha256:/, '');
/** a git URL or local path as a URI */
const uri = (location: string) => (location.startsWith('/') ? `file://${location}` : location);

function sourceDependencies(origins: PackageOrigin[]): ResourceDescriptor[] {
  const out = new Map<string, ResourceDescriptor>();
  for (const o of origins) {
    if (o.url && o.commit) out.set(`${o.url}@${o.commit}`, { name: `source ${o.source}`, uri: uri(o.url), digest: { gitCommit: o.commit } });
    if (o.revision && !o.commit) out.set(`${o.source}#${o.revision}`, { name: `source ${o.source}`, uri: `urn:contrail-docker:source:${o.source}`, annotations: { folderHash: o.revision } });
    if (o.manifest) out.set(`${o.manifest.url}@${o.manifest.commit}`, { name: `sandbox manifest of ${o.source}`, uri: uri(o.manifest.url), digest: { gitCommit: o.manifest.commit } });
    for (const p of o.projects ?? []) out.set(`${p.url}@${p.commit}`, { name: `sandbox project ${p.path} of ${o.source}`, uri: uri(p.url), digest: { gitCommit: p.commit } });
    if (o.kind === 'tar' && o.sha256) out.set(`tar:${o.sha256}`, { name: 'packages.tar', uri: uri(o.source), digest: { sha256: o.sha256 } });
    if (o.kind === 'dir' || o.kind === 'url' || (o.kind === 'tar' && !o.sha256)) out.set(`${o.kind}:${o.source}`, { name: `packages.${o.kind}`, uri: uri(o.source) });
  }
  return [...out.values()];
}

function resolvedDependencies(f: SbomFacts): ResourceDescriptor[] {
  const deps: ResourceDescriptor[] = [];
  const img = f.image;
  const inputs = img.inputs;
  if (inputs) {
    // the pipeline keeps 16-hex-digit prefixes of these sha256s (lib/images/inputs.ts)
    deps.push({ name: 'Dockerfile', uri: `urn:contrail-docker:dockerfile:${img.component}`, annotations: { sha256Prefix: inputs.dockerfile } });
    deps.push({ name: 'build context', uri: `urn:contrail-docker:context:${img.component}`, annotations: { sha256Prefix: inputs.context } });
    for (const [ref, id] of Object.entries(inputs.parents)) deps.push({ name: `parent ${ref}`, uri: `docker-image:${ref}`, digest: { sha256: hex(id) } });
  }
  if (f.build.repoIndexHash) deps.push({ name: 'contrail repo Packages index', digest: { sha256: f.build.repoIndexHash } });
  deps.push(...sourceDependencies(Object.values(f.contrail)));
  if (f.ansible) {
    deps.push({ name: f.ansible.file, digest: { sha256: f.ansible.sha256 } });
    if (f.ansible.repo && f.ansible.commit) deps.push({ name: 'contrail-ansible', uri: uri(f.ansible.repo), digest: { gitCommit: f.ansible.commit } });
  }
  return deps;
}

export function provenanceStatement(f: SbomFacts): Record<string, unknown> {
  const img = f.image;
  const statement = {
    _type: STATEMENT_TYPE,
    subject: [{ name: img.ref, digest: { sha256: hex(img.id) } }],
    predicateType: SLSA_PROVENANCE,
    predicate: {
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: { ...f.build.config, component: img.component, buildArgs: img.inputs?.args ?? {} },
        internalParameters: { inputHash: img.inputHash, builder: img.builder },
        resolvedDependencies: resolvedDependencies(f),
      },
      runDetails: {
        builder: {
          id: `urn:contrail-docker:builder:${img.builder}`,
          version: { 'contrail-docker': f.build.project.version, ...(f.build.project.commit ? { 'contrail-docker-commit': f.build.project.commit } : {}), 'docker-engine': f.build.engineVersion },
        },
        metadata: { invocationId: `${img.ref}@${img.id}`, startedOn: img.started, finishedOn: img.finished },
      },
    },
  };
  return redactJson(statement);
}

export const statementText = (f: SbomFacts): string => `${JSON.stringify(provenanceStatement(f), null, 2)}\n`;

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isDigestSet = (v: unknown) => isObject(v) && Object.keys(v).length > 0 && Object.values(v).every((d) => typeof d === 'string' && /^[0-9a-f]+$/.test(d));

/** What makes `doc` not an in-toto Statement v1 with an SLSA provenance v1 predicate (their required fields and shapes); [] when it is one. */
export function statementProblems(doc: unknown): string[] {
  const p: string[] = [];
  if (!isObject(doc)) return ['not a JSON object'];
  if (doc._type !== STATEMENT_TYPE) p.push(`_type is not ${STATEMENT_TYPE}`);
  if (!Array.isArray(doc.subject) || !doc.subject.length) p.push('subject is not a non-empty list');
  else doc.subject.forEach((s, i) => { if (!isObject(s) || !isDigestSet(s.digest)) p.push(`subject[${i}] has no digest set`); });
  if (doc.predicateType !== SLSA_PROVENANCE) p.push(`predicateType is not ${SLSA_PROVENANCE}`);
  const pred = doc.predicate;
  if (!isObject(pred)) return [...p, 'predicate is not an object'];
  const def = pred.buildDefinition;
  if (!isObject(def)) p.push('predicate.buildDefinition is not an object');
  else {
    if (typeof def.buildType !== 'string' || !/^[a-z][a-z0-9+.-]*:/.test(def.buildType)) p.push('buildDefinition.buildType is not a URI');
    if (!isObject(def.externalParameters)) p.push('buildDefinition.externalParameters is not an object');
    if (def.resolvedDependencies !== undefined) {
      if (!Array.isArray(def.resolvedDependencies)) p.push('buildDefinition.resolvedDependencies is not a list');
      else def.resolvedDependencies.forEach((r, i) => {
        if (!isObject(r) || (r.uri === undefined && r.digest === undefined && r.content === undefined)) p.push(`resolvedDependencies[${i}] has none of uri, digest, content`);
        else if (r.digest !== undefined && !isDigestSet(r.digest)) p.push(`resolvedDependencies[${i}].digest is not a digest set`);
      });
    }
  }
  const run = pred.runDetails;
  if (!isObject(run) || !isObject(run.builder) || typeof run.builder.id !== 'string') p.push('predicate.runDetails.builder.id is missing');
  else if (isObject(run.metadata)) {
    for (const k of ['startedOn', 'finishedOn']) {
      const v = run.metadata[k];
      if (v !== undefined && (typeof v !== 'string' || !RFC3339.test(v))) p.push(`runDetails.metadata.${k} is not an RFC 3339 time`);
    }
  }
  return p;
}
