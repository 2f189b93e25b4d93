/**
 * Recipe sources against the real engine, with a small sandbox of the test's own (a manifest
 * repository and two projects as file:// git repositories, independent of the demo): built for
 * real in the builder container; skipped without a checkout; rebuilt when one project moves;
 * a remote rewrite; a failed step; bad inputs that only show at build time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import test from 'ava';
import { resolveConfig } from '../../lib/config/load';
import { exitCodeFor } from '../../lib/exit';
import { parseManifest } from '../../lib/packages/buildPlan';
import { packageBuild } from '../helpers/steps';
import { demoBaseImage, testRun } from '../helpers/docker';
import { tempDir, writeJson } from '../helpers/temp';
import { gitRepo } from '../helpers/gitRepo';

test.serial.before(async () => {
  await demoBaseImage();
});

const VERSION = '15.0.0-1';

const MANIFEST = `<?xml version="1.0" encoding="UTF-8"?>
<manifest>
  <remote name="origin" fetch=".."/>
  <default revision="main" remote="origin"/>
  <project name="tiny-build" path="tools/build">
    <copyfile src="top.mk" dest="top.mk"/>
  </project>
  <project name="tiny-packages" path="tools/packages">
    <linkfile src="scripts/make-deb.sh" dest="make-deb.sh"/>
  </project>
</manifest>
`;

/** makes build/packages/tiny-thing_<version>_all.deb with dpkg-deb; the description says what the step saw */
const MAKE_DEB = `#!/bin/bash
set -euo pipefail
test -f .repo/manifest.xml
test -d tools/build/.git && test -d tools/packages/.git
root=build/packages/tiny-thing
mkdir -p $root/DEBIAN $root/usr/share/tiny-thing
cp top.mk $root/usr/share/tiny-thing/
xxd -l 4 top.mk > $root/usr/share/tiny-thing/top.hex
cat > $root/DEBIAN/control <<CONTROL
Package: tiny-thing
Version: $CONTRAIL_VERSION
Architecture: all
Maintainer: tests <tests@opencontrail.invalid>
Description: built for $OS on $SERIES with $JOBS jobs
CONTROL
dpkg-deb --root-owner-group --build $root build/packages/tiny-thing_\${CONTRAIL_VERSION}_all.deb
`;

const CONTROL = `Source: tiny-thing
Section: misc
Priority: optional
Maintainer: tests <tests@opencontrail.invalid>
Build-Depends: xxd

Package: tiny-thing
Architecture: all
Description: a tiny package
`;

/** The fixture: git/{contrail-vnc, tiny-build, tiny-packages}. */
async function fixture(manifest = MANIFEST) {
  const root = tempDir('t-recipe-git-');
  const git = path.join(root, 'git');
  await gitRepo(path.join(git, 'contrail-vnc'), { 'default.xml': manifest });
  const build = await gitRepo(path.join(git, 'tiny-build'), { 'top.mk': 'all:\n\t@echo tiny\n' });
  const pkgs = await gitRepo(path.join(git, 'tiny-packages'), { 'scripts/make-deb.sh': MAKE_DEB, 'debian/tiny-thing/debian/control': CONTROL });
  return { root, git, commits: { build, pkgs } };
}

const STEPS = ['./make-deb.sh', 'test "$(cat tools/packages/debian/tiny-thing/debian/control | head -1)" = "Source: tiny-thing"'];

function configWith(git: string, source: Record<string, unknown> = {}, workDir = tempDir('t-recipe-work-')) {
  const dir = tempDir('t-recipe-config-');
  const file = writeJson(path.join(dir, 'config.json'), {
    version: VERSION, os: 'debian12', baseImage: 'debian:bookworm', bootstrap: { suite: 'bookworm' }, workDir,
    packages: {
      build: {
        sources: [{
          name: 'tiny', manifest: { url: `file://${git}/contrail-vnc`, ref: 'main' },
          steps: STEPS, outputs: ['build/packages/*.deb'], buildDepends: ['tools/packages/debian/tiny-thing/debian/control'], ...source,
        }],
        expect: ['tiny-thing'],
      },
    },
    repo: { port: 21500 },
  });
  return { config: resolveConfig({ args: ['--config', file], env: {}, cwd: dir }), workDir };
}

const manifestOf = (workDir: string) => parseManifest(fs.readFileSync(path.join(workDir, 'packages', 'manifest.json'), 'utf8'))!;
const packagesIn = (workDir: string) => fs.readdirSync(path.join(workDir, 'packages')).sort();

