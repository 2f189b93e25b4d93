/**
 * contrailRepo against the real engine: packages from the sources, a tarball (path or URL), a
 * folder or an existing repository; the repo container serving them; contrail-install in an image
 * build with the pin (a lower `hello` than Debian's wins; by IPv4, host name and IPv6); reuse,
 * restart and replacement from the labels; and every bad input.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import test from 'ava';
import * as tar from 'tar';
import { resolveConfig } from '../../lib/config/load';
import { localContainer } from '../../lib/docker/containers';
import { LABELS } from '../../lib/docker/labels';
import { sharesThisNetwork } from '../../lib/docker/sameNetwork';
import { readRepoIndex, type RepoFlavor } from '../../lib/packages/repoIndex';
import { DEB_REPO_FLAVOR } from '../../lib/packages/repoServer';
import { summarizeIndex } from '../../lib/packages/packagesIndex';
import type { PipelineError } from '../../lib/errors';
import { withTestLock } from '../helpers/lock';
import type { RepoResult } from '../../lib/steps';
import { contrailRepo } from '../helpers/steps';
import { demoBaseImage, demoConfig, docker, removeImage, ROOT, testRun } from '../helpers/docker';
import { makeDeb, rawTar, writeDeb } from '../helpers/deb';
import { runGulp } from '../helpers/gulp';
import { buildFrom, demoPackages, PACKAGES_VERSION, PACKAGES_WORK_DIR, removeContainer, runIn } from '../helpers/packages';
import { tempDir, writeJson } from '../helpers/temp';
import { oneOf, removeDanglingAfter } from '../helpers/leftovers';

removeDanglingAfter(test, oneOf('t-repo-demo', 't-repo-replace', 't-repo-port', 't-repo-tar', 't-repo-dir', 't-repo-url', 't-repo-cli'));

const INSTALL = fs.readFileSync(path.join(ROOT, 'dockerfiles', 'base', 'contrail-install'), 'utf8');
const PORTS = Array.from({ length: 14 }, (_, i) => 18100 + i);
const made = { images: new Set<string>(), containers: new Set<string>() };

test.before(async () => {
  await demoBaseImage();
  for (const port of PORTS) await removeContainer(`contrail-repo-debian12-${port}`);
});

test.after.always(async () => {
  for (const name of made.containers) await removeContainer(name);
  for (const port of PORTS) await removeContainer(`contrail-repo-debian12-${port}`);
  for (const ref of made.images) await removeImage(ref);
});

/** A config of the test's own, with no sources unless given. */
function configWith(version: string, packages: object, repo: object, workDir = tempDir('t-repo-serve-work-')) {
  const dir = tempDir('t-repo-serve-config-');
  const file = writeJson(path.join(dir, 'config.json'), {
    version, os: 'debian12', baseImage: 'debian:bookworm', bootstrap: { suite: 'bookworm' }, workDir, packages, repo,
  });
  if (version !== PACKAGES_VERSION) made.images.add(`contrail-repo-debian12:${version}`);
  // resolved when asked for: a config the CLI is to refuse (exit 2) is only written
  return { file, workDir, get config() { return resolveConfig({ args: ['--config', file], env: {}, cwd: dir }); } };
}

const hello = (dir: string, version = '1.0-1') =>
  writeDeb(dir, { package: 'hello', version, files: { '/usr/bin/hello': `#!/bin/sh\necho "contrail hello ${version}"\n` } });

/** Builds an image that installs `packages` with contrail-install, as the family's Dockerfiles do. */
async function installImage(ref: string, repo: RepoResult, packages: string[], priority = repo.priority) {
  made.images.add(ref);
  return buildFrom(ref, {
    Dockerfile: [
      'FROM debian:bookworm',
      'COPY contrail-install /usr/local/sbin/contrail-install',
      'ARG CONTRAIL_REPO_URL', 'ARG CONTRAIL_REPO_HOST', 'ARG CONTRAIL_REPO_PRIORITY', 'ARG CONTRAIL_REPO_DIST',
      `RUN contrail-install ${packages.join(' ')}`,
    ].join('\n'),
    'contrail-install': INSTALL,
  }, { CONTRAIL_REPO_URL: repo.url, CONTRAIL_REPO_HOST: repo.host, CONTRAIL_REPO_PRIORITY: String(priority), CONTRAIL_REPO_DIST: repo.distribution ?? './' });
}

