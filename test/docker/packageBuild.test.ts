/**
 * packageBuild against the real engine: the demo (its miniature contrail-vnc sandbox and a plain
 * source), git sources (branch, tag, commit, subdir), a Debian 3.0 (quilt) source package with a
 * patch, the skip decision from the manifest and the files present, and every bad source input.
 * The plain Debian sources are the fixtures in test/fixtures/packages.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import test from 'ava';
import { simpleGit } from 'simple-git';
import { resolveConfig } from '../../lib/config/load';
import { isPipelineError, type PipelineError } from '../../lib/errors';
import { parseManifest } from '../../lib/packages/buildPlan';
import { resolveSource } from '../../lib/packages/sources';
import { packageBuild } from '../helpers/steps';
import { demoBaseImage, ROOT, testRun } from '../helpers/docker';
import { runGulp } from '../helpers/gulp';
import { demoPackages, runWithFiles } from '../helpers/packages';
import { tempDir, writeJson } from '../helpers/temp';
import { oneOf, removeDanglingAfter } from '../helpers/leftovers';

removeDanglingAfter(test, oneOf('t-repo-build'));

const VERSION = 't-repo-build';
const DEMO_SOURCES = path.join(ROOT, 'test', 'fixtures', 'packages');

test.before(async () => {
  await demoBaseImage();
});

/** A config of the test's own: the demo's OS and base, these sources and expectations. */
function configWith(sources: unknown[], expect: string[] = [], workDir = tempDir('t-repo-build-work-')) {
  const dir = tempDir('t-repo-build-config-');
  const file = writeJson(path.join(dir, 'config.json'), {
    version: VERSION, os: 'debian12', baseImage: 'debian:bookworm', bootstrap: { suite: 'bookworm' }, workDir,
    packages: { build: { sources, expect } }, repo: { port: 18190 },
  });
  return { file, config: resolveConfig({ args: ['--config', file], env: {}, cwd: dir }), workDir };
}

function copySource(name: string, dest: string): string {
  fs.cpSync(path.join(DEMO_SOURCES, name), dest, { recursive: true });
  return dest;
}

const manifestOf = (workDir: string) => parseManifest(fs.readFileSync(path.join(workDir, 'packages', 'manifest.json'), 'utf8'))!;

async function gitRepo(dir: string, fill: (dir: string) => void): Promise<{ url: string; commit: string }> {
  fs.mkdirSync(dir, { recursive: true });
  fill(dir);
  const g = simpleGit(dir);
  await g.init(['-b', 'main']);
  await g.addConfig('user.email', 'tests@opencontrail.invalid').addConfig('user.name', 'tests');
  await g.add('.');
  await g.commit('first');
  return { url: `file://${dir}`, commit: (await g.revparse(['HEAD'])).trim() };
}

