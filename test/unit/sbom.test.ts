import test from 'ava';
import { sbomDocument, sbomProblems, uuidFrom } from '../../lib/sbom/cyclonedx';
import { redactFacts, type SbomFacts } from '../../lib/sbom/facts';
import { provenanceStatement, type ResourceDescriptor, statementProblems, statementText } from '../../lib/sbom/provenance';
import { declaredLicence, parseDpkgStatus, distroOf, parseRpmQuery, paragraphs } from '../../lib/sbom/packageDb';
import { packagePurl } from '../../lib/sbom/purl';
import { builtOrigins, inputOrigins } from '../../lib/sbom/origins';
import { artifactManifest, mergeReferrers, referrersTag } from '../../lib/push/referrers';

const STATUS = `Package: bash
Essential: yes
Status: install ok installed
Priority: required
Architecture: amd64
Version: 5.2.15-2+b7
Description: GNU Bourne Again SHell
 Bash is an sh-compatible command language interpreter.

Package: oldconf
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: contrail-lib
Status: install ok installed
Architecture: amd64
Version: 4.0.0.0-20
Description: Contrail library

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1
`;

const DEP5 = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: bash

Files: *
Copyright: 1987-2022 Free Software Foundation, Inc.
License: GPL-3+
 This program is free software.

