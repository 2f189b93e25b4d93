/**
 * The rpm family for real: the rpm demo's base image (Debian 12 with dnf, rpm and createrepo-c,
 * an rpm-family os-release), its spec files built by rpmbuild -bb (contrail-control's
 * BuildRequires installed by dnf builddep from the RPMs built before it), the contrail-repo
 * container serving createrepo_c metadata, and images whose packages dnf installed from it:
 * rpm -q in the images, no .repo file or dnf cache left, the repo winning over a higher version
 * in another repository, a missing package named, bad .rpm inputs refused, a rerun skipped.
 * Versions 14.0.0-<n>, ports 21401-21409, OS names rpmdemo1/rpmdemo2.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import * as tar from 'tar';
import { resolveConfig, type ResolvedConfig } from '../../lib/config/load';
import { isPipelineError, type PipelineError } from '../../lib/errors';
import { memoryLogger } from '../../lib/log';
import { parseManifest } from '../../lib/packages/buildPlan';
import { buildImages, contrailRepo } from '../helpers/steps';
import { ensureRpmDemoBase, RPM_DEMO_BASE } from '../../scripts/rpm-demo-base';
import { makeDemoRepos } from '../../scripts/demo-git';
import { docker, imageLabels, removeImage, ROOT, testRun } from '../helpers/docker';
import { runGulp } from '../helpers/gulp';
import { withTestLock } from '../helpers/lock';
import { buildFrom, removeContainer, runIn } from '../helpers/packages';
import { tempDir, writeJson } from '../helpers/temp';

const RPM_CONFIG = path.join(ROOT, 'examples', 'rpm', 'config.json');
const WORK = tempDir('rpm-family-work-');
const ARTIFACT_DIR = tempDir('rpm-family-ansible-');
const ARTIFACT = path.join(ARTIFACT_DIR, 'contrail-ansible.tar.gz');
/** an image whose distribution repository has contrail-lib, -utils... at 9.9: higher than the demo's 4.0.0.0 */
const HIGHER_BASE = 'rpm14-higher-base:14.0.0-1';

/** The rpm demo config under the test's own version, OS name, port, work folder and a small artifact. */
function rpmConfig(args: string[] = []): ResolvedConfig {
  return resolveConfig({
    args: ['--config', RPM_CONFIG, '--contrail-version', '14.0.0-1', '--os', 'rpmdemo1', '--repo-port', '21401',
      '--work-dir', WORK, '--ansible-artifact', ARTIFACT, '--images', 'controller', ...args],
    env: {}, cwd: ROOT,
  });
}

/** A config of the test's own: the rpm demo's images and sources, with `data` over it. */
function ownConfig(data: Record<string, unknown>): ResolvedConfig {
  const demo = JSON.parse(fs.readFileSync(RPM_CONFIG, 'utf8'));
  const dir = tempDir('rpm-family-config-');
  const file = writeJson(path.join(dir, 'config.json'), {
    ...demo, $schema: undefined, workDir: tempDir('rpm-family-own-'), ansible: { artifact: ARTIFACT }, ...data,
  });
  return resolveConfig({ args: ['--config', file], env: {}, cwd: dir });
}

const inImage = async (ref: string, script: string) => runIn(ref, ['sh', '-c', script]).then((r) => ({ ...r, output: r.output.replace(/\r/g, '').replace(new RegExp(`${String.fromCharCode(27)}(\\[[0-9;]*m|\\(B)`, 'g'), '') }));

test.before(async () => {
  fs.mkdirSync(path.join(ARTIFACT_DIR, 'tree', 'contrail-ansible', 'playbooks'), { recursive: true });
  fs.writeFileSync(path.join(ARTIFACT_DIR, 'tree', 'contrail-ansible', 'playbooks', 'site.yml'), '- hosts: localhost\n  tasks: []\n');
  await tar.c({ cwd: path.join(ARTIFACT_DIR, 'tree'), gzip: true, file: ARTIFACT, portable: true }, ['contrail-ansible']);
  makeDemoRepos(path.join(ROOT, 'examples', 'rpm', 'sources'), path.join(ROOT, 'examples', 'rpm', '.build', 'git'));
  await withTestLock('rpm-demo-base', () => ensureRpmDemoBase(docker, memoryLogger(!!process.env.TEST_ECHO), tempDir('rpm-demo-base-')));
  // built by this run, not found from an earlier one (RPMs carry their build time: a fresh work folder rebuilds them anyway)
  for (const c of ['controller', 'base']) await removeImage(`contrail-${c}-rpmdemo1:14.0.0-1`);
});

test.after.always(async () => {
  for (const port of [21401, 21402, 21403]) {
    for (const os of ['rpmdemo1', 'rpmdemo2']) await removeContainer(`contrail-repo-${os}-${port}`);
  }
});