test('demo: the sandbox (fetch, scons, packages.make, dpkg-buildpackage) and the plain source make the sixteen expected packages; a second run skips both', async (t) => {
  const { config, result } = await demoPackages();
  const manifest = manifestOf(config.workDir);
  t.deepEqual(manifest.sources.map((s) => s.name), ['contrail-vcenter-plugin', 'contrail']);
  const built = manifest.sources.flatMap((s) => s.files.map((f) => f.package)).sort();
  t.deepEqual(built, [...config.packages.build.expect].sort());
  t.is(result.debs.length, 16);
  for (const deb of result.debs) t.true(fs.statSync(deb).size > 500, deb);
  const contrail = manifest.sources.find((s) => s.name === 'contrail')!;
  t.is(contrail.files.length, 15);

  // the projects as the manifest lays them out, each at the commit npm run demo made
  const git = path.join(ROOT, 'examples', 'demo', '.build', 'git');
  const commitOf = (name: string) => execFileSync('git', ['-C', path.join(git, name), 'rev-parse', 'HEAD']).toString().trim();
  t.deepEqual(contrail.sandbox!.projects.map((p) => [p.name, p.path, p.url, p.commit]), [
    ['contrail-build', 'tools/build', `${git}/contrail-build`, commitOf('contrail-build')],
    ['contrail-controller', 'controller', `${git}/contrail-controller`, commitOf('contrail-controller')],
    ['contrail-third-party', 'third_party', `${git}/contrail-third-party`, commitOf('contrail-third-party')],
    ['contrail-packages', 'tools/packages', `${git}/contrail-packages`, commitOf('contrail-packages')],
  ]);

  // what each part of the recipe did, from its log
  const log = fs.readFileSync(contrail.log, 'utf8');
  t.regex(log, /fetch_packages: downloading http:\/\/127\.0\.0\.1:21550\/tinyini-1\.0\.tar\.gz/);
  t.regex(log, /fetch_packages: tinyini unpacked into third_party\/tinyini-1\.0/);
  t.regex(log, /sed -i -e 's\/VERSION\/4\.0\.0\.0-20\/g' -e 's\/SERIES\/bookworm\/g' .*build\/packages\/contrail\/debian\/changelog/);
  t.regex(log, /dpkg-buildpackage -uc -us -b -rfakeroot/);
  t.regex(log, /cd \S+ && scons -j\d+ VERSION=4\.0\.0\.0-20/);
  t.regex(log, /gcc .*third_party\/tinyini-1\.0\/tinyini\.c/);
  t.regex(log, /gcc .*-DPROGRAM=\\"contrail-control\\" .*controller\/src\/daemon\/daemon\.c/);
  t.regex(log, /-shared -Wl,-soname=libcontrail\.so\.1 /);

  // the packages: the program linked against libcontrail of the same build, the changelog from the template
  const control = path.join(config.workDir, 'packages', 'contrail-control_4.0.0.0-20_amd64.deb');
  t.true(result.debs.includes(control));
  t.regex(execFileSync('dpkg-deb', ['-f', control, 'Depends']).toString(), /contrail-lib \(>= 4\.0\.0\.0\)/);
  t.deepEqual(debFiles(control), ['./etc/contrail/contrail-control.conf', './usr/bin/contrail-control', './usr/share/doc/contrail-control/changelog.Debian.gz', './usr/share/doc/contrail-control/copyright']);
  const changelog = zlib.gunzipSync(execFileSync('sh', ['-c', `dpkg-deb --fsys-tarfile "$1" | tar -xO ./usr/share/doc/contrail-control/changelog.Debian.gz`, 'sh', control])).toString();
  t.regex(changelog, /^contrail \(4\.0\.0\.0-20\) bookworm; urgency=medium$/m);
  t.deepEqual(debFiles(path.join(config.workDir, 'packages', 'contrail-lib-dev_4.0.0.0-20_amd64.deb')).filter((f) => !f.includes('/doc/')),
    ['./usr/include/contrail/contrail.h', './usr/lib/libcontrail.so']);

  const again = testRun(config);
  const second = await packageBuild(again);
  t.deepEqual(second.debs, result.debs);
  t.is(again.log.lines.filter((l) => /unchanged, skipped/.test(l.message)).length, 2);
  t.false(/building/.test(again.log.text()));
});

/** the files (not folders) of a .deb, sorted */
const debFiles = (deb: string) =>
  execFileSync('dpkg-deb', ['-c', deb]).toString().split('\n').filter((l) => l && !l.startsWith('d')).map((l) => l.split(/\s+/)[5]).sort();

test('only what changed is rebuilt; a later source still finds an earlier, skipped one', async (t) => {
  const src = tempDir('t-repo-src-');
  const lib = copySource('contrail-lib', path.join(src, 'contrail-lib'));
  const control = copySource('contrail-control', path.join(src, 'contrail-control'));
  const { config, workDir } = configWith([{ name: 'contrail-lib', path: lib }, { name: 'contrail-control', path: control }],
    ['contrail-lib', 'contrail-lib-dev', 'contrail-control', 'contrail-dns']);
  const first = testRun(config);
  await packageBuild(first);
  t.regex(first.log.text(), /contrail-control \(2\/2\): building, not built before/);
  const before = manifestOf(workDir);

  fs.appendFileSync(path.join(control, 'conf', 'contrail-control.conf'), 'bgp_port = 179\n');
  const second = testRun(config);
  await packageBuild(second);
  t.regex(second.log.text(), /contrail-lib: unchanged, skipped/);
  t.regex(second.log.text(), /contrail-control \(1\/1\): building, its revision or the build recipe changed/);
  const after = manifestOf(workDir);
  t.deepEqual(after.sources[0], before.sources[0]);
  t.not(after.sources[1].revision, before.sources[1].revision);

  // an output removed by hand: its source is rebuilt (the files decide, not a stamp)
  fs.rmSync(path.join(workDir, 'packages', 'contrail-lib-dev_4.0.0.0-20_amd64.deb'));
  const third = testRun(config);
  const result = await packageBuild(third);
  t.regex(third.log.text(), /contrail-lib \(1\/2\): building, output contrail-lib-dev_4\.0\.0\.0-20_amd64\.deb is missing/);
  // what build-depends on a rebuilt package is rebuilt too
  t.regex(third.log.text(), /contrail-control \(2\/2\): building, it build-depends on contrail-lib-dev, which contrail-lib rebuilds/);
  t.deepEqual(manifestOf(workDir).sources[1].buildDepends, ['contrail-lib-dev', 'debhelper-compat']);
  t.true(result.debs.every((d) => fs.existsSync(d)));
  t.deepEqual(fs.readdirSync(path.join(workDir, 'packages')).filter((f) => f.startsWith('.tmp-')), []);
});

