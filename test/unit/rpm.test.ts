/**
 * The rpm family's pure parts: the OS family from os-release, the .rpm check, rpmbuild's file
 * names, createrepo_c's metadata and the per-package hashes, spec files, the osFamily and spec
 * config keys, the .repo text contrail-install writes, and the family's build argument.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { galaxyDockerfile } from '../../lib/ansible/galaxy';
import { resolveConfig } from '../../lib/config/load';
import { PipelineError } from '../../lib/errors';
import { exitCodeFor } from '../../lib/exit';
import { standardBuildArgs } from '../../lib/images/family';
import { checkYumLocation } from '../../lib/packages/familyInputs';
import { familyFromOsRelease, parseOsRelease } from '../../lib/packages/osFamily';
import { checkPackageFiles, findPackageFiles } from '../../lib/packages/collect';
import { describeOutputs } from '../../lib/packages/buildPlan';
import { DEB_FAMILY } from '../../lib/packages/debFamily';
import { RPM_FAMILY } from '../../lib/packages/rpmFamily';
import { parseRpmFileName, rpmFileProblem } from '../../lib/packages/rpmFile';
import { checkSpec } from '../../lib/packages/specFile';
import { parsePrimary, primaryLocation, summarizePrimary } from '../../lib/packages/rpmPrimary';
import { metadataText } from '../../lib/packages/rpmRepoFlavor';
import { specBuildRequires, specPackages } from '../../lib/packages/rpmSpec';
import { resolveSource } from '../../lib/packages/sources';
import { checkTarball } from '../../lib/packages/tarExtract';
import * as tar from 'tar';
import { tempDir, writeJson } from '../helpers/temp';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'rpm');
const RPM = path.join(FIXTURES, 'contrail-utils-4.0.0.0-20.noarch.rpm');

function inputErr(t: any, fn: () => unknown, pattern: RegExp) {
  const err = t.throws(fn, { instanceOf: PipelineError }) as PipelineError;
  t.regex(err.toString(), pattern);
  t.is(exitCodeFor(err), 2);
  return err;
}

// ---- OS family

test('os-release: the family from ID, then ID_LIKE; unknown is null', (t) => {
  t.is(familyFromOsRelease('ID=debian\nVERSION_ID="12"\n'), 'deb');
  t.is(familyFromOsRelease('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n'), 'deb');
  t.is(familyFromOsRelease('NAME="CentOS Linux"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\n'), 'rpm');
  t.is(familyFromOsRelease('ID="rocky"\nID_LIKE="rhel centos fedora"\n'), 'rpm');
  t.is(familyFromOsRelease('ID=rpmdemo\nID_LIKE="rhel fedora"\n'), 'rpm');
  t.is(familyFromOsRelease('ID=linuxmint\nID_LIKE="ubuntu debian"\n'), 'deb');
  t.is(familyFromOsRelease('ID=alpine\n'), null);
  t.is(familyFromOsRelease(''), null);
  t.deepEqual(parseOsRelease("ID='x y'\n# comment\nNAME=\"a \\\"b\\\"\"\n"), { ID: 'x y', NAME: 'a "b"' });
});

test('the rpm demo base image says rpm family in its os-release', (t) => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'examples', 'rpm', 'base', 'Dockerfile'), 'utf8');
  const lines = [...dockerfile.matchAll(/'((?:ID|ID_LIKE)=[^']*)'/g)].map((m) => m[1]).join('\n');
  t.is(familyFromOsRelease(lines), 'rpm');
});

// ---- .rpm files

test('a real binary RPM passes the check; its name is read like rpmbuild writes it', (t) => {
  t.is(rpmFileProblem(RPM), null);
  t.deepEqual(parseRpmFileName('contrail-vrouter-agent-4.0.0.0-20.el7.x86_64.rpm'), { package: 'contrail-vrouter-agent', version: '4.0.0.0-20.el7', architecture: 'x86_64' });
  t.deepEqual(parseRpmFileName('x/contrail-utils-4.0.0.0-20.noarch.rpm'), { package: 'contrail-utils', version: '4.0.0.0-20', architecture: 'noarch' });
  t.is(parseRpmFileName('contrail.rpm'), null);
  t.deepEqual(describeOutputs([{ file: 'b-1-2.noarch.rpm', sha256: 'y' }, { file: 'a-lib-1.0-3.x86_64.rpm', sha256: 'x' }], RPM_FAMILY).map((o) => [o.package, o.version, o.architecture]),
    [['a-lib', '1.0-3', 'x86_64'], ['b', '1-2', 'noarch']]);
});

test('what is not a binary RPM is named with the reason', (t) => {
  const dir = tempDir();
  const real = fs.readFileSync(RPM);
  const write = (name: string, data: Buffer | string) => {
    fs.writeFileSync(path.join(dir, name), data);
    return path.join(dir, name);
  };
  t.regex(rpmFileProblem(write('text.rpm', 'hello, not an rpm\n'))!, /not an RPM/);
  t.regex(rpmFileProblem(write('deb.rpm', '!<arch>\ndebian-binary   '))!, /not an RPM/);
  t.regex(rpmFileProblem(write('lead.rpm', real.subarray(0, 50)))!, /inside the RPM lead/);
  t.regex(rpmFileProblem(write('cut.rpm', real.subarray(0, 400)))!, /truncated|malformed|ends before/);
  t.regex(rpmFileProblem(write('headers-only.rpm', real.subarray(0, 200)))!, /truncated|malformed|ends before/);
  const source = Buffer.from(real);
  source.writeUInt16BE(1, 6);
  t.regex(rpmFileProblem(write('x.src.rpm', source))!, /source RPM/);
  const badMagic = Buffer.from(real);
  badMagic[96] = 0;
  t.regex(rpmFileProblem(write('sig.rpm', badMagic))!, /signature header has no header magic/);
});

test('a folder of RPMs: each checked, the first bad one named relative to the folder', (t) => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.copyFileSync(RPM, path.join(dir, 'a.rpm'));
  fs.writeFileSync(path.join(dir, 'sub', 'broken.rpm'), 'nope');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
  const files = findPackageFiles(dir, '.rpm');
  t.deepEqual(files.map((f) => path.relative(dir, f)), ['a.rpm', 'sub/broken.rpm']);
  const err = inputErr(t, () => checkPackageFiles(RPM_FAMILY, files, 'packages.dir (--packages-dir) "x"', dir), /"sub\/broken\.rpm" is not a binary RPM: it is not an RPM/);
  t.regex(err.hint ?? '', /valid \.rpm/);
  t.notThrows(() => checkPackageFiles(RPM_FAMILY, [path.join(dir, 'a.rpm')], 'x'));
});

test('a tarball for the rpm family must hold .rpm files; the deb default is unchanged', async (t) => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'a.deb'), 'x');
  const file = path.join(dir, 'debs.tar');
  await tar.c({ cwd: dir, file }, ['a.deb']);
  await t.notThrowsAsync(() => checkTarball(file, 'packages.tar "debs.tar"'));
  const err = await t.throwsAsync(() => checkTarball(file, 'packages.tar "debs.tar"', '.rpm'), { instanceOf: PipelineError });
  t.regex(err!.message, /holds no \.rpm file/);
  fs.copyFileSync(RPM, path.join(dir, 'b.rpm'));
  await tar.c({ cwd: dir, file: path.join(dir, 'rpms.tar') }, ['b.rpm']);
  t.deepEqual(await checkTarball(path.join(dir, 'rpms.tar'), 'x', '.rpm'), ['b.rpm']);
});

// ---- createrepo_c metadata

const REPOMD = fs.readFileSync(path.join(FIXTURES, 'repomd.xml'), 'utf8');
const PRIMARY = fs.readFileSync(path.join(FIXTURES, 'primary.xml'), 'utf8');

test('repomd.xml names the primary metadata; primary.xml lists every package', (t) => {
  t.is(primaryLocation(REPOMD), 'repodata/primary.xml.gz');
  t.is(primaryLocation('<repomd><data type="other"><location href="o.xml.gz"/></data></repomd>'), null);
  const entries = parsePrimary(PRIMARY);
  t.true(entries.length >= 10);
  const utils = entries.find((e) => e.package === 'contrail-utils')!;
  t.is(utils.version, '4.0.0.0-20');
  t.is(utils.architecture, 'noarch');
  t.is(utils.filename, 'contrail-utils-4.0.0.0-20.noarch.rpm');
  t.regex(utils.sha256, /^[0-9a-f]{64}$/);
  const epoch = parsePrimary('<package type="rpm"><name>a&amp;b</name><arch>x86_64</arch><version epoch="2" ver="1.0" rel="1.el7"/><checksum type="sha256">ab</checksum><location href="a.rpm"/></package>');
  t.deepEqual(epoch, [{ package: 'a&b', version: '2:1.0-1.el7', architecture: 'x86_64', filename: 'a.rpm', sha256: 'ab' }]);
});

test('per-package hashes: a changed package changes its own hash only', (t) => {
  const before = summarizePrimary(PRIMARY);
  const utils = parsePrimary(PRIMARY).find((e) => e.package === 'contrail-utils')!;
  const after = summarizePrimary(PRIMARY.replace(utils.sha256, '0'.repeat(64)));
  t.not(before.indexHash, after.indexHash);
  t.not(before.packages['contrail-utils'], after.packages['contrail-utils']);
  for (const name of Object.keys(before.packages).filter((n) => n !== 'contrail-utils')) t.is(before.packages[name], after.packages[name], name);
});

test('metadata: gzip or plain XML; another compression is named', (t) => {
  const zlib = require('node:zlib');
  t.is(metadataText('p.xml.gz', zlib.gzipSync(Buffer.from('<?xml x'))), '<?xml x');
  t.is(metadataText('p.xml', Buffer.from('<?xml y')), '<?xml y');
  t.throws(() => metadataText('repodata/p.xml.zst', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])), { message: /p\.xml\.zst is compressed .*only gzip/ });
});

test('packages.url for rpm: a yum repository has no suite', (t) => {
  t.notThrows(() => checkYumLocation('http://h/el7', './'));
  inputErr(t, () => checkYumLocation('http://h/el7', 'bookworm main'), /names a suite, as for apt; a yum repository is named by its URL alone/);
});

// ---- spec files and sources

test('spec files: binary packages and build requirements', (t) => {
  const plain = (n: string) => path.join(ROOT, 'examples', 'rpm', 'packages', n, `${n}.spec`);
  const inSandbox = (n: string) => path.join(ROOT, 'examples', 'rpm', 'sources', 'contrail-packages-rpm', 'rpm', n, `${n}.spec`);
  const spec = (n: string) => fs.readFileSync(n === 'contrail-lib' ? plain(n) : inSandbox(n), 'utf8');
  t.deepEqual(specPackages(spec('contrail-lib')), ['contrail-lib', 'contrail-lib-devel', 'contrail-utils', 'python-contrail']);
  t.deepEqual(specPackages(spec('contrail-control')), ['contrail-control', 'contrail-dns']);
  t.deepEqual(specBuildRequires(spec('contrail-control')), ['contrail-lib-devel']);
  t.deepEqual(specBuildRequires('BuildRequires: scons, gcc-c++ >= 4.8 python-devel\nBuildRequires: (a or b)\n'), ['scons', 'gcc-c++', 'python-devel']);
  t.is(specPackages('Name: %{pkgname}\n%files\n'), null);
  t.deepEqual(specPackages('Name: contrail\n%package -n contrail-%{x}\n'), null);
  t.deepEqual(specPackages('Name: contrail\n%package config\n%files config\n'), ['contrail-config']);
});

test('a source of the rpm family needs its spec file; the deb family refuses one', (t) => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'x.spec'), 'Name: x\n');
  t.notThrows(() => checkSpec(dir, 'packages.build.sources[0] ("x")', { name: 'x', path: dir, spec: 'x.spec' }));
  inputErr(t, () => checkSpec(dir, 'packages.build.sources[0] ("x")', { name: 'x', path: dir }), /sources\[0\] \("x"\) has no "spec"/);
  inputErr(t, () => checkSpec(dir, 'packages.build.sources[0] ("x")', { name: 'x', path: dir, spec: 'rpm/y.spec' }), /its spec file "rpm\/y\.spec" is not in/);
  const builder = { packages: [], aptSources: [] };
  inputErr(t, () => DEB_FAMILY.checkBuild({ sources: [{ name: 'a', path: dir }, { name: 'b', path: dir, spec: 'x.spec' }], builder }), /sources\[1\] \("b"\) has "spec", which only the rpm family builds/);
  inputErr(t, () => RPM_FAMILY.checkBuild({ sources: [{ name: 'a', path: dir, spec: 'x.spec' }, { name: 'b', path: dir }], builder }), /sources\[1\] \("b"\) has no "spec"/);
  inputErr(t, () => RPM_FAMILY.checkBuild({ sources: [], builder: { packages: [], aptSources: [{ line: 'deb http://127.0.0.1/ x main', key: 'k' }] } }), /aptSources are apt sources, and this build's OS family is rpm/);
});

// ---- config

function config(data: unknown, args: string[] = []) {
  const dir = tempDir();
  const file = writeJson(path.join(dir, 'config.json'), data);
  return resolveConfig({ args: ['--config', file, ...args], env: {}, cwd: dir });
}

test('osFamily: absent means "from the base image"; deb, rpm or --os-family; anything else refused', (t) => {
  t.is(config({ version: '1' }).osFamily, null);
  t.is(config({ version: '1', osFamily: 'rpm' }).osFamily, 'rpm');
  t.is(config({ version: '1', osFamily: 'rpm' }, ['--os-family', 'deb']).osFamily, 'deb');
  inputErr(t, () => config({ version: '1', osFamily: 'yum' }), /osFamily/);
  inputErr(t, () => config({ version: '1' }, ['--os-family', 'centos']), /os-family/);
});

test('a source spec: a relative .spec path inside the source', (t) => {
  const base = { version: '1', packages: { build: { sources: [] as unknown[] } } };
  const withSpec = (spec: string) => ({ ...base, packages: { build: { sources: [{ name: 'c', path: '.', spec }] } } });
  t.is((config(withSpec('rpm/contrail/contrail.spec')).packages.build.sources[0] as { spec?: string }).spec, 'rpm/contrail/contrail.spec');
  inputErr(t, () => config(withSpec('../other/c.spec')), /sources\[0\] \("c".*spec "\.\.\/other\/c\.spec" must be a relative path to a \.spec file/);
  inputErr(t, () => config(withSpec('/abs/c.spec')), /must be a relative path/);
  inputErr(t, () => config(withSpec('rpm/contrail/control')), /must be a relative path to a \.spec file/);
  inputErr(t, () => config(withSpec('')), /spec/);
});

// ---- what the images get

test('contrail-install (rpm): a .repo with priority=1, gpg checks only with a key, yum-plugin-priorities for yum, removed afterwards', (t) => {
  const script = fs.readFileSync(path.join(ROOT, 'dockerfiles', 'base', 'contrail-install'), 'utf8');
  t.regex(script, /repo_file=\/etc\/yum\.repos\.d\/contrail-install\.repo/);
  t.regex(script, /baseurl=%s\\nenabled=1\\n\$gpg\\npriority=1\\n/);
  t.regex(script, /gpg='gpgcheck=0\\nrepo_gpgcheck=0'\n/, 'unsigned without a key');
  t.regex(script, /gpg="gpgcheck=1\\ngpgkey=file:\/\/\$key_file\\nrepo_gpgcheck=0"/, 'the packages checked with the key');
  t.regex(script, /if signed_metadata "\$CONTRAIL_REPO_URL\/repodata\/repomd\.xml\.asc"; then\n\s*gpg="gpgcheck=1\\ngpgkey=file:\/\/\$key_file\\nrepo_gpgcheck=1"/, 'and the metadata where it is signed');
  t.regex(script, /rpm -e "\$k"/, 'the key leaves the rpm database');
  t.regex(script, /"\$tool" = yum \] && ! rpm -q yum-plugin-priorities .*\n.*\n\s*yum install -y yum-plugin-priorities/);
  t.regex(script, /cleanup_rpm\(\) \{\n\s*rm -f "\$repo_file"/);
  t.regex(script, /trap cleanup_rpm EXIT/);
  t.regex(script, /rm -rf \/var\/cache\/dnf \/var\/cache\/yum/);
  t.regex(script, /not found in the contrail repo \(\$CONTRAIL_REPO_URL\) or the distribution:\$missing/);
});

test('the family reaches contrail-install as CONTRAIL_OS_FAMILY; contrail-base declares it', (t) => {
  const recipe = { packages: ['a'], dockerfile: '/x/Dockerfile', buildArgs: {} };
  const repo = { url: 'http://127.0.0.1:1', host: '127.0.0.1', priority: 1001 };
  t.is(standardBuildArgs('base', recipe, { version: '1', os: 'o', baseImage: 'b', repo, osFamily: 'rpm' }).CONTRAIL_OS_FAMILY, 'rpm');
  t.is(standardBuildArgs('base', recipe, { version: '1', os: 'o', baseImage: 'b', repo }).CONTRAIL_OS_FAMILY, 'deb');
  const base = fs.readFileSync(path.join(ROOT, 'dockerfiles', 'base', 'Dockerfile'), 'utf8');
  t.regex(base, /ARG CONTRAIL_OS_FAMILY=deb/);
  t.regex(base, /CONTRAIL_OS_FAMILY=\$\{CONTRAIL_OS_FAMILY\}/);
});

test('the galaxy helper: apt for deb (unchanged), the image\'s own tool for rpm', (t) => {
  t.regex(galaxyDockerfile('b'), /^FROM b\nRUN apt-get update/);
  t.is(galaxyDockerfile('b'), galaxyDockerfile('b', 'deb'));
  const rpm = galaxyDockerfile('b', 'rpm');
  t.regex(rpm, /elif command -v dnf .*\n.*dnf install -y git python3 ansible-core/);
  t.regex(rpm, /yum install -y git ansible/);
});

test('sources resolve by their shape before the family is known: a spec file for an rpm source, debian/ otherwise', async (t) => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'x.spec'), 'Name: x\n');
  const r = await resolveSource({ name: 'x', path: dir, spec: 'x.spec' }, 0);
  t.regex(r.revision, /^[0-9a-f]{64}$/);
  await t.throwsAsync(() => resolveSource({ name: 'x', path: dir, spec: 'other.spec' }, 0), { message: /its spec file "other\.spec" is not in/ });
  await t.throwsAsync(() => resolveSource({ name: 'x', path: dir }, 0), { message: /has no debian\/ folder/ });
});