test.serial('the rpm demo family: spec files and a recipe sandbox built by rpmbuild, served with createrepo_c metadata, installed by dnf', async (t) => {
  const config = rpmConfig();
  const run = testRun(config);
  const result = await buildImages(run);
  t.deepEqual(result.images.map((i) => `${i.component} ${i.status}`).sort((a, b) => a.localeCompare(b)), ['base built', 'controller built']);
  t.regex(run.log.text(), /OS family: rpm \(from contrail-demo-rpmbase:bookworm's \/etc\/os-release\)/);

  // packageBuild: every expected RPM, from its spec, by rpmbuild -bb; control's BuildRequires by dnf builddep
  const manifest = parseManifest(fs.readFileSync(path.join(WORK, 'packages', 'manifest.json'), 'utf8'))!;
  t.deepEqual(manifest.sources.flatMap((s) => s.files.map((f) => f.package)).sort(), [...config.packages.build.expect].sort());
  // the recipe source: the sandbox laid out from its manifest, packages.sh's rpmbuild over two spec
  // files, contrail-control's BuildRequires (contrail-lib-devel, built before) by dnf builddep
  const recipe = manifest.sources.find((s) => s.name === 'contrail')!;
  t.deepEqual(recipe.files.map((f) => f.file), ['contrail-control-4.0.0.0-20.noarch.rpm', 'contrail-dns-4.0.0.0-20.noarch.rpm',
    'contrail-vrouter-agent-4.0.0.0-20.noarch.rpm', 'contrail-vrouter-utils-4.0.0.0-20.noarch.rpm']);
  t.deepEqual(recipe.buildDepends, ['contrail-lib-devel']);
  t.deepEqual(recipe.sandbox!.projects.map((p) => [p.name, p.path]), [['contrail-controller-rpm', 'controller'], ['contrail-packages-rpm', 'tools/packages']]);
  const recipeLog = fs.readFileSync(path.join(WORK, 'logs', 'package-contrail.log'), 'utf8');
  t.regex(recipeLog, /== build requirements of tools\/packages\/rpm\/contrail-control\/contrail-control\.spec/);
  t.regex(recipeLog, /Installing\s*:\s*contrail-lib-devel-4\.0\.0\.0-20\.noarch/);
  t.regex(recipeLog, /== step 1\/1: bash packages\.sh contrail-control contrail-vrouter/);
  t.regex(recipeLog, /== rpmbuild -bb tools\/packages\/rpm\/contrail-vrouter\/contrail-vrouter\.spec/);
  const controlLog = fs.readFileSync(path.join(WORK, 'logs', 'package-contrail-lib.log'), 'utf8');
  t.regex(controlLog, /== rpmbuild -bb contrail-lib\.spec/);

  // the repo container: createrepo_c metadata, answering from its container
  const repo = await contrailRepo(run);
  t.is(repo.family, 'rpm');
  t.is(repo.url, 'http://127.0.0.1:21401');
  t.is(Object.keys(repo.packages).length, 13);
  const served = await inImage('contrail-repo-rpmdemo1:14.0.0-1', 'python3 -c "import urllib.request as u; print(u.urlopen(\'http://127.0.0.1:21401/repodata/repomd.xml\').read().decode())"');
  t.regex(served.output, /<data type="primary">/);

  // the images: packages installed (rpm -q), the repo file and dnf's cache gone
  const base = await inImage('contrail-base-rpmdemo1:14.0.0-1', 'rpm -q contrail-lib contrail-utils python-contrail');
  t.is(base.code, 0, base.output);
  t.regex(base.output, /contrail-utils-4\.0\.0\.0-20\.noarch/);
  const controller = await inImage('contrail-controller-rpmdemo1:14.0.0-1',
    'rpm -q contrail-config contrail-control contrail-dns contrail-web-core contrail-web-controller contrail-nodemgr && contrail-control --version && echo "repos: $(ls -A /etc/yum.repos.d)" && ls -d /var/cache/dnf /var/cache/yum 2>&1; echo family=$CONTRAIL_OS_FAMILY');
  t.regex(controller.output, /contrail-control-4\.0\.0\.0-20\.noarch/);
  t.regex(controller.output, /contrail-control 4\.0\.0\.0-20/);
  t.regex(controller.output, /^repos: $/m, 'no .repo file left');
  t.regex(controller.output, /cannot access '\/var\/cache\/dnf'/);
  t.regex(controller.output, /family=rpm/);
  t.is((await imageLabels('contrail-controller-rpmdemo1:14.0.0-1'))['org.opencontrail.build.os'], 'rpmdemo1');
});

test.serial('a rerun: every spec skipped, the repo container reused, the images skipped', async (t) => {
  const run = testRun(rpmConfig());
  const result = await buildImages(run);
  t.deepEqual(result.images.map((i) => i.status), ['skipped', 'skipped']);
  const text = run.log.text();
  t.is(run.log.lines.filter((l) => /packageBuild: .*: unchanged, skipped/.test(l.message)).length, 3);
  t.regex(text, /already serves 13 packages \(reused/);
  t.notRegex(text, /rpmbuild|building the builder/);
});

test.serial('packages.url: an existing yum repository (here the first test\'s repo container) is read and installed from, no container of its own', async (t) => {
  const url = 'http://127.0.0.1:21401';
  const config = ownConfig({
    version: '14.0.0-6', os: 'rpmdemo2', baseImage: RPM_DEMO_BASE, osFamily: 'rpm', repo: { port: 21406 },
    packages: { url }, images: { base: { packages: ['contrail-utils'] } },
  });
  try {
    const run = testRun(config);
    const result = await buildImages(run);
    t.is(result.images[0].status, 'built');
    const repo = await contrailRepo(run);
    t.is(repo.source, 'url');
    t.is(repo.container, null);
    t.is(Object.keys(repo.packages).length, 13);
    t.regex(run.log.text(), /using the existing yum repository http:\/\/127\.0\.0\.1:21401 \(13 packages\)/);
    const check = await inImage('contrail-base-rpmdemo2:14.0.0-6', 'rpm -q contrail-utils; ls -A /etc/yum.repos.d');
    t.regex(check.output, /^contrail-utils-4\.0\.0\.0-20\.noarch\n$/);

    // the family named in the config: refused when the config is read
    const e1 = t.throws(() => ownConfig({ version: '14.0.0-6', os: 'rpmdemo2', baseImage: RPM_DEMO_BASE, osFamily: 'rpm', packages: { url: `${url} bookworm main` } })) as PipelineError;
    t.is(e1.kind, 'input');
    t.regex(e1.message, /names a suite, as for apt; a yum repository is named by its URL alone/);
    const notYum = ownConfig({ version: '14.0.0-6', os: 'rpmdemo2', baseImage: RPM_DEMO_BASE, osFamily: 'rpm', packages: { url: `${url}/repodata` } });
    const e2 = (await t.throwsAsync(() => contrailRepo(testRun(notYum)))) as PipelineError;
    t.is(e2.kind, 'input');
    t.regex(e2.message, /packages\.url .*"http:\/\/127\.0\.0\.1:21401\/repodata" is not a yum repository: repodata\/repomd\.xml: .*404/);
  } finally {
    await removeImage('contrail-base-rpmdemo2:14.0.0-6');
  }
});

test.serial('the contrail repo wins over a same-named package at a higher version in the distribution', async (t) => {
  // a base whose own yum repository has contrail-lib and contrail-utils 9.9, made by the real rpmbuild
  const spec = fs.readFileSync(path.join(ROOT, 'examples', 'rpm', 'packages', 'contrail-lib', 'contrail-lib.spec'), 'utf8').replace(/^Version:.*$/m, 'Version:   9.9');
  const built = await buildFrom(HIGHER_BASE, {
    Dockerfile: [
      `FROM ${RPM_DEMO_BASE}`,
      'COPY . /tmp/hv/',
      'RUN rpmbuild -bb --define "_topdir /tmp/top" --define "_sourcedir /tmp/hv" --define "_builddir /tmp/hv" /tmp/hv/contrail-lib.spec \\',
      ' && mkdir -p /srv/distro && cp /tmp/top/RPMS/noarch/*.rpm /srv/distro/ && createrepo_c /srv/distro && rm -rf /tmp/top /tmp/hv \\',
      ' && printf "[distro]\\nname=distro\\nbaseurl=file:///srv/distro\\ngpgcheck=0\\n" > /etc/yum.repos.d/distro.repo',
      '',
    ].join('\n'),
    'contrail-lib.spec': spec,
    'contrail-lib.h': fs.readFileSync(path.join(ROOT, 'examples', 'rpm', 'packages', 'contrail-lib', 'contrail-lib.h'), 'utf8'),
    'install-programs': fs.readFileSync(path.join(ROOT, 'examples', 'rpm', 'packages', 'contrail-lib', 'install-programs'), 'utf8'),
  });
  t.falsy(built.error, built.log.join('\n'));
  try {
    const config = ownConfig({
      version: '14.0.0-2', os: 'rpmdemo2', baseImage: HIGHER_BASE, osFamily: 'rpm', repo: { port: 21402 },
      packages: { dir: path.join(WORK, 'packages') },
      images: { base: { packages: ['contrail-utils'] } },
    });
    const result = await buildImages(testRun(config));
    t.is(result.images[0].status, 'built');
    const check = await inImage('contrail-base-rpmdemo2:14.0.0-2', 'rpm -q contrail-utils contrail-lib; dnf -q --color=never list --showduplicates --available contrail-utils 2>&1');
    t.regex(check.output, /contrail-utils-4\.0\.0\.0-20\.noarch/, 'the contrail repo\'s version');
    t.regex(check.output, /contrail-lib-4\.0\.0\.0-20\.noarch/, 'its dependency from the contrail repo too');
    t.regex(check.output, /contrail-utils\.noarch\s+9\.9-20\s+distro/, 'the distribution offers a higher version');
    t.notRegex(check.output, /contrail-utils-9\.9/);

    // a package found nowhere is named, with the others
    const missing = ownConfig({
      version: '14.0.0-3', os: 'rpmdemo2', baseImage: HIGHER_BASE, osFamily: 'rpm', repo: { port: 21403 },
      packages: { dir: path.join(WORK, 'packages') },
      images: { base: { packages: ['contrail-utils', 'contrail-no-such-a', 'contrail-no-such-b'] } },
    });
    const err = await t.throwsAsync(() => buildImages(testRun(missing)));
    t.regex(String(err), /1 image failed/);
    const log = fs.readFileSync(path.join(missing.workDir, 'logs', 'contrail-base-rpmdemo2.log'), 'utf8');
    t.regex(log, /contrail-install: not found in the contrail repo \(http:\/\/127\.0\.0\.1:21403\) or the distribution: contrail-no-such-a contrail-no-such-b/);
  } finally {
    for (const ref of ['contrail-base-rpmdemo2:14.0.0-2', 'contrail-base-rpmdemo2:14.0.0-3', 'contrail-repo-rpmdemo2:14.0.0-2', 'contrail-repo-rpmdemo2:14.0.0-3']) {
      for (const port of [21402, 21403]) await removeContainer(`contrail-repo-rpmdemo2-${port}`);
      await removeImage(ref);
    }
    await removeImage(HIGHER_BASE);
  }
});

test.serial('bad .rpm inputs are refused, naming the file (exit 2), before any image is built', async (t) => {
  const dir = tempDir('rpm-family-bad-');
  fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'rpm', 'contrail-utils-4.0.0.0-20.noarch.rpm'), path.join(dir, 'contrail-utils-4.0.0.0-20.noarch.rpm'));
  fs.mkdirSync(path.join(dir, 'el7'));
  fs.writeFileSync(path.join(dir, 'el7', 'contrail-lib-4.0.0.0-20.noarch.rpm'), '<html>404 not found</html>\n');
  const viaCli = await runGulp(['contrailRepo', '--config', RPM_CONFIG, '--contrail-version', '14.0.0-4', '--os', 'rpmdemo1',
    '--repo-port', '21404', '--work-dir', tempDir('rpm-family-bad-work-'), '--packages-dir', dir]);
  t.is(viaCli.code, 2, viaCli.stdout + viaCli.stderr);
  // refused when the config is read, before the engine is asked for the family
  t.regex(viaCli.stdout + viaCli.stderr, /--packages-dir ".*": "el7\/contrail-lib-4\.0\.0\.0-20\.noarch\.rpm" is not a binary RPM: it is not an RPM/);

  // a tarball holding a source RPM: refused naming it, nothing served
  const srpm = Buffer.from(fs.readFileSync(path.join(dir, 'contrail-utils-4.0.0.0-20.noarch.rpm')));
  srpm.writeUInt16BE(1, 6);
  fs.writeFileSync(path.join(dir, 'contrail-4.0.0.0-20.src.rpm'), srpm);
  const tarball = path.join(tempDir('rpm-family-tar-'), 'contrail-install-packages_14.0.0-5.tgz');
  await tar.c({ cwd: dir, gzip: true, file: tarball, portable: true }, ['contrail-utils-4.0.0.0-20.noarch.rpm', 'contrail-4.0.0.0-20.src.rpm']);
  const config = rpmConfig(['--packages-tar', tarball, '--contrail-version', '14.0.0-5', '--repo-port', '21405', '--work-dir', tempDir('rpm-family-tar-work-')]);
  const err = (await t.throwsAsync(() => contrailRepo(testRun(config)))) as PipelineError;
  t.true(isPipelineError(err));
  t.is(err.kind, 'input');
  t.regex(err.message, /"contrail-4\.0\.0\.0-20\.src\.rpm" is not a binary RPM: it is a source RPM/);
  t.is(await docker.getContainer('contrail-repo-rpmdemo1-21405').inspect().then(() => true, () => false), false);
});