test.serial('built for real; skipped without a checkout; one project moved: rebuilt', async (t) => {
  const { git, commits } = await fixture();
  const { config, workDir } = configWith(git);
  const first = testRun(config);
  const result = await packageBuild(first);
  t.deepEqual(result.debs, [path.join(workDir, 'packages', `tiny-thing_${VERSION}_all.deb`)]);
  const deb = result.debs[0];
  t.is(execFileSync('dpkg-deb', ['-f', deb, 'Description']).toString().trim(), `built for debian12 on bookworm with ${config.jobs} jobs`);
  t.regex(execFileSync('dpkg-deb', ['-c', deb]).toString(), /usr\/share\/tiny-thing\/top\.hex/);
  const entry = manifestOf(workDir).sources[0];
  t.deepEqual(entry.sandbox!.projects.map((p) => [p.name, p.path, p.url, p.commit]), [
    ['tiny-build', 'tools/build', `file://${git}/tiny-build`, commits.build],
    ['tiny-packages', 'tools/packages', `file://${git}/tiny-packages`, commits.pkgs],
  ]);
  t.deepEqual(entry.buildDepends, ['xxd']);
  const sandbox = path.join(workDir, 'git', 'sandboxes', 'tiny');
  t.regex(fs.readFileSync(path.join(sandbox, '.repo', 'manifest.xml'), 'utf8'), new RegExp(`name="tiny-build" path="tools/build" remote="origin" revision="${commits.build}" upstream="main"`));
  t.is(fs.readlinkSync(path.join(sandbox, 'make-deb.sh')), 'tools/packages/scripts/make-deb.sh');
  const log = fs.readFileSync(entry.log, 'utf8');
  t.regex(log, /== step 1\/2: \.\/make-deb\.sh/);
  t.regex(log, /== build dependencies of tools\/packages\/debian\/tiny-thing\/debian\/control/);

  // unchanged: skipped, and nothing is checked out (the sandbox and manifest checkouts are gone and stay gone)
  fs.rmSync(path.join(workDir, 'git'), { recursive: true, force: true });
  const second = testRun(config);
  t.deepEqual((await packageBuild(second)).debs, result.debs);
  t.regex(second.log.text(), /tiny: unchanged, skipped/);
  t.false(fs.existsSync(path.join(workDir, 'git')));

  // one project moves: rebuilt, with the new commit recorded
  const moved = await gitRepo(path.join(git, 'tiny-build'), { 'top.mk': 'all:\n\t@echo tinier\n' });
  const third = testRun(config);
  await packageBuild(third);
  t.regex(third.log.text(), /tiny \(1\/1\): building, its revision or the build recipe changed/);
  t.is(manifestOf(workDir).sources[0].sandbox!.projects[0].commit, moved);
  t.regex(execFileSync('dpkg-deb', ['--fsys-tarfile', deb]).toString('latin1'), /tinier/);
});

test.serial('a remote rewrite: the projects come from the mirror', async (t) => {
  const { root, git } = await fixture();
  const mirror = path.join(root, 'mirror');
  for (const name of ['tiny-build', 'tiny-packages']) execFileSync('git', ['clone', '-q', '--bare', path.join(git, name), path.join(mirror, name)]);
  // the originals are gone: only the mirror can serve them
  fs.rmSync(path.join(git, 'tiny-build'), { recursive: true });
  fs.rmSync(path.join(git, 'tiny-packages'), { recursive: true });
  const { config, workDir } = configWith(git, { remotes: { origin: `file://${mirror}/` } });
  await packageBuild(testRun(config));
  t.deepEqual(manifestOf(workDir).sources[0].sandbox!.projects.map((p) => p.url), [`file://${mirror}/tiny-build`, `file://${mirror}/tiny-packages`]);
  t.deepEqual(packagesIn(workDir), ['manifest.json', `tiny-thing_${VERSION}_all.deb`]);
});

test.serial('a failed step: exit 1 naming the step, its log and last lines; nothing written to the packages folder', async (t) => {
  const { git } = await fixture();
  const { config, workDir } = configWith(git, { steps: ['./make-deb.sh', 'echo about to fail; exit 3', 'true'] });
  const e = await t.throwsAsync(packageBuild(testRun(config)));
  t.is(exitCodeFor(e), 1);
  t.regex(e!.message, /source tiny failed at step 2 of 3 \("echo about to fail; exit 3"\): exit code 3/);
  t.regex(String((e as any).hint), /t-recipe-work-.*\/logs\/package-tiny\.log/);
  t.true(((e as any).details as string[]).includes('about to fail'));
  t.deepEqual(packagesIn(workDir), []);
});

