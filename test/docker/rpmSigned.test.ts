/**
 * A signed yum repository as packages.url with packages.key: made for real in a container from
 * the rpm demo base (gpg keys generated there, an RPM built by rpmbuild and signed by rpmsign,
 * createrepo_c metadata, repomd.xml signed with gpg --detach-sign) and served on 127.0.0.1. The
 * image installs with gpgcheck=1 and repo_gpgcheck=1 and keeps neither the key nor the .repo
 * file; a repository signed by another key fails the image naming that key. Ports 19300-19301,
 * versions 31.1.0-<n>, OS name rpmsig31.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import * as tar from 'tar';
import { resolveConfig, type ResolvedConfig } from '../../lib/config/load';
import type { PipelineError } from '../../lib/errors';
import { execCapture } from '../../lib/docker/exec';
import { ensureRpmDemoBase, RPM_DEMO_BASE } from '../../scripts/rpm-demo-base';
import { memoryLogger } from '../../lib/log';
import { docker, removeImage, testRun } from '../helpers/docker';
import { withTestLock } from '../helpers/lock';
import { removeContainer, runIn } from '../helpers/packages';
import { buildImages, contrailRepo } from '../helpers/steps';
import { tempDir, writeJson } from '../helpers/temp';

const PORT = 19300;
const SERVER = 'contrail-test-signed-yum-19300';
const OS = 'rpmsig31';
const ARTIFACT_DIR = tempDir('rpm-signed-ansible-');
const ARTIFACT = path.join(ARTIFACT_DIR, 'contrail-ansible.tar.gz');

/**
 * Two keys (good, other); the same small RPM signed by each into /srv/good and /srv/other, each a
 * yum repository; good's repomd.xml signed too. Then served on 127.0.0.1:PORT.
 */
const MAKE_AND_SERVE = String.raw`
set -eu
export GNUPGHOME=/root/.gnupg
mkdir -p -m 700 "$GNUPGHOME" /srv/keys /build/SPECS
cat > /build/SPECS/contrail-signed.spec <<'SPEC'
Name:      contrail-signed
Version:   1.0
Release:   1
Summary:   a package of a signed repository
License:   Apache-2.0
BuildArch: noarch
AutoReqProv: no
%description
Installed from a signed yum repository.
%install
mkdir -p %{buildroot}/usr/share/contrail-signed
echo signed > %{buildroot}/usr/share/contrail-signed/README
%files
/usr/share/contrail-signed/README
SPEC
rpmbuild -bb --define '_topdir /build' /build/SPECS/contrail-signed.spec
for who in good other; do
  gpg --batch --passphrase '' --quick-gen-key "contrail $who <$who@contrail.test>" rsa2048 sign never
  gpg --with-colons --list-keys "$who@contrail.test" | awk -F: '$1 == "pub" { print tolower(substr($5, 9)) }' > /srv/keys/$who.id
  gpg --export --armor "$who@contrail.test" > /srv/keys/$who.asc
  mkdir -p /srv/$who
  cp /build/RPMS/noarch/*.rpm /srv/$who/
  rpmsign --addsign --define "__gpg /usr/bin/gpg" --define "_gpg_name $who@contrail.test" /srv/$who/*.rpm
  createrepo_c --general-compress-type gz --simple-md-filenames /srv/$who
done
gpg --batch --yes --local-user good@contrail.test --detach-sign --armor /srv/good/repodata/repomd.xml
touch /srv/ready
exec python3 -m http.server --bind 127.0.0.1 ${PORT} --directory /srv
`;

interface Keys {
  /** the file of each key's armored public key */
  file: Record<'good' | 'other', string>;
  /** each key's short id, as rpm names it */
  id: Record<'good' | 'other', string>;
}

