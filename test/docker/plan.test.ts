/**
 * `gulp plan` builds nothing: after one project of a recipe source's sandbox moves to a new
 * commit, plan (through the CLI, --json) names that source, the project that moved and the images
 * that install its packages, while the engine records no container and no image event of this
 * family; the build that follows does what plan printed (plan's actions against summary.json, the
 * package source built, the repo rebuilt). A small sandbox of the test's own (file:// git
 * repositories), its own version, work folder and repo port (19351).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import type { Summary } from '../../lib/images/summary';
import { STATUS } from '../../lib/images/familyPlan';
import type { Plan } from '../../lib/plan/runPlan';
import { imageRef, repoContainerName } from '../../lib/naming';
import { demoBaseImage, docker } from '../helpers/docker';
import { runGulp } from '../helpers/gulp';
import { oneOf, removeDanglingAfter } from '../helpers/leftovers';
import { writeFamilyFiles } from '../helpers/recipeFamily';
import { tempDir, writeJson } from '../helpers/temp';
import { gitRepo } from '../helpers/gitRepo';

const VERSION = 't-plan-1';
const OS = 'debian12';
const PORT = 19351;
removeDanglingAfter(test, oneOf(VERSION));

const MANIFEST = `<?xml version="1.0" encoding="UTF-8"?>
<manifest>
  <remote name="origin" fetch=".."/>
  <default revision="main" remote="origin"/>
  <project name="tiny-build" path="tools/build"/>
  <project name="tiny-packages" path="tools/packages"/>
</manifest>
`;

/** tiny-thing_<version>_all.deb, carrying tools/build/top.mk (so a move of tiny-build changes the package) */
const MAKE_DEB = `#!/bin/bash
set -euo pipefail
root=build/packages/tiny-thing
mkdir -p $root/DEBIAN $root/usr/share/tiny-thing
cp tools/build/top.mk $root/usr/share/tiny-thing/
printf 'Package: tiny-thing\\nVersion: 1\\nArchitecture: all\\nMaintainer: tests <tests@opencontrail.invalid>\\nDescription: tiny\\n' > $root/DEBIAN/control
dpkg-deb --root-owner-group --build $root build/packages/tiny-thing_1_all.deb
`;

const IMAGES: Record<string, { dockerfile: string; packages: string[] }> = {
  // the distribution's indexes once, so contrail-install below fetches only the contrail repo's
  root: { dockerfile: 'FROM debian:bookworm\nRUN apt-get update\nCOPY contrail-install /usr/local/sbin/contrail-install\n', packages: [] },
  thing: {
    dockerfile: `ARG OS\nARG CONTRAIL_VERSION\nFROM contrail-root-\${OS}:\${CONTRAIL_VERSION}\nARG CONTRAIL_REPO_URL\nARG CONTRAIL_REPO_HOST\nARG CONTRAIL_REPO_DIST\nARG CONTRAIL_REPO_KEY\nARG CONTRAIL_REPO_PRIORITY\nARG PACKAGES\nRUN contrail-install $PACKAGES\n`,
    packages: ['tiny-thing'],
  },
  child: { dockerfile: 'ARG OS\nARG CONTRAIL_VERSION\nFROM contrail-thing-${OS}:${CONTRAIL_VERSION}\nRUN test -f /usr/share/tiny-thing/top.mk\n', packages: [] },
  plain: { dockerfile: 'ARG OS\nARG CONTRAIL_VERSION\nFROM contrail-root-${OS}:${CONTRAIL_VERSION}\nRUN echo plain > /plain\n', packages: [] },
};

async function fixture() {
  const root = tempDir('t-plan-');
  const git = path.join(root, 'git');
  await gitRepo(path.join(git, 'contrail-vnc'), { 'default.xml': MANIFEST });
  await gitRepo(path.join(git, 'tiny-build'), { 'top.mk': 'all:\n\t@echo tiny\n' });
  await gitRepo(path.join(git, 'tiny-packages'), { 'make-deb.sh': MAKE_DEB });
  const images = await writeFamilyFiles(root, IMAGES);
  const workDir = path.join(root, 'work');
  const config = writeJson(path.join(root, 'config.json'), {
    version: VERSION, os: OS, osFamily: 'deb', baseImage: 'debian:bookworm', bootstrap: { suite: 'bookworm' }, workDir, jobs: 2,
    packages: {
      build: {
        sources: [{ name: 'tiny', manifest: { url: `file://${git}/contrail-vnc`, ref: 'main' }, steps: ['./tools/packages/make-deb.sh'], outputs: ['build/packages/*.deb'] }],
        expect: ['tiny-thing'],
      },
    },
    repo: { host: '127.0.0.1', port: PORT },
    ansible: { artifact: path.join(root, 'ansible.tar.gz') },
    images,
  });
  return { root, git, workDir, config };
}