test('a source no longer configured leaves the manifest first: another source may now build its package', async (t) => {
  const src = tempDir('t-repo-src-');
  // both build contrail-vcenter-plugin_4.0.0.0-20_all.deb (orchestration did before the plugin had a source of its own)
  const orchestration = copySource('contrail-orchestration', path.join(src, 'contrail-orchestration'));
  const plugin = path.join(src, 'contrail-vcenter-plugin');
  fs.cpSync(path.join(ROOT, 'examples', 'demo', 'packages', 'contrail-vcenter-plugin'), plugin, { recursive: true });
  const workDir = tempDir('t-repo-build-work-');
  await packageBuild(testRun(configWith([{ name: 'contrail-orchestration', path: orchestration }], [], workDir).config));
  t.true(manifestOf(workDir).sources.some((e) => e.name === 'contrail-orchestration'));

  const run = testRun(configWith([{ name: 'contrail-vcenter-plugin', path: plugin }], ['contrail-vcenter-plugin'], workDir).config);
  const result = await packageBuild(run);
  t.deepEqual(manifestOf(workDir).sources.map((e) => e.name), ['contrail-vcenter-plugin']);
  t.deepEqual(result.debs.map((d) => path.basename(d)), ['contrail-vcenter-plugin_4.0.0.0-20_all.deb']);
  t.false(fs.existsSync(path.join(workDir, 'packages', 'contrail-kube-manager_4.0.0.0-20_all.deb')));
});

test('git sources: tag, branch, full commit id and subdir; the commit decides the skip', async (t) => {
  const root = tempDir('t-repo-git-');
  const repo = await gitRepo(path.join(root, 'contrail-utils'), (d) => fs.cpSync(path.join(DEMO_SOURCES, 'contrail-utils'), d, { recursive: true }));
  const g = simpleGit(path.join(root, 'contrail-utils'));
  await g.addTag('v4.0');
  const nested = await gitRepo(path.join(root, 'contrail-web-repo'), (d) => fs.cpSync(path.join(DEMO_SOURCES, 'contrail-web'), path.join(d, 'pkg', 'web'), { recursive: true }));
  const workDir = tempDir('t-repo-git-work-');
  const expect = ['contrail-utils', 'python-contrail', 'contrail-web-core', 'contrail-web-controller'];
  const byTag = configWith([{ name: 'contrail-utils', git: repo.url, ref: 'v4.0' }, { name: 'contrail-web', git: nested.url, ref: 'main', subdir: 'pkg/web' }], expect, workDir);
  const r1 = testRun(byTag.config);
  await packageBuild(r1);
  const m1 = manifestOf(workDir);
  t.is(m1.sources[0].commit, repo.commit);
  t.is(m1.sources[0].ref, 'v4.0');
  t.is(m1.sources[1].commit, nested.commit);
  t.is(m1.sources[1].subdir, 'pkg/web');
  t.is(m1.sources[1].files.length, 2);
  // the checkout is shallow
  t.is((await simpleGit(path.join(workDir, 'git', 'packages', 'contrail-utils')).raw(['rev-list', '--count', 'HEAD'])).trim(), '1');

  // the same commit by its id: skipped; a new commit on the branch: rebuilt
  const byCommit = configWith([{ name: 'contrail-utils', git: repo.url, ref: repo.commit }, { name: 'contrail-web', git: nested.url, ref: 'main', subdir: 'pkg/web' }], expect, workDir);
  const r2 = testRun(byCommit.config);
  await packageBuild(r2);
  t.regex(r2.log.text(), /contrail-utils: unchanged, skipped/);
  t.regex(r2.log.text(), /contrail-web: unchanged, skipped/);
  fs.appendFileSync(path.join(root, 'contrail-web-repo', 'pkg', 'web', 'conf', 'contrail-web-core.conf'), 'port = 8143\n');
  const gw = simpleGit(path.join(root, 'contrail-web-repo'));
  await gw.add('.');
  await gw.commit('second');
  const r3 = testRun(byCommit.config);
  await packageBuild(r3);
  t.regex(r3.log.text(), /contrail-web \(1\/1\): building/);
  t.is(manifestOf(workDir).sources[1].commit, (await gw.revparse(['HEAD'])).trim());
});