async function startServer(): Promise<Keys> {
  await removeContainer(SERVER);
  const container = await docker.createContainer({
    name: SERVER, Image: RPM_DEMO_BASE, Cmd: ['sh', '-c', MAKE_AND_SERVE], Labels: { 'contrail-docker.test': 'rpm-signed' },
    HostConfig: { NetworkMode: 'host' },
  });
  await container.start();
  for (let i = 0; ; i++) {
    const ready = await fetch(`http://127.0.0.1:${PORT}/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    const state = (await container.inspect()).State;
    if (!state.Running) throw new Error(`the signed repository's container exited: ${(await container.logs({ stdout: true, stderr: true })).toString()}`);
    if (i > 600) throw new Error('the signed repository did not start within 10 minutes');
    await new Promise((r) => setTimeout(r, 1000));
  }
  const dir = tempDir('rpm-signed-keys-');
  const keys: Keys = { file: { good: '', other: '' }, id: { good: '', other: '' } };
  for (const who of ['good', 'other'] as const) {
    keys.file[who] = path.join(dir, `${who}.asc`);
    fs.writeFileSync(keys.file[who], (await execCapture(container, ['cat', `/srv/keys/${who}.asc`])).stdout);
    keys.id[who] = (await execCapture(container, ['cat', `/srv/keys/${who}.id`])).stdout.toString().trim();
  }
  return keys;
}

function signedConfig(version: string, packages: object): ResolvedConfig {
  const dir = tempDir('rpm-signed-config-');
  const file = writeJson(path.join(dir, 'config.json'), {
    version, os: OS, baseImage: RPM_DEMO_BASE, osFamily: 'rpm', workDir: tempDir('rpm-signed-work-'),
    packages, repo: { port: 19301 }, ansible: { artifact: ARTIFACT },
    images: { base: { packages: ['contrail-signed'] } },
  });
  return resolveConfig({ args: ['--config', file], env: {}, cwd: dir });
}

let keys: Keys;

test.before(async () => {
  fs.mkdirSync(path.join(ARTIFACT_DIR, 'tree', 'contrail-ansible', 'playbooks'), { recursive: true });
  fs.writeFileSync(path.join(ARTIFACT_DIR, 'tree', 'contrail-ansible', 'playbooks', 'site.yml'), '- hosts: localhost\n  tasks: []\n');
  await tar.c({ cwd: path.join(ARTIFACT_DIR, 'tree'), gzip: true, file: ARTIFACT, portable: true }, ['contrail-ansible']);
  await withTestLock('rpm-demo-base', () => ensureRpmDemoBase(docker, memoryLogger(!!process.env.TEST_ECHO), tempDir('rpm-demo-base-')));
  keys = await startServer();
});

test.after.always(async () => {
  await removeContainer(SERVER);
  for (const v of ['31.1.0-1', '31.1.0-2']) await removeImage(`contrail-base-${OS}:${v}`);
});

test.serial('a signed yum repository: installed with gpgcheck=1 and repo_gpgcheck=1 against packages.key; neither key nor .repo left in the image', async (t) => {
  t.regex(keys.id.good, /^[0-9a-f]{8}$/);
  const config = signedConfig('31.1.0-1', { url: `http://127.0.0.1:${PORT}/good`, key: keys.file.good });
  const run = testRun(config);
  const repo = await contrailRepo(run);
  t.is(repo.family, 'rpm');
  t.is(Buffer.from(repo.key ?? '', 'base64').toString('utf8'), fs.readFileSync(keys.file.good, 'utf8'), 'the key goes to the image builds');
  const result = await buildImages(run);
  t.is(result.images[0].status, 'built', result.images[0].reason);
  const log = fs.readFileSync(result.images[0].log, 'utf8');
  t.regex(log, /the repo's metadata is signed \(repodata\/repomd\.xml\.asc\): repo_gpgcheck=1/);
  const check = await runIn(`contrail-base-${OS}:31.1.0-1`, ['sh', '-c', 'rpm -q contrail-signed; rpm -q gpg-pubkey || true; ls -A /etc/yum.repos.d /etc/pki/rpm-gpg 2>&1']);
  t.regex(check.output, /^contrail-signed-1\.0-1\.noarch$/m);
  t.regex(check.output, /package gpg-pubkey is not installed/, 'the key left the rpm database');
  t.notRegex(check.output, /contrail-install/, 'no .repo file or key file left');
});

test.serial('a repository signed by another key than packages.key fails the image, naming the key that signed it', async (t) => {
  const config = signedConfig('31.1.0-2', { url: `http://127.0.0.1:${PORT}/other`, key: keys.file.good });
  const err = await t.throwsAsync<PipelineError>(() => buildImages(testRun(config)), { message: /1 image failed to build/ });
  t.regex(err!.details.join('\n'), new RegExp(`contrail-base-${OS}:31\\.1\\.0-2`));
  const log = fs.readFileSync(path.join(config.workDir, 'logs', `contrail-base-${OS}.log`), 'utf8');
  t.true(log.includes(`signed with key ID ${keys.id.other}, not with the repo's key (packages.key, key ID ${keys.id.good})`), log.slice(-3000));
  t.is(await docker.getImage(`contrail-base-${OS}:31.1.0-2`).inspect().then(() => true, () => false), false);
});

test.serial('without packages.key the same loopback repository is used unsigned (gpgcheck=0), as on deb', async (t) => {
  const config = signedConfig('31.1.0-3', { url: `http://127.0.0.1:${PORT}/other` });
  const repo = await contrailRepo(testRun(config));
  t.is(repo.key, '');
  t.is(Object.keys(repo.packages).join(), 'contrail-signed');
});
