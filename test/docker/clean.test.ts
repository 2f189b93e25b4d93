/**
 * clean against the real engine: it removes what this project made for this config (containers,
 * images, work files) and nothing else. Version t-ship-clean is this file's own; the base OS image
 * is one of the test's own too, so --all never touches debian:bookworm.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { resolveConfig, type ResolvedConfig } from '../../lib/config/load';
import { LABELS, projectLabels } from '../../lib/docker/labels';
import { galaxyImageRef, repoContainerName, repoImageRef } from '../../lib/naming';
import { cleanWorkspace } from '../helpers/steps';
import { docker, removeImage, ROOT, testRun } from '../helpers/docker';
import { DEMO_LOCK, DEMO_WORK_DIR, demoFamily } from '../helpers/family';
import { runGulp } from '../helpers/gulp';
import { withTestLock } from '../helpers/lock';
import { tempDir, writeJson } from '../helpers/temp';
import { buildTinyImage, imageId } from '../helpers/tinyImages';
import { oneOf, removeDanglingAfter } from '../helpers/leftovers';

removeDanglingAfter(test, oneOf('t-ship-clean', 't-ship-clean-other'));

const VERSION = 't-ship-clean';
const OS_IMAGE = `contrail-test-ship-os:${VERSION}`;
const UNRELATED_IMAGE = `contrail-test-unrelated:${VERSION}`;
const OTHER_VERSION = `${VERSION}-other`;

const work = tempDir('contrail-clean-work-');
const configFile = writeJson(path.join(tempDir(), 'config.json'), {
  version: VERSION,
  os: 'debian12',
  baseImage: OS_IMAGE,
  workDir: work,
  ansible: { repo: path.join(work, 'git', 'contrail-ansible'), ref: 'master' },
  images: { base: { packages: [] }, controller: { packages: [] } },
});
const config = (...args: string[]): ResolvedConfig => resolveConfig({ args: ['--config', configFile, ...args], env: {}, cwd: ROOT });

const containerExists = async (name: string) => {
  try {
    await docker.getContainer(name).inspect();
    return true;
  } catch {
    return false;
  }
};

const made: { images: string[]; containers: string[] } = { images: [], containers: [] };

test.after.always(async () => {
  for (const c of made.containers) await docker.getContainer(c).remove({ force: true }).catch(() => {});
  for (const i of made.images) await removeImage(i);
});

test.serial('clean removes exactly what this project made for this config, and a second clean finds nothing', async (t) => {
  // ours, for this config
  const os = await buildTinyImage({ component: 'os', version: VERSION, ref: OS_IMAGE, labels: projectLabels('base-os') });
  const base = await buildTinyImage({ component: 'base', version: VERSION });
  const replaced = await buildTinyImage({ component: 'controller', version: VERSION }); // left dangling by the rebuild below
  const controller = await buildTinyImage({ component: 'controller', version: VERSION });
  const repo = await buildTinyImage({ component: 'repo', version: VERSION, role: 'repo', ref: repoImageRef('debian12', VERSION) });
  const galaxy = await buildTinyImage({ component: 'galaxy', version: VERSION, ref: galaxyImageRef('debian12', VERSION), labels: projectLabels('galaxy') });
  // not ours, or not this config's
  const other = await buildTinyImage({ component: 'base', version: OTHER_VERSION });
  // FROM scratch: anything FROM debian:bookworm inherits its labels (bootstrapped by us, role base-os)
  const unrelated = await buildTinyImage({ component: 'unrelated', version: VERSION, ref: UNRELATED_IMAGE, labels: { 'org.example.app': 'yes' }, from: 'scratch' });
  made.images.push(OS_IMAGE, base.ref, controller.ref, repo.ref, galaxy.ref, other.ref, UNRELATED_IMAGE, replaced.id);
  t.not(replaced.id, controller.id);

  const repoName = repoContainerName('debian12', 18520);
  const repoContainer = await docker.createContainer({
    name: repoName, Image: repo.ref, Cmd: ['sleep', 'infinity'], HostConfig: { NetworkMode: 'host' },
    Labels: projectLabels('repo', { [LABELS.version]: VERSION, [LABELS.os]: 'debian12', [LABELS.workDir]: work }),
  });
  await repoContainer.start();
  // what an interrupted `docker build` FROM our base leaves: a container made from an image id
  const step = await docker.createContainer({ name: 'ship-clean-build-step', Image: base.id, Cmd: ['/bin/sh', '-c', 'false'] });
  const stranger = await docker.createContainer({ name: 'ship-clean-unrelated', Image: UNRELATED_IMAGE, Cmd: ['/blob-unrelated'] });
  // a user's container of the base OS image carries its labels, and is still not ours
  const user = await docker.createContainer({ name: 'ship-clean-user', Image: 'debian:bookworm', Cmd: ['sleep', 'infinity'], HostConfig: { NetworkMode: 'host' } });
  await user.start();
  // the repo container of a build with another work folder
  const neighbour = await docker.createContainer({
    name: 'ship-clean-neighbour-repo', Image: other.ref, Cmd: ['sleep', 'infinity'],
    Labels: projectLabels('repo', { [LABELS.version]: VERSION, [LABELS.os]: 'debian12', [LABELS.workDir]: '/somewhere/else' }),
  });
  made.containers.push(repoName, 'ship-clean-build-step', 'ship-clean-unrelated', 'ship-clean-user', 'ship-clean-neighbour-repo');

  for (const f of ['tmp/bootstrap/x', 'artifacts/contrail-ansible-t.tar.gz', 'logs/base.log', 'packages/a.deb', 'git/contrail-lib/x', 'git/contrail-ansible/README']) {
    fs.mkdirSync(path.dirname(path.join(work, f)), { recursive: true });
    fs.writeFileSync(path.join(work, f), 'x');
  }
  fs.writeFileSync(path.join(work, 'summary.json'), '{}');
  fs.writeFileSync(path.join(work, '.tmp-0123456789ab-summary.json'), '');

  // 1. --keep-images: containers and files go, images stay
  const keep = await cleanWorkspace(testRun(config('--keep-images')));
  t.deepEqual(keep.containers.sort(), ['ship-clean-build-step', repoName].sort());
  t.deepEqual(keep.images, []);
  t.deepEqual(keep.paths.map((p) => path.relative(work, p)).sort(),
    ['.tmp-0123456789ab-summary.json', 'artifacts', 'git/contrail-lib', 'logs', 'packages', 'summary.json', 'tmp']);
  t.false(await containerExists(repoName));
  t.false(await containerExists(step.id));
  t.true(await containerExists(stranger.id));
  t.true(await containerExists(user.id));
  t.true(await containerExists(neighbour.id));
  t.true(fs.existsSync(path.join(work, 'git', 'contrail-ansible', 'README')), 'the config\'s own input stays');
  for (const i of [base, controller, repo, galaxy]) t.is(await imageId(i.ref), i.id);

  // 2. the images it built, the replaced one too; not the base OS image, not others'
  const run = testRun(config());
  const second = await cleanWorkspace(run);
  t.deepEqual(second.containers, []);
  t.deepEqual(second.images.sort(), [base.ref, controller.ref, repo.ref, galaxy.ref, `<untagged> ${replaced.id.slice(7, 19)}`].sort());
  for (const i of [base, controller, repo, galaxy]) t.is(await imageId(i.ref), null, i.ref);
  t.is(await imageId(replaced.id), null);
  t.is(await imageId(OS_IMAGE), os.id, 'the base OS image stays without --all');
  t.is(await imageId(other.ref), other.id, 'another version\'s image stays');
  t.is(await imageId(UNRELATED_IMAGE), unrelated.id);
  t.regex(run.log.text(), new RegExp(`removed image ${controller.ref.replace(/[.]/g, '\\.')}`));

  // 3. --all: the base OS image we bootstrapped
  const all = await cleanWorkspace(testRun(config('--all')));
  t.deepEqual(all.images, [OS_IMAGE]);
  t.is(await imageId(OS_IMAGE), null);
  t.is(await imageId(UNRELATED_IMAGE), unrelated.id);
  t.true(await containerExists(stranger.id));

  // 4. through the real CLI: nothing left to remove
  const r = await runGulp(['clean', '--config', configFile, '--all']);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, new RegExp(`nothing to remove for debian12 ${VERSION}`));
  t.notRegex(r.stdout, /removed /);
  t.is(await imageId(other.ref), other.id);
  t.true(await containerExists(neighbour.id));
  t.true(await containerExists(user.id));
  t.is(await imageId('debian:bookworm') !== null, true);
});

test.serial('clean --all never removes a base OS image it did not bootstrap', async (t) => {
  const foreign = await buildTinyImage({ component: 'os2', version: VERSION, ref: `contrail-test-ship-foreign-os:${VERSION}`, labels: { 'org.example': 'pulled' }, from: 'scratch' });
  made.images.push(foreign.ref);
  const cfg = resolveConfig({
    args: ['--config', writeJson(path.join(tempDir(), 'config.json'), { version: `${VERSION}-2`, os: 'debian12', baseImage: foreign.ref, workDir: tempDir() }), '--all'],
    env: {}, cwd: ROOT,
  });
  const run = testRun(cfg);
  const r = await cleanWorkspace(run);
  t.deepEqual(r.images, []);
  t.is(await imageId(foreign.ref), foreign.id);
  t.regex(run.log.text(), /kept image contrail-test-ship-foreign-os:t-ship-clean: not bootstrapped by this project/);
});

test.serial('gulp clean after a real contrailRepo: the repo container and image go, then nothing is left to remove', async (t) => {
  const version = `${VERSION}-e2e`;
  const packages = tempDir('contrail-clean-debs-');
  const demo = await demoFamily(); // takes and releases the lock itself
  await withTestLock(DEMO_LOCK, async () => {
    // the family's ids as they are now, under the lock: another test may rebuild it between
    // demoFamily() and here (new ids), never while this test holds the lock
    const familyIds = await Promise.all(demo.build.images.map((i) => imageId(i.ref)));
    for (const f of fs.readdirSync(path.join(DEMO_WORK_DIR, 'packages'))) {
      if (f.endsWith('.deb')) fs.copyFileSync(path.join(DEMO_WORK_DIR, 'packages', f), path.join(packages, f));
    }
    made.images.push(repoImageRef('debian12', version));
    made.containers.push(repoContainerName('debian12', 18530));
    const workDir = tempDir('contrail-clean-e2e-work-');
    const args = ['--config', 'examples/demo/config.json', '--contrail-version', version, '--work-dir', workDir];
    const repo = await runGulp(['contrailRepo', ...args, '--packages-dir', packages, '--repo-port', '18530']);
    t.is(repo.code, 0, repo.stdout + repo.stderr);
    t.true(await containerExists(repoContainerName('debian12', 18530)));
    t.not(await imageId(repoImageRef('debian12', version)), null);

    const first = await runGulp(['clean', ...args]);
    t.is(first.code, 0, first.stdout + first.stderr);
    t.regex(first.stdout, new RegExp(`removed container contrail-repo-debian12-18530`));
    t.regex(first.stdout, new RegExp(`removed image contrail-repo-debian12:${version}`));
    t.false(await containerExists(repoContainerName('debian12', 18530)));
    t.is(await imageId(repoImageRef('debian12', version)), null);
    t.false(fs.existsSync(path.join(workDir, 'tmp')));
    // the shared demo family and the base OS image are not this config's
    t.deepEqual(await Promise.all(demo.build.images.map((i) => imageId(i.ref))), familyIds);
    t.true(familyIds.every((id) => id !== null));
    t.not(await imageId('debian:bookworm'), null);

    const second = await runGulp(['clean', ...args]);
    t.is(second.code, 0);
    t.regex(second.stdout, new RegExp(`nothing to remove for debian12 ${version}`));
  });
});