async function inputError(t: any, p: Promise<unknown>, re: RegExp): Promise<PipelineError> {
  const e = (await t.throwsAsync(p)) as PipelineError;
  t.is(e.kind, 'input', String(e));
  t.regex(e.message, re);
  return e;
}

function serve(port: number, handler: http.RequestListener): Promise<http.Server> {
  return new Promise((resolve) => {
    const server = http.createServer(handler);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

test('demo: the built packages served, installed by contrail-install with the pin; reused, restarted', async (t) => {
  await demoPackages();
  const config = demoConfig({ version: PACKAGES_VERSION, workDir: PACKAGES_WORK_DIR, args: ['--repo-port', '18100'] });
  // the demo work folder is shared with packageBuild's tests
  const repo = await withTestLock('t-repo-demo-packages', () => contrailRepo(testRun(config)));
  t.like(repo, { url: 'http://127.0.0.1:18100', host: '127.0.0.1', priority: 1001, distribution: './', source: 'build' });
  t.deepEqual(Object.keys(repo.packages).sort(), [...config.packages.build.expect].sort());
  t.regex(repo.indexHash, /^[0-9a-f]{64}$/);
  t.is(repo.image!.ref, `contrail-repo-debian12:${PACKAGES_VERSION}`);
  t.is(repo.container!.name, 'contrail-repo-debian12-18100');
  const image = await docker.getImage(repo.image!.ref).inspect();
  t.is(image.Id, repo.image!.id);
  t.is(image.Config.Labels[LABELS.role], 'repo');
  t.regex(image.Config.Labels[LABELS.inputHash], /^[0-9a-f]{64}$/);
  const container = await docker.getContainer(repo.container!.name).inspect();
  t.true(container.State.Running);
  t.is(container.HostConfig.NetworkMode, 'host');
  t.is(container.Config.Labels[LABELS.role], 'repo');

  // an image build installs from it: dependencies from the repo too, and no trace of the repo left
  const ref = 'contrail-t-repo-install:demo';
  const built = await installImage(ref, repo, ['contrail-control', 'contrail-vrouter-agent']);
  t.is(built.error, undefined, built.log.join('\n'));
  const out = await runIn(ref, ['sh', '-c', "contrail-control --version; contrail-vrouter-agent --version; contrail-lib; dpkg-query -W -f '${Package} ${Version}\\n' contrail-lib contrail-utils; cat /etc/contrail/contrail-control.conf; ls /etc/apt/sources.list.d /etc/apt/preferences.d; if grep -rq 18100 /etc/apt || ls /var/lib/apt/lists | grep -q 18100; then echo repo-left; else echo no-repo-left; fi"]);
  t.is(out.code, 0, out.output);
  t.regex(out.output, /^contrail-control 4\.0\.0\.0-20\r?$/m);
  t.regex(out.output, /^contrail-vrouter-agent 4\.0\.0\.0-20\r?$/m);
  t.regex(out.output, /^contrail-lib 4\.0\.0\.0-20\r?$/m);
  t.regex(out.output, /^contrail-utils 4\.0\.0\.0-20\r?$/m);
  t.regex(out.output, /\[DEFAULT\]/);
  t.regex(out.output, /no-repo-left/);

  // a second run: the running container is reused as it is (not restarted, no image built)
  const startedAt = (await docker.getContainer(repo.container!.name).inspect()).State.StartedAt;
  const again = await withTestLock('t-repo-demo-packages', async () => ({ r: await contrailRepo(testRun(config)) }));
  t.is((await docker.getContainer(repo.container!.name).inspect()).State.StartedAt, startedAt, 'not restarted');
  t.is(again.r.container!.id, repo.container!.id);
  t.is(again.r.image!.id, repo.image!.id);
  t.is(again.r.indexHash, repo.indexHash);

  // stopped: started again, same container
  await docker.getContainer(repo.container!.name).stop({ t: 1 });
  const run3 = testRun(config);
  const third = await withTestLock('t-repo-demo-packages', () => contrailRepo(run3));
  t.is(third.container!.id, repo.container!.id);
  t.true((await docker.getContainer(repo.container!.name).inspect()).State.Running);
  t.regex(run3.log.text(), /\(started,/);
});

test('the index: read from this machine when the repo shares its network, from inside the container when it does not; the same index', async (t) => {
  await demoPackages();
  const config = demoConfig({ version: PACKAGES_VERSION, workDir: PACKAGES_WORK_DIR, args: ['--repo-port', '18112'] });
  const repo = await withTestLock('t-repo-demo-packages', () => contrailRepo(testRun(config)));
  const inside: string[] = [];
  const flavor: RepoFlavor = { ...DEB_REPO_FLAVOR, fetchInside: (c, u) => (inside.push(u), DEB_REPO_FLAVOR.fetchInside(c, u)) };

  // host networking on this machine's engine: one GET here, no process started in the container
  const shared = (await localContainer(docker, repo.container!.name))!;
  t.true(sharesThisNetwork(shared));
  const here = await readRepoIndex(docker, shared, repo.url, flavor);
  t.is(here.error, undefined);
  t.deepEqual(inside, []);
  t.is(summarizeIndex(here.text!).indexHash, repo.indexHash);

  // the same image serving in a network of its own: this machine cannot reach it, the container can
  const name = 'contrail-repo-debian12-18113';
  made.containers.add(name);
  await removeContainer(name);
  const own = await docker.createContainer({ name, Image: repo.image!.id, Cmd: ['contrail-repo-serve', '127.0.0.1', '18113'], HostConfig: { NetworkMode: 'none' } });
  await own.start();
  const apart = (await localContainer(docker, name))!;
  t.false(sharesThisNetwork(apart));
  let inContainer: { text?: string; error?: string } = {};
  for (let i = 0; i < 50 && inContainer.text === undefined; i++) {
    inContainer = await readRepoIndex(docker, apart, 'http://127.0.0.1:18113', flavor);
    if (inContainer.text === undefined) await new Promise((r) => setTimeout(r, 100));
  }
  t.is(inContainer.text, here.text, inContainer.error);
  t.deepEqual(inside.at(-1), 'http://127.0.0.1:18113/Packages.gz');
  await t.throwsAsync(fetch('http://127.0.0.1:18113/Packages.gz'), undefined, 'nothing serves it on this machine');

  // a pid of this machine that is not the container's process: not taken for it
  t.false(sharesThisNetwork({ id: shared.id, pid: process.pid }));
  t.false(sharesThisNetwork({ id: shared.id, pid: 0 }));
});

for (const [host, port, url] of [['localhost', 18101, 'http://localhost:18101'], ['::1', 18102, 'http://[::1]:18102']] as const) {
  test(`the pin: a lower hello than Debian's wins from the contrail repo on ${host}`, async (t) => {
    const dir = tempDir('t-repo-pin-');
    hello(dir);
    const version = `t-repo-pin-${port}`;
    const { config } = configWith(version, { dir }, { host, port });
    const repo = await contrailRepo(testRun(config));
    t.is(repo.url, url);
    t.is(repo.host, host);
    t.is(repo.source, 'dir');
    const ref = `contrail-t-repo-pin:${port}`;
    const built = await installImage(ref, repo, ['hello']);
    t.is(built.error, undefined, built.log.join('\n'));
    const out = await runIn(ref, ['sh', '-c', "hello; dpkg-query -W -f '${Version}\\n' hello; apt-cache policy hello"]);
    t.is(out.code, 0, out.output);
    t.regex(out.output, /^contrail hello 1\.0-1\r?$/m);
    t.regex(out.output, /^1\.0-1\r?$/m);
    // Debian's newer hello is right there; only the pin made apt take ours
    t.regex(out.output, /Candidate: 2\.10-3/);
    if (host === 'localhost') {
      const control = `contrail-t-repo-pin:${port}-low`;
      const low = await installImage(control, repo, ['hello'], 100);
      t.is(low.error, undefined, low.log.join('\n'));
      const lowOut = await runIn(control, ['dpkg-query', '-W', '-f', '${Version}', 'hello']);
      t.is(lowOut.output.trim(), '2.10-3', 'without the high pin, Debian\'s hello wins');
      // a package in neither repository fails the build, named
      const missing = await installImage(`contrail-t-repo-pin:${port}-missing`, repo, ['hello', 'contrail-no-such-package']);
      t.truthy(missing.error);
      t.true(missing.log.some((l) => /not found in the contrail repo .* contrail-no-such-package/.test(l)), missing.log.join('\n'));
    }
  });
}

test('different packages: the image is rebuilt and the container replaced', async (t) => {
  const dir = tempDir('t-repo-replace-');
  hello(dir, '1.0-1');
  const { config } = configWith('t-repo-replace', { dir }, { port: 18103 });
  const first = await contrailRepo(testRun(config));
  fs.rmSync(path.join(dir, 'hello_1.0-1_all.deb'));
  hello(dir, '1.0-2');
  const run = testRun(config);
  const second = await contrailRepo(run);
  t.not(second.image!.id, first.image!.id);
  t.not(second.container!.id, first.container!.id);
  t.is(second.container!.name, first.container!.name);
  t.not(second.packages.hello, first.packages.hello);
  t.regex(run.log.text(), /replacing contrail-repo-debian12-18103/);
  await t.throwsAsync(docker.getContainer(first.container!.id).inspect(), { message: /no such container/i });
  await t.throwsAsync(docker.getImage(first.image!.id).inspect(), { message: /no such image/i }, 'the old repo image is removed');
  t.true((await docker.getContainer(second.container!.name).inspect()).State.Running);
});

test('port taken by something else: one clear error naming the port; served once it is free', async (t) => {
  const dir = tempDir('t-repo-port-');
  hello(dir);
  // what holds the port hangs up on whoever connects (the step may ask it for the index before
  // the container has failed to bind); a server that never read its connections would never close
  const blocker = net.createServer((socket) => socket.destroy());
  await new Promise<void>((r) => blocker.listen(18104, '127.0.0.1', () => r()));
  const { config } = configWith('t-repo-port', { dir }, { port: 18104 });
  try {
    const e = await inputError(t, contrailRepo(testRun(config)), /port 18104 on 127\.0\.0\.1 is already in use by something else/);
    t.regex(e.hint!, /--repo-port/);
  } finally {
    await new Promise((r) => blocker.close(r));
  }
  const repo = await contrailRepo(testRun(config));
  t.is(repo.url, 'http://127.0.0.1:18104');
});

test('tarball: a path or an http URL, .debs in sub-folders; the same tarball reuses the repo', async (t) => {
  const src = tempDir('t-repo-tar-src-');
  writeDeb(path.join(src, 'contrail-install-packages', 'debs'), { package: 'contrail-tar-a', version: '1', files: { '/usr/bin/contrail-tar-a': '#!/bin/sh\necho a\n' } });
  writeDeb(path.join(src, 'contrail-install-packages', 'more'), { package: 'contrail-tar-b', version: '2' });
  fs.writeFileSync(path.join(src, 'contrail-install-packages', 'README'), 'not a package');
  const tgz = path.join(tempDir('t-repo-tar-'), 'contrail-install-packages_t-repo.tgz');
  await tar.c({ cwd: src, gzip: true, file: tgz }, ['contrail-install-packages']);
  const { config, workDir } = configWith('t-repo-tar', { tar: tgz }, { port: 18105 });
  const repo = await contrailRepo(testRun(config));
  t.is(repo.source, 'tar');
  t.deepEqual(Object.keys(repo.packages), ['contrail-tar-a', 'contrail-tar-b']);
  t.deepEqual(fs.readdirSync(path.join(workDir, 'tmp')), [], 'the extracted files are removed');

  const server = await serve(18106, (req, res) => {
    if (req.url === '/contrail-install-packages_t-repo.tgz') fs.createReadStream(tgz).pipe(res);
    else res.writeHead(404).end();
  });
  try {
    const byUrl = configWith('t-repo-tar', { tar: 'http://127.0.0.1:18106/contrail-install-packages_t-repo.tgz' }, { port: 18105 }, workDir);
    const run = testRun(byUrl.config);
    const again = await contrailRepo(run);
    t.is(again.container!.id, repo.container!.id);
    t.regex(run.log.text(), /\(reused,/);
    const missing = configWith('t-repo-tar', { tar: 'http://127.0.0.1:18106/nope.tgz' }, { port: 18105 }, workDir);
    await inputError(t, contrailRepo(testRun(missing.config)), /packages\.tar .*"http:\/\/127\.0\.0\.1:18106\/nope\.tgz" cannot be downloaded: HTTP 404/);
  } finally {
    await new Promise((r) => server.close(r));
  }
  const unreachable = configWith('t-repo-tar', { tar: 'http://127.0.0.1:18107/p.tgz' }, { port: 18105 }, workDir);
  await inputError(t, contrailRepo(testRun(unreachable.config)), /cannot be downloaded: ECONNREFUSED/);
  t.deepEqual(fs.readdirSync(path.join(workDir, 'tmp')), [], 'no partial download left');
});

test('tarball: bad archives are refused with nothing extracted', async (t) => {
  const deb = makeDeb({ package: 'x', version: '1' }).toString('latin1');
  const cases: [string, Buffer, RegExp][] = [
    ['symlink', rawTar([{ path: 'debs', type: 'SymbolicLink', linkpath: '/etc' }, { path: 'debs/x_1_all.deb', body: deb }]), /entry "debs" is a symbolic link/],
    ['absolute', rawTar([{ path: '/tmp/x_1_all.deb', body: deb }]), /has an absolute path/],
    ['dotdot', rawTar([{ path: '../x_1_all.deb', body: deb }]), /has '\.\.' in its path/],
    ['hardlink', rawTar([{ path: 'x_1_all.deb', type: 'Link', linkpath: '/etc/shadow' }]), /is a hard link/],
    ['device', rawTar([{ path: 'x_1_all.deb', type: 'CharacterDevice' }]), /is a device/],
    ['nodeb', rawTar([{ path: 'README', body: 'x' }]), /holds no \.deb file/],
    ['baddeb', rawTar([{ path: 'debs/x_1_all.deb', body: 'this is no package' }]), /"debs\/x_1_all\.deb" is not a Debian package: it is not an ar archive/],
    ['truncated', zlib.gzipSync(rawTar([{ path: 'x_1_all.deb', body: deb }])).subarray(0, 200), /cannot be read: it is truncated/],
    ['notatar', Buffer.from('<html>not found</html>\n'), /cannot be read: it is not a tar archive/],
  ];
  const root = tempDir('t-repo-badtar-');
  for (const [name, data, re] of cases) {
    const file = path.join(root, `${name}.tgz`);
    fs.writeFileSync(file, data);
    const { config, workDir } = configWith(`t-repo-badtar`, { tar: file }, { port: 18108 });
    await inputError(t, contrailRepo(testRun(config)), re);
    const tmp = path.join(workDir, 'tmp');
    t.deepEqual(fs.existsSync(tmp) ? fs.readdirSync(tmp) : [], [], `${name}: nothing left in the work folder`);
  }
  t.deepEqual(fs.readdirSync('/etc').filter((f) => f === 'x_1_all.deb'), []);
  t.false(fs.existsSync('/tmp/x_1_all.deb'));
});

test('folder: no .deb, or a file that is not a Debian package', async (t) => {
  const empty = tempDir('t-repo-dir-');
  fs.writeFileSync(path.join(empty, 'README'), 'x');
  await inputError(t, contrailRepo(testRun(configWith('t-repo-dir', { dir: empty }, { port: 18108 }).config)), /packages\.dir .* holds no \.deb file/);
  const bad = tempDir('t-repo-dir-');
  hello(bad);
  fs.writeFileSync(path.join(bad, 'broken_1_all.deb'), 'garbage');
  await inputError(t, contrailRepo(testRun(configWith('t-repo-dir', { dir: bad }, { port: 18108 }).config)), /"broken_1_all\.deb" is not a Debian package/);
});

test('packages.url: an existing repository is used as is (flat or suite); one that does not answer, or has no index, is an error', async (t) => {
  const index = 'Package: contrail-url-test\nVersion: 1\nArchitecture: all\nFilename: ./contrail-url-test_1_all.deb\nSHA256: abc\n\n';
  const server = await serve(18109, (req, res) => {
    if (req.url === '/flat/Packages.gz' || req.url === '/debian/dists/stable/main/binary-amd64/Packages.gz') res.end(zlib.gzipSync(index));
    else res.writeHead(404).end();
  });
  try {
    const { config } = configWith('t-repo-url', { url: 'http://127.0.0.1:18109/flat' }, { port: 18110 });
    const repo = await contrailRepo(testRun(config));
    t.deepEqual({ ...repo, packages: Object.keys(repo.packages) }, {
      url: 'http://127.0.0.1:18109/flat', host: '127.0.0.1', priority: 1001, distribution: './', indexHash: repo.indexHash,
      packages: ['contrail-url-test'], source: 'url', image: null, container: null, key: '', // loopback: unsigned, no key

    });
    await t.throwsAsync(docker.getContainer('contrail-repo-debian12-18110').inspect(), { message: /no such container/i });
    const suite = await contrailRepo(testRun(configWith('t-repo-url', { url: 'http://127.0.0.1:18109/debian stable main' }, { port: 18110 }).config));
    t.is(suite.distribution, 'stable main');
    t.deepEqual(Object.keys(suite.packages), ['contrail-url-test']);
    const e = await inputError(t, contrailRepo(testRun(configWith('t-repo-url', { url: 'http://127.0.0.1:18109/empty' }, { port: 18110 }).config)), /packages\.url .* "http:\/\/127\.0\.0\.1:18109\/empty" has no Packages index/);
    t.true(e.details.some((d) => /Packages\.gz: HTTP 404/.test(d)));
  } finally {
    await new Promise((r) => server.close(r));
  }
  await inputError(t, contrailRepo(testRun(configWith('t-repo-url', { url: 'http://127.0.0.1:18111' }, { port: 18110 }).config)), /packages\.url .* does not answer: ECONNREFUSED/);
});

test('gulp contrailRepo: exit 2 for a missing tarball with nothing to build, a bad tarball, a non-loopback host', async (t) => {
  const missing = configWith('t-repo-cli', { tar: '/nonexistent/contrail-install-packages.tgz' }, { port: 18111 });
  const r1 = await runGulp(['contrailRepo', '--config', missing.file]);
  t.is(r1.code, 2, r1.stdout + r1.stderr);
  t.regex(r1.stdout + r1.stderr, /"\/nonexistent\/contrail-install-packages\.tgz" does not exist, and no packages\.build\.sources are configured/);
  const badTar = path.join(tempDir('t-repo-cli-'), 'p.tgz');
  fs.writeFileSync(badTar, rawTar([{ path: '/etc/x.deb', body: 'x' }]));
  const r2 = await runGulp(['contrailRepo', '--config', missing.file, '--packages-tar', badTar]);
  t.is(r2.code, 2, r2.stdout + r2.stderr);
  t.regex(r2.stdout + r2.stderr, /entry "\/etc\/x\.deb" has an absolute path/);
  const open = writeJson(path.join(tempDir('t-repo-cli-'), 'config.json'), {
    version: 't-repo-cli', os: 'debian12', baseImage: 'debian:bookworm', workDir: tempDir(), packages: { dir: tempDir() }, repo: { host: '10.1.2.3', port: 18111 },
  });
  const r3 = await runGulp(['contrailRepo', '--config', open]);
  t.is(r3.code, 2, r3.stdout + r3.stderr);
  t.regex(r3.stdout + r3.stderr, /not a loopback address/);
  t.notRegex(r1.stdout + r1.stderr + r2.stdout + r2.stderr, /    at /, 'no stack trace');
});