test('git sources: bad URL, unknown ref, option injection, no debian/ folder', async (t) => {
  const root = tempDir('t-repo-gitbad-');
  const repo = await gitRepo(path.join(root, 'r'), (d) => fs.cpSync(path.join(DEMO_SOURCES, 'contrail-nodemgr'), d, { recursive: true }));
  const bare = await gitRepo(path.join(root, 'no-debian'), (d) => fs.writeFileSync(path.join(d, 'README'), 'no packaging here\n'));
  const inputError = async (p: Promise<unknown>, re: RegExp) => {
    const e = await t.throwsAsync(p);
    t.true(isPipelineError(e) && (e as PipelineError).kind === 'input', String(e));
    t.regex(e!.message, re);
  };
  const src = (over: object) => ({ name: 'contrail-nodemgr', git: repo.url, ref: 'main', ...over });
  await inputError(resolveSource(src({ git: `file://${root}/missing` }), 0), /packages\.build\.sources\[0\] \("contrail-nodemgr"\): git cannot read "file:\/\/.*\/missing"/);
  await inputError(resolveSource(src({ ref: 'mian' }), 0), /has no branch, tag or commit "mian"/);
  const hinted = await t.throwsAsync(resolveSource(src({ ref: 'mian' }), 0));
  t.regex((hinted as PipelineError).hint!, /did you mean "main"\?/);
  await inputError(resolveSource(src({ ref: '--upload-pack=touch /tmp/pwned' }), 0), /starts with '-'/);
  await inputError(resolveSource(src({ git: '--upload-pack=touch /tmp/pwned' }), 0), /starts with '-'/);
  t.false(fs.existsSync('/tmp/pwned'));
  // the same through the config: refused before anything runs
  t.throws(() => configWith([src({ ref: '-x' })]), { message: /starts with '-'/ });

  const { config, workDir } = configWith([src({}), { name: 'nothing', git: bare.url, ref: 'main' }], ['contrail-nodemgr']);
  await inputError(packageBuild(testRun(config)), /packages\.build\.sources\[1\] \("nothing"\) has no debian\/ folder/);
  // checked before the first build: nothing was built
  t.deepEqual(fs.readdirSync(path.join(workDir, 'packages')).filter((f) => f.endsWith('.deb')), []);
});