test.serial('bad inputs found while building: exit 2 naming the file, line or config key; nothing written', async (t) => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['<manifest>\n  <project name="a">\n</manifest>\n', {}, /manifest default\.xml line 3: not well-formed XML/],
    [MANIFEST.replace('path="tools/packages"', 'path="tools/build"'), {}, /default\.xml line 8: project "tiny-packages" has path "tools\/build", which project "tiny-build" has too/],
    [MANIFEST.replace('revision="main" remote', 'revision="-main" remote'), {}, /default\.xml line 5: project "tiny-build" revision "-main" starts with '-'/],
    [MANIFEST, { remotes: { upstream: 'file:///srv/x' } }, /packages\.build\.sources\[0\]\.remotes\.upstream: the manifest has no remote "upstream"/],
    [MANIFEST, { outputs: ['out/*.deb'] }, /packages\.build\.sources\[0\]\.outputs \("out\/\*\.deb"\) matched no file after the steps of "tiny"/],
    [MANIFEST, { buildDepends: ['debian/control'] }, /packages\.build\.sources\[0\]\.buildDepends\[0\] "debian\/control" is not a file in the sandbox/],
    [MANIFEST, { manifest: { url: 'file:///nonexistent/contrail-vnc', ref: 'main' } }, /manifest\.url: git cannot read "file:\/\/\/nonexistent\/contrail-vnc"/],
  ];
  for (const [xml, source, message] of cases) {
    const { git } = await fixture(xml);
    const { config, workDir } = configWith(git, source);
    const e = await t.throwsAsync(packageBuild(testRun(config)));
    t.is(exitCodeFor(e), 2, e!.message);
    t.regex(e!.message, message);
    t.deepEqual(packagesIn(workDir), [], message.source);
  }
});

test.serial('expect across both kinds: a Debian source and a recipe in one config', async (t) => {
  const { root, git } = await fixture();
  const deb = path.join(root, 'tiny-extra');
  const files: Record<string, string> = {
    'debian/control': 'Source: tiny-extra\nSection: misc\nPriority: optional\nMaintainer: tests <tests@opencontrail.invalid>\nBuild-Depends: debhelper-compat (= 13)\nStandards-Version: 4.6.2\n\nPackage: tiny-extra\nArchitecture: all\nDescription: tiny extra\n a plain Debian source beside the recipe\n',
    'debian/rules': '#!/usr/bin/make -f\n%:\n\tdh $@\n',
    'debian/changelog': 'tiny-extra (1.0) unstable; urgency=low\n\n  * tests\n\n -- tests <tests@opencontrail.invalid>  Mon, 01 Jan 2024 00:00:00 +0000\n',
    'debian/source/format': '3.0 (native)\n',
  };
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(deb, f)), { recursive: true });
    fs.writeFileSync(path.join(deb, f), text, { mode: text.startsWith('#!') ? 0o755 : 0o644 });
  }
  const { config, workDir } = configWith(git);
  const recipeSource = config.packages.build.sources[0];
  const both = (expect: string[]) => ({ ...config, packages: { ...config.packages, build: { ...config.packages.build, sources: [{ name: 'tiny-extra', path: deb }, recipeSource], expect } } });
  const e = await t.throwsAsync(packageBuild(testRun(both(['tiny-extra', 'tiny-thing', 'tiny-missing']))));
  t.is(exitCodeFor(e), 1);
  t.regex(e!.message, /no source built tiny-missing \(named in packages\.build\.expect\)/);
  const again = testRun(both(['tiny-extra', 'tiny-thing']));
  const result = await packageBuild(again);
  t.is(again.log.lines.filter((l) => /unchanged, skipped/.test(l.message)).length, 2);
  t.deepEqual(result.debs.map((d) => path.basename(d)), ['tiny-extra_1.0_all.deb', `tiny-thing_${VERSION}_all.deb`]);
  t.deepEqual(manifestOf(workDir).sources.map((s) => [s.name, s.sandbox ? 'recipe' : 'debian']), [['tiny-extra', 'debian'], ['tiny', 'recipe']]);
});