Files: debian/*
License: GPL-2+
`;

test('dpkg status: installed packages only, with arch and declared licence, sorted', (t) => {
  const pkgs = parseDpkgStatus(STATUS, new Map([['bash', 'GPL-3+']]));
  t.deepEqual(pkgs, [
    { name: 'bash', version: '5.2.15-2+b7', arch: 'amd64', licence: 'GPL-3+' },
    { name: 'contrail-lib', version: '4.0.0.0-20', arch: 'amd64' },
    { name: 'tzdata', version: '2024a-0+deb12u1', arch: 'all' },
  ]);
  t.is(paragraphs(STATUS)[0].Description, 'GNU Bourne Again SHell\nBash is an sh-compatible command language interpreter.');
});

test('licence: the DEP-5 file\'s "Files: *" paragraph; a free-form copyright file declares none', (t) => {
  t.is(declaredLicence(DEP5), 'GPL-3+');
  t.is(declaredLicence('Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nLicense: Expat\n\nFiles: src/*\nLicense: MIT\n'), 'Expat');
  t.is(declaredLicence('This is the Debian prepackaged version of foo.\nCopyright: GPL\n'), undefined);
});

test('rpm query and os-release', (t) => {
  t.deepEqual(parseRpmQuery('bash\t0\t5.1.8-9.el9\tx86_64\tGPLv3+\ngpg-pubkey\t0\t1-2\t(none)\tpubkey\nperl-IO\t1\t1.43-481.el9\tnoarch\t(none)\n'), [
    { name: 'bash', version: '5.1.8-9.el9', arch: 'x86_64', licence: 'GPLv3+' },
    { name: 'perl-IO', version: '1.43-481.el9', arch: 'noarch', epoch: '1' },
  ]);
  t.deepEqual(distroOf('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'), { id: 'debian', versionId: '12' });
});

test('purls: deb with arch and distro, rpm with epoch', (t) => {
  t.is(packagePurl('deb', { id: 'debian', versionId: '12' }, { name: 'bash', version: '5.2.15-2+b7', arch: 'amd64' }),
    'pkg:deb/debian/bash@5.2.15-2+b7?arch=amd64&distro=debian-12');
  t.is(packagePurl('rpm', { id: 'rocky', versionId: '9.4' }, { name: 'perl-IO', version: '1.43-481.el9', arch: 'noarch', epoch: '1' }),
    'pkg:rpm/rocky/perl-IO@1.43-481.el9?arch=noarch&distro=rocky-9.4&epoch=1');
});

test('uuidFrom: a valid, stable UUID', (t) => {
  const u = uuidFrom('ab'.repeat(32));
  t.regex(u, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.is(u, uuidFrom('ab'.repeat(32)));
});

const FACTS: SbomFacts = {
  image: {
    component: 'controller', ref: 'contrail-controller-debian12:4.0.0.0-20', id: `sha256:${'1'.repeat(64)}`, inputHash: '2'.repeat(64),
    started: '2026-01-01T10:00:00.000Z', finished: '2026-01-01T10:01:00.000Z', builder: 'buildkit',
    inputs: { dockerfile: 'df', context: 'ctx', args: { A: 'x' }, parents: { 'contrail-base-debian12:4.0.0.0-20': `sha256:${'3'.repeat(64)}` }, packages: { 'contrail-lib': 'p1' } },
  },
  db: { family: 'deb', distro: { id: 'debian', versionId: '12' }, packages: parseDpkgStatus(STATUS, new Map([['bash', 'GPL-3+'], ['tzdata', 'public-domain and GPL-2 or Artistic']])) },
  contrail: {
    'contrail-lib': {
      kind: 'recipe', source: 'contrail', sha256: '4'.repeat(64),
      manifest: { url: 'https://***@git.invalid/contrail-vnc', commit: '5'.repeat(40) },
      projects: [
        { name: 'contrail-controller', path: 'controller', url: 'https://***@git.invalid/contrail-controller', commit: '6'.repeat(40) },
        { name: 'contrail-build', path: 'tools/build', url: '/srv/git/contrail-build', commit: '7'.repeat(40) },
      ],
    },
  },
  ansible: {
    file: 'contrail-ansible-4.0.0.0-20.tar.gz', sha256: '8'.repeat(64), repo: '/srv/git/contrail-ansible', ref: 'master', commit: '9'.repeat(40),
    dependencies: [
      { kind: 'role', name: 'contrail-common', src: 'git+file:///srv/git/role', version: 'v1.0', commit: 'a'.repeat(40) },
      { kind: 'collection', name: 'contrail.demo', src: '/srv/coll', version: '1.2.0', commit: null },
    ],
  },
  base: { ref: 'debian:bookworm', id: `sha256:${'b'.repeat(64)}`, digest: null, bootstrap: { suite: 'bookworm', mirror: 'http://deb.invalid/debian' } },
  build: { project: { version: '0.1.0', commit: 'c'.repeat(40) }, engineVersion: '26.1.5', config: { version: '4.0.0.0-20', os: 'debian12' }, repoIndexHash: 'd'.repeat(64) },
};

interface Doc {
  bomFormat: string;
  specVersion: string;
  serialNumber: string;
  metadata: { component: { name: string; version: string } };
  components: { name: string; purl?: string; version?: string; licenses?: unknown[]; properties?: { name: string; value: string }[]; externalReferences?: { url: string; comment: string }[]; components?: { name: string }[] }[];
}

test('the SBOM is CycloneDX 1.6 that the library\'s strict validator accepts, with purls, licences, commits', async (t) => {
  const text = sbomDocument(FACTS);
  t.is(await sbomProblems(text), null);
  const doc = JSON.parse(text) as Doc;
  t.is(doc.bomFormat, 'CycloneDX');
  t.is(doc.specVersion, '1.6');
  t.is(doc.metadata.component.name, 'contrail-controller-debian12');
  const bash = doc.components.find((c) => c.name === 'bash')!;
  t.is(bash.purl, 'pkg:deb/debian/bash@5.2.15-2+b7?arch=amd64&distro=debian-12');
  // Debian's short names are kept as names; an SPDX id stays an id
  t.deepEqual(bash.licenses, [{ license: { name: 'GPL-3+' } }]);
  const lib = doc.components.find((c) => c.name === 'contrail-lib')!;
  const props = Object.fromEntries(lib.properties!.map((p) => [p.name, p.value]));
  t.is(props['contrail-docker:source:kind'], 'recipe');
  t.is(props['contrail-docker:sandbox:controller:commit'], '6'.repeat(40));
  t.is(props['contrail-docker:sandbox:tools/build:commit'], '7'.repeat(40));
  t.true(lib.externalReferences!.some((r) => r.url === 'file:///srv/git/contrail-build' && r.comment.includes('7'.repeat(40))));
  const ansible = doc.components.find((c) => c.name === 'contrail-ansible')!;
  t.is(ansible.version, '9'.repeat(40));
  t.deepEqual(ansible.components!.map((c) => c.name).sort(), ['contrail-common', 'contrail.demo']);
  t.truthy(doc.components.find((c) => c.name === 'debian:bookworm'));
  // the same facts, the same bytes: pushed twice, one referrer
  t.is(sbomDocument(FACTS), text);
});

test('the validator rejects a broken document (it is not a check that cannot fail)', async (t) => {
  const doc = JSON.parse(sbomDocument(FACTS)) as Doc;
  (doc as unknown as { specVersion: string }).specVersion = '1.6';
  doc.components[0].purl = 'not a purl';
  (doc.components[0] as unknown as { type: string }).type = 'no-such-type';
  t.not(await sbomProblems(JSON.stringify(doc)), null);
});

test('provenance: an in-toto Statement v1 with an SLSA provenance v1 predicate, its dependencies and run details', (t) => {
  const doc = provenanceStatement(FACTS) as { subject: { name: string; digest: { sha256: string } }[]; predicate: { buildDefinition: { buildType: string; resolvedDependencies: ResourceDescriptor[] }; runDetails: { builder: { id: string; version: Record<string, string> }; metadata: { startedOn: string; finishedOn: string } } } };
  t.deepEqual(statementProblems(doc), []);
  t.deepEqual(doc.subject, [{ name: 'contrail-controller-debian12:4.0.0.0-20', digest: { sha256: '1'.repeat(64) } }]);
  const deps = doc.predicate.buildDefinition.resolvedDependencies;
  t.true(deps.some((d) => d.uri === 'docker-image:contrail-base-debian12:4.0.0.0-20' && d.digest?.sha256 === '3'.repeat(64)));
  t.true(deps.some((d) => d.name === 'contrail repo Packages index' && d.digest?.sha256 === 'd'.repeat(64)));
  t.true(deps.some((d) => d.uri === 'https://***@git.invalid/contrail-controller' && d.digest?.gitCommit === '6'.repeat(40)));
  t.true(deps.some((d) => d.name === 'contrail-ansible' && d.digest?.gitCommit === '9'.repeat(40)));
  t.is(doc.predicate.runDetails.builder.id, 'urn:contrail-docker:builder:buildkit');
  t.is(doc.predicate.runDetails.builder.version['docker-engine'], '26.1.5');
  t.is(doc.predicate.runDetails.metadata.startedOn, '2026-01-01T10:00:00.000Z');
});

test('provenance shape check: each required part, when missing, is named', (t) => {
  const good = provenanceStatement(FACTS) as Record<string, unknown>;
  const broken = (edit: (d: Record<string, any>) => void) => {
    const d = JSON.parse(JSON.stringify(good)) as Record<string, any>;
    edit(d);
    return statementProblems(d);
  };
  t.deepEqual(broken((d) => (d._type = 'x')), ['_type is not https://in-toto.io/Statement/v1']);
  t.deepEqual(broken((d) => (d.subject = [])), ['subject is not a non-empty list']);
  t.deepEqual(broken((d) => delete d.subject[0].digest), ['subject[0] has no digest set']);
  t.deepEqual(broken((d) => (d.predicateType = 'https://slsa.dev/provenance/v0.2')), ['predicateType is not https://slsa.dev/provenance/v1']);
  t.deepEqual(broken((d) => (d.predicate.buildDefinition.buildType = 'no uri')), ['buildDefinition.buildType is not a URI']);
  t.deepEqual(broken((d) => delete d.predicate.buildDefinition.externalParameters), ['buildDefinition.externalParameters is not an object']);
  t.deepEqual(broken((d) => (d.predicate.buildDefinition.resolvedDependencies = [{ name: 'x' }])), ['resolvedDependencies[0] has none of uri, digest, content']);
  t.deepEqual(broken((d) => delete d.predicate.runDetails.builder), ['predicate.runDetails.builder.id is missing']);
  t.deepEqual(broken((d) => (d.predicate.runDetails.metadata.startedOn = 'yesterday')), ['runDetails.metadata.startedOn is not an RFC 3339 time']);
});

test('no secret in either document: a password in a config value or a source URL is redacted', async (t) => {
  const secret = 's3cr3t-pass';
  const facts: SbomFacts = {
    ...FACTS,
    contrail: { 'contrail-lib': { ...FACTS.contrail['contrail-lib'], url: `https://builder:${secret}@git.invalid/x`, commit: 'e'.repeat(40) } },
    build: { ...FACTS.build, config: { ...FACTS.build.config, packagesTar: `https://u:${secret}@files.invalid/p.tgz?sig=${secret}` } },
  };
  const sbom = sbomDocument(redactFacts(facts));
  const prov = statementText(redactFacts(facts));
  t.false(sbom.includes(secret));
  t.false(prov.includes(secret));
  t.is(await sbomProblems(sbom), null);
});

test('referrers: an artifact manifest names its subject; the tag-schema index merges by digest, so the same document is listed once', (t) => {
  const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'f'.repeat(64)}`, size: 1234 };
  const a = artifactManifest(subject, { artifactType: 'application/vnd.cyclonedx+json', text: '{"bomFormat":"CycloneDX"}' });
  const m = JSON.parse(a.text) as { artifactType: string; subject: unknown; config: { digest: string }; layers: { digest: string; size: number }[] };
  t.deepEqual(m.subject, subject);
  t.is(m.artifactType, 'application/vnd.cyclonedx+json');
  t.is(m.config.digest, 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  t.is(m.layers[0].size, 25);
  t.is(referrersTag(subject.digest), `sha256-${'f'.repeat(64)}`);
  const first = mergeReferrers(null, [a.descriptor]);
  t.true(first.changed);
  const again = mergeReferrers(first.index, [a.descriptor]);
  t.false(again.changed);
  t.is(again.index.manifests.length, 1);
  const b = artifactManifest(subject, { artifactType: 'application/vnd.in-toto+json', text: '{}' });
  t.is(mergeReferrers(again.index, [a.descriptor, b.descriptor]).index.manifests.length, 2);
});

test('origins: packageBuild\'s manifest gives each package its source, sandbox projects and file hash', (t) => {
  const origins = builtOrigins({
    format: 1, version: 'v', os: 'debian12',
    sources: [
      { name: 'plain', path: '/p', commit: null, revision: 'abc123', key: 'k', log: '', builtAt: '', files: [{ file: 'a.deb', package: 'a', version: '1', architecture: 'amd64', sha256: '1'.repeat(64) }] },
      {
        name: 'contrail', commit: null, revision: 'r', key: 'k2', log: '', builtAt: '',
        sandbox: { manifest: { url: '/git/vnc', ref: 'master', file: 'default.xml', commit: '2'.repeat(40) }, remotes: {}, resolved: {} as never, projects: [{ name: 'contrail-controller', path: 'controller', url: '/git/contrail-controller', revision: 'master', commit: '3'.repeat(40) }] },
        files: [{ file: 'b.deb', package: 'b', version: '1', architecture: 'amd64', sha256: '4'.repeat(64) }],
      },
    ],
  });
  t.deepEqual(origins.a, { kind: 'path', source: 'plain', revision: 'abc123', sha256: '1'.repeat(64) });
  t.is(origins.b.kind, 'recipe');
  t.deepEqual(origins.b.projects, [{ name: 'contrail-controller', path: 'controller', url: '/git/contrail-controller', commit: '3'.repeat(40) }]);
  t.deepEqual(inputOrigins('tar', '/x.tgz', ['c'], '5'.repeat(64)), { c: { kind: 'tar', source: '/x.tgz', sha256: '5'.repeat(64) } });
});
