/**
 * The rpm family's bad inputs through the real CLI, with DOCKER_HOST where nothing listens (port
 * 19349): each is refused when the config is read, exit 2 with one message naming the input,
 * before the engine is asked for the base image's os-release (which could mean a debootstrap
 * first), and nothing is written in the work folder. The deb family's list (inputsFirst.test.ts),
 * for .rpm files, yum repositories and spec sources.
 */
import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runGulp } from '../helpers/gulp';
import { tempDir, writeJson } from '../helpers/temp';

const NO_ENGINE = { DOCKER_HOST: 'tcp://127.0.0.1:19349' };
const RPM = path.join(__dirname, '..', 'fixtures', 'rpm', 'contrail-utils-4.0.0.0-20.noarch.rpm');

/** `gulp prep` on an rpm config with `packages` (and more) over it; `setUp` makes files in the config's folder. */
async function refusedForRpm(t: ExecutionContext, extra: Record<string, unknown>, expected: RegExp, setUp?: (dir: string) => void) {
  const dir = tempDir('rpm-inputs-');
  setUp?.(dir);
  const workDir = path.join(dir, 'work');
  const config = writeJson(path.join(dir, 'rpm.json'), { version: '31.2.0-1', os: 'rpmin31', baseImage: 'contrail-demo-rpmbase:bookworm', workDir, ...extra });
  const r = await runGulp(['prep', '--config', config], NO_ENGINE);
  const said = `${r.stdout}${r.stderr}`;
  t.is(r.code, 2, said);
  t.regex(said, expected);
  t.notRegex(said, /Docker engine|DOCKER_HOST|os-release/, 'the engine was not asked');
  t.notRegex(said, /    at /, 'no stack trace');
  t.false(fs.existsSync(workDir) && fs.readdirSync(workDir, { recursive: true }).length > 0, 'nothing written in the work folder');
}

test('a remote yum URL without packages.key or "trusted": true; a key file that is missing', async (t) => {
  await refusedForRpm(t, { packages: { url: 'http://yum.example.org/contrail/el7' } }, /packages\.url \(in [^)]*rpm\.json\) is on "yum\.example\.org", not a loopback address/);
  await refusedForRpm(t, { osFamily: 'rpm', packages: { url: 'http://yum.example.org/contrail/el7', key: 'RPM-GPG-KEY' } }, /packages\.key \(in [^)]*rpm\.json\) ".*RPM-GPG-KEY" does not exist/);
});

test('a yum URL with a suite, as for apt, when the config names the rpm family', async (t) => {
  await refusedForRpm(t, { osFamily: 'rpm', packages: { url: 'http://127.0.0.1:19348/el7 bookworm main' } }, /"http:\/\/127\.0\.0\.1:19348\/el7 bookworm main" names a suite, as for apt/);
});

test('packages.dir: a .rpm that is not an RPM, a source RPM, a dangling .rpm link; packages.tar that is a folder', async (t) => {
  await refusedForRpm(t, { packages: { dir: 'rpms' } }, /packages\.dir \(in [^)]*rpm\.json\) ".*rpms": "el7\/contrail-lib-4\.0\.0\.0-20\.noarch\.rpm" is not a binary RPM: it is not an RPM/, (d) => {
    fs.mkdirSync(path.join(d, 'rpms', 'el7'), { recursive: true });
    fs.copyFileSync(RPM, path.join(d, 'rpms', 'contrail-utils-4.0.0.0-20.noarch.rpm'));
    fs.writeFileSync(path.join(d, 'rpms', 'el7', 'contrail-lib-4.0.0.0-20.noarch.rpm'), '<html>404 not found</html>\n');
  });
  await refusedForRpm(t, { packages: { dir: 'rpms' } }, /"contrail-4\.0\.0\.0-20\.src\.rpm" is not a binary RPM: it is a source RPM/, (d) => {
    fs.mkdirSync(path.join(d, 'rpms'));
    const source = fs.readFileSync(RPM);
    source.writeUInt16BE(1, 6);
    fs.writeFileSync(path.join(d, 'rpms', 'contrail-4.0.0.0-20.src.rpm'), source);
  });
  await refusedForRpm(t, { packages: { dir: 'rpms' } }, /packages\.dir \(in [^)]*rpm\.json\): ".*\/rpms\/a\.rpm" is a link to "gone\.rpm", which does not exist/, (d) => {
    fs.mkdirSync(path.join(d, 'rpms'));
    fs.symlinkSync('gone.rpm', path.join(d, 'rpms', 'a.rpm'));
  });
  await refusedForRpm(t, { packages: { tar: 'p.tgz' } }, /packages\.tar .* is a folder, not a tarball/, (d) => fs.mkdirSync(path.join(d, 'p.tgz')));
});

test('sources that do not fit the rpm family: no spec file, apt sources for the builder; a recipe with a Debian source\'s key', async (t) => {
  const spec = (d: string) => fs.mkdirSync(path.join(d, 'lib'));
  await refusedForRpm(t, { osFamily: 'rpm', packages: { build: { sources: [{ name: 'lib', path: 'lib' }] } } }, /packages\.build\.sources\[0\] \("lib"\) has no "spec": the rpm family builds each source from its spec file/, spec);
  await refusedForRpm(t, {
    osFamily: 'rpm',
    packages: { build: { sources: [{ name: 'lib', path: 'lib', spec: 'lib.spec' }], builder: { aptSources: [{ line: 'deb http://127.0.0.1:19348/debian bookworm main', key: 'k.gpg' }] } } },
  }, /packages\.build\.builder\.aptSources are apt sources, and this build's OS family is rpm/, spec);
  await refusedForRpm(t, {
    packages: { build: { sources: [{ name: 'contrail', manifest: { url: 'vnc', ref: 'master' }, git: 'vnc', steps: ['bash packages.sh'], outputs: ['build/rpm/RPMS/*/*.rpm'] }] } },
  }, /packages\.build\.sources\[0\].*"git" does not go with "manifest"/);
});
