/**
 * rpm family SBOMs: the rpm database of a real image (the rpm demo's base, with a package
 * rpmbuild made and rpm installed inside it) read by `rpm -qa`, with epoch, arch and licence,
 * its purls, and a CycloneDX document the library's validator accepts. Image t-sbom-rpm:34 is
 * this file's own.
 */
import test from 'ava';
import { memoryLogger } from '../../lib/log';
import { sbomDocument, sbomProblems } from '../../lib/sbom/cyclonedx';
import { readPackageDatabase } from '../../lib/sbom/readImage';
import { ensureRpmDemoBase, RPM_DEMO_BASE } from '../../scripts/rpm-demo-base';
import { docker, removeImage } from '../helpers/docker';
import { withTestLock } from '../helpers/lock';
import { buildFrom } from '../helpers/packages';
import { tempDir } from '../helpers/temp';

const REF = 't-sbom-rpm:34';

const SPEC = `Name: sbom-probe
Version: 2.1
Release: 3
Epoch: 4
Summary: a package the SBOM test installs
License: Apache-2.0
BuildArch: noarch
%description
probe
%install
mkdir -p %{buildroot}/usr/share/sbom-probe
echo probe > %{buildroot}/usr/share/sbom-probe/probe
%files
/usr/share/sbom-probe/probe
`;

test.before(async () => {
  await withTestLock('rpm-demo-base', () => ensureRpmDemoBase(docker, memoryLogger(!!process.env.TEST_ECHO), tempDir('rpm-demo-base-')));
  const built = await buildFrom(REF, {
    Dockerfile: `FROM ${RPM_DEMO_BASE}\nCOPY sbom-probe.spec /tmp/\nRUN rpmbuild -bb --define '_topdir /tmp/rpmbuild' /tmp/sbom-probe.spec && rpm -i --nodeps /tmp/rpmbuild/RPMS/noarch/sbom-probe-2.1-3.noarch.rpm && rm -rf /tmp/rpmbuild /tmp/sbom-probe.spec\n`,
    'sbom-probe.spec': SPEC,
  });
  if (built.error) throw new Error(`${built.error}\n${built.log.join('\n')}`);
});

test.after.always(async () => {
  await removeImage(REF);
});

test('the rpm database of an rpm-family image: every package with epoch, arch and licence, rpm purls, a valid CycloneDX 1.6 SBOM', async (t) => {
  const db = await readPackageDatabase(docker, REF, 'rpm');
  t.is(db.family, 'rpm');
  t.deepEqual(db.distro, { id: 'rpmdemo', versionId: '1' });
  t.deepEqual(db.packages.find((p) => p.name === 'sbom-probe'), { name: 'sbom-probe', version: '2.1-3', arch: 'noarch', epoch: '4', licence: 'Apache-2.0' });
  const sbom = sbomDocument({
    image: { component: 'probe', ref: REF, id: (await docker.getImage(REF).inspect()).Id, inputHash: '', started: new Date(0).toISOString(), finished: new Date(0).toISOString(), builder: 'unknown', inputs: null },
    db, contrail: {}, ansible: null, base: null,
    build: { project: { version: '0.1.0', commit: '' }, engineVersion: '', config: {}, repoIndexHash: '' },
  });
  t.is(await sbomProblems(sbom), null);
  const probe = (JSON.parse(sbom) as { components: { name: string; purl: string; licenses: unknown[] }[] }).components.find((c) => c.name === 'sbom-probe')!;
  t.is(probe.purl, 'pkg:rpm/rpmdemo/sbom-probe@2.1-3?arch=noarch&distro=rpmdemo-1&epoch=4');
  t.deepEqual(probe.licenses, [{ license: { id: 'Apache-2.0' } }]);
});