/** The image ids of this family, by reference. */
async function familyIds(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(IMAGES)) {
    const ref = imageRef(name, OS, VERSION);
    out[ref] = await docker.getImage(ref).inspect().then((i) => i.Id, () => 'absent');
  }
  return out;
}

/** Engine events between two times that concern this test's family: its images, its repo container, containers of its work folder. */
async function familyEvents(since: number, until: number, workDir: string): Promise<string[]> {
  // since to the millisecond (the engine takes seconds.nanoseconds): whole seconds would take in
  // the tail of the build that ended just before plan started (its last tag and untag)
  const stream = await docker.getEvents({ since: (since / 1000).toFixed(3), until: Math.ceil(until / 1000) + 1 } as unknown as { since: number; until: number });
  const text = await new Promise<string>((resolve, reject) => {
    let s = '';
    stream.on('data', (d: Buffer) => (s += d.toString()));
    stream.on('end', () => resolve(s));
    stream.on('error', reject);
  });
  const ours = (e: { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> } }) => {
    const attrs = Object.values(e.Actor.Attributes ?? {});
    return [e.Actor.ID, ...attrs].some((v) => v.includes(VERSION) || v.includes(workDir) || v.includes(repoContainerName(OS, PORT)));
  };
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter(ours).map((e) => `${e.Type} ${e.Action} ${e.Actor.ID}`);
}

test('a project of a recipe source moved: plan names the source and the images, creates and builds nothing; the build does what plan said', async (t) => {
  await demoBaseImage();
  const f = await fixture();
  t.teardown(async () => {
    await runGulp(['clean', '--config', f.config]);
  });
  const first = await runGulp(['all', '--config', f.config]);
  t.is(first.code, 0, first.stdout + first.stderr);

  const moved = await gitRepo(path.join(f.git, 'tiny-build'), { 'top.mk': 'all:\n\t@echo tinier\n' });
  const manifestBefore = fs.readFileSync(path.join(f.workDir, 'packages', 'manifest.json'), 'utf8');
  const idsBefore = await familyIds();
  const since = Date.now();
  const planned = await runGulp(['plan', '--config', f.config, '--json']);
  const until = Date.now();
  t.is(planned.code, 0, planned.stdout + planned.stderr);
  const plan: Plan = JSON.parse(planned.stdout.split('\n').find((l) => l.startsWith('{'))!);

  // what plan says: the source, the project that moved, the images that install its package
  t.deepEqual(plan.packages.sources.map((s) => [s.name, s.action]), [['tiny', 'build']]);
  t.regex(plan.packages.sources[0].reason, new RegExp(`project tiny-build moved to ${moved.slice(0, 12)}`));
  t.deepEqual([plan.repo.action, plan.repo.buildImage], ['created', true]);
  t.regex(plan.repo.reason, /package source tiny rebuilt/);
  const byName = Object.fromEntries(plan.entries.map((e) => [e.component, e]));
  t.deepEqual(plan.entries.map((e) => [e.component, e.action]), [['root', 'skip'], ['plain', 'skip'], ['thing', 'build'], ['child', 'build']]);
  t.regex(byName.thing.reason, /package tiny-thing changed \(package source tiny rebuilt\)/);
  t.is(byName.child.reason, `parent ${imageRef('thing', OS, VERSION)} would be rebuilt`);

  // and nothing happened: no container or image event of this family but the read of the repo's
  // index inside its running container (an exec, no container), the same images, the same packages
  const events = await familyEvents(since, until, f.workDir);
  t.deepEqual(events.filter((e) => !/^container exec_/.test(e)), []);
  for (const e of events.filter((x) => /^container exec_(create|start)/.test(x))) t.regex(e, /busybox wget -q -O - http:\/\/127\.0\.0\.1:19351\/Packages\.gz/);
  t.deepEqual(await familyIds(), idsBefore);
  t.is(fs.readFileSync(path.join(f.workDir, 'packages', 'manifest.json'), 'utf8'), manifestBefore);

  // the build that follows does what plan printed
  const build = await runGulp(['all', '--config', f.config]);
  const out = build.stdout + build.stderr;
  t.is(build.code, 0, out);
  t.regex(out, /packageBuild: tiny \(1\/1\): building/);
  t.regex(out, /contrail-repo: building contrail-repo-debian12:t-plan-1/);
  const summary: Summary = JSON.parse(fs.readFileSync(path.join(f.workDir, 'summary.json'), 'utf8'));
  t.deepEqual(summary.images.map((i) => [i.component, i.status]), plan.entries.map((e) => [e.component, STATUS[e.action as keyof typeof STATUS]]));
  const after = await familyIds();
  for (const e of plan.entries) t.is(after[e.ref] !== idsBefore[e.ref], e.action === 'build', `${e.component}: ${e.action}`);
});