test('a Debian 3.0 (quilt) source package with its patches builds the same way', async (t) => {
  const dir = tempDir('t-repo-quilt-');
  const pkg = path.join(dir, 'tinyq-1.0');
  const w = (p: string, s: string, mode = 0o644) => {
    fs.mkdirSync(path.dirname(path.join(pkg, p)), { recursive: true });
    fs.writeFileSync(path.join(pkg, p), s, { mode });
  };
  // upstream, as in tinyq_1.0.orig.tar.gz
  w('tinyq', '#!/bin/sh\necho "tinyq: upstream"\n', 0o755);
  w('Makefile', 'all:\n\ninstall:\n\tinstall -D -m 755 tinyq $(DESTDIR)/usr/bin/tinyq\n');
  // debian/, as published: format 3.0 (quilt) with a patch not yet applied
  w('debian/source/format', '3.0 (quilt)\n');
  w('debian/changelog', 'tinyq (1.0-1) unstable; urgency=medium\n\n  * Initial release.\n\n -- Tests <tests@opencontrail.invalid>  Mon, 06 Nov 2017 12:00:00 +0000\n');
  w('debian/control', 'Source: tinyq\nMaintainer: Tests <tests@opencontrail.invalid>\nBuild-Depends: debhelper-compat (= 13)\nStandards-Version: 4.6.2\nRules-Requires-Root: no\n\nPackage: tinyq\nArchitecture: all\nDepends: ${misc:Depends}\nDescription: quilt test\n A package whose patch must be applied.\n');
  w('debian/rules', '#!/usr/bin/make -f\n%:\n\tdh $@\n', 0o755);
  w('debian/copyright', 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: 2017 Tests\nLicense: Apache-2.0\n');
  w('debian/patches/series', 'debian-greeting.patch\n');
  w('debian/patches/debian-greeting.patch', [
    'Description: greet as Debian', '--- a/tinyq', '+++ b/tinyq', '@@ -1,2 +1,2 @@', ' #!/bin/sh', '-echo "tinyq: upstream"', '+echo "tinyq: patched by debian/patches"', '',
  ].join('\n'));
  const { config, workDir } = configWith([{ name: 'tinyq', path: pkg }], ['tinyq']);
  const result = await packageBuild(testRun(config));
  t.deepEqual(result.debs.map((d) => path.basename(d)), ['tinyq_1.0-1_all.deb']);
  const run = await runWithFiles('debian:bookworm', { '/tmp/tinyq.deb': fs.readFileSync(result.debs[0]) }, ['sh', '-c', 'dpkg -i /tmp/tinyq.deb >/dev/null && tinyq']);
  t.is(run.code, 0, run.output);
  t.regex(run.output, /tinyq: patched by debian\/patches/);
  t.true(fs.existsSync(path.join(workDir, 'logs', 'package-tinyq.log')));
});

test('a failing build names its source and log; what built before stays; an expected package missing fails', async (t) => {
  const src = tempDir('t-repo-fail-');
  const nodemgr = copySource('contrail-nodemgr', path.join(src, 'contrail-nodemgr'));
  const broken = copySource('contrail-config', path.join(src, 'contrail-config'));
  fs.appendFileSync(path.join(broken, 'debian', 'rules'), '\noverride_dh_auto_test:\n\techo "contrail-config: self test failed" >&2; exit 3\n');
  const { config, workDir } = configWith([{ name: 'contrail-nodemgr', path: nodemgr }, { name: 'contrail-config', path: broken }], ['contrail-nodemgr', 'contrail-config']);
  const e = (await t.throwsAsync(packageBuild(testRun(config)))) as PipelineError;
  t.is(e.kind, 'build');
  const log = path.join(workDir, 'logs', 'package-contrail-config.log');
  t.regex(e.message, /source contrail-config failed to build \(exit code 2\)/);
  t.is(e.hint, `see its log: ${log}`);
  t.true(e.details.some((l) => /self test failed/.test(l)), e.details.join('\n'));
  t.regex(fs.readFileSync(log, 'utf8'), /contrail-config: self test failed/);
  const m = manifestOf(workDir);
  t.deepEqual(m.sources.map((s) => s.name), ['contrail-nodemgr']);
  t.deepEqual(fs.readdirSync(path.join(workDir, 'packages')).sort(), ['contrail-nodemgr_4.0.0.0-20_all.deb', 'manifest.json']);

  const missing = configWith([{ name: 'contrail-nodemgr', path: nodemgr }], ['contrail-nodemgr', 'contrail-analytics', 'contrail-dns'], workDir);
  const e2 = (await t.throwsAsync(packageBuild(testRun(missing.config)))) as PipelineError;
  t.is(e2.kind, 'build');
  t.regex(e2.message, /no source built contrail-analytics, contrail-dns \(named in packages\.build\.expect\)/);
});

test('a folder without debian/ is an input error before anything builds; no sources at all too', async (t) => {
  const empty = tempDir('t-repo-nodebian-');
  fs.writeFileSync(path.join(empty, 'README'), 'x');
  const { config } = configWith([{ name: 'contrail-lib', path: path.join(DEMO_SOURCES, 'contrail-lib') }, { name: 'plain', path: empty }]);
  const e = (await t.throwsAsync(packageBuild(testRun(config)))) as PipelineError;
  t.is(e.kind, 'input');
  t.regex(e.message, /packages\.build\.sources\[1\] \("plain"\) has no debian\/ folder/);
  const none = configWith([]);
  const e2 = (await t.throwsAsync(packageBuild(testRun(none.config)))) as PipelineError;
  t.is(e2.kind, 'input');
  t.regex(e2.message, /packages\.build\.sources is empty/);
});

test('gulp packageBuild: exit 2 for a bad source, 1 for a failed build', async (t) => {
  const empty = tempDir('t-repo-cli-');
  const bad = configWith([{ name: 'plain', path: empty }]);
  const r2 = await runGulp(['packageBuild', '--config', bad.file]);
  t.is(r2.code, 2, r2.stdout + r2.stderr);
  t.regex(r2.stdout + r2.stderr, /"plain"\) has no debian\/ folder/);

  const broken = copySource('contrail-analytics', path.join(tempDir('t-repo-cli-src-'), 'contrail-analytics'));
  fs.writeFileSync(path.join(broken, 'debian', 'control'), fs.readFileSync(path.join(broken, 'debian', 'control'), 'utf8').replace('debhelper-compat (= 13)', 'debhelper-compat (= 13), contrail-no-such-build-dependency'));
  const failing = configWith([{ name: 'contrail-analytics', path: broken }]);
  const r1 = await runGulp(['packageBuild', '--config', failing.file]);
  t.is(r1.code, 1, r1.stdout + r1.stderr);
  t.regex(r1.stdout + r1.stderr, /source contrail-analytics failed to build/);
  t.regex(r1.stdout + r1.stderr, /package-contrail-analytics\.log/);
  t.notRegex(r1.stdout + r1.stderr, /    at /, 'no stack trace');
});
