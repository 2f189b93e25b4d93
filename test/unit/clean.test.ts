import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { checkWorkDirForClean, removePaths, workLeftovers } from '../../lib/clean/workFiles';
import { inScope, planClean, type CleanScope, type ContainerInfo, type ImageInfo } from '../../lib/clean/plan';
import { PROJECT_ROOT } from '../../lib/config/defaults';
import { LABELS, projectLabels } from '../../lib/docker/labels';
import { tempDir } from '../helpers/temp';

const scope = (over: Partial<CleanScope> = {}): CleanScope => ({
  os: 'debian12', version: 't-1', workDir: '/w', baseImage: 'debian:bookworm',
  ownNames: ['contrail-base-debian12:t-1', 'contrail-repo-debian12:t-1', 'contrail-builder-debian12:t-1', 'contrail-galaxy-debian12:t-1'],
  keepImages: false, all: false, ...over,
});
const family = (component: string, version = 't-1') =>
  projectLabels('family', { [LABELS.component]: component, [LABELS.version]: version, [LABELS.os]: 'debian12', [LABELS.inputHash]: 'h' });

let n = 0;
const image = (tags: string[], labels: Record<string, string>, created = ++n): ImageInfo => ({ id: `sha256:${String(created).padStart(64, '0')}`, tags, labels, created });
const container = (name: string, image: string, imageId: string, labels: Record<string, string>, state = 'exited'): ContainerInfo =>
  ({ id: `c-${name}`, name, image, imageId, labels, state });

test('scope: our labels, this os/version/work folder; names decide only when labels say nothing', (t) => {
  const s = scope();
  t.true(inScope(family('base'), [], s));
  t.false(inScope(family('base', 't-2'), [], s), 'another version');
  t.false(inScope({ ...family('base'), [LABELS.os]: 'ubuntu16.04' }, [], s), 'another os');
  t.false(inScope({ ...family('base'), [LABELS.workDir]: '/other' }, [], s), 'another work folder');
  t.true(inScope({ ...family('base'), [LABELS.workDir]: '/w' }, [], s));
  t.false(inScope({ 'some.label': 'x' }, ['contrail-base-debian12:t-1'], s), 'not ours, whatever its name');
  t.true(inScope(projectLabels('galaxy'), ['contrail-galaxy-debian12:t-1'], s), 'no scope labels: our name for this config');
  t.false(inScope(projectLabels('galaxy'), ['contrail-galaxy-debian12:t-2'], s));
  t.false(inScope(projectLabels('base-os'), ['debian:bookworm'], s), 'the base OS only by name, with --all');
  // the classic builder applies build labels one step at a time: an image half-way through
  // another build can carry our os without a version (it is some running build's parent)
  t.false(inScope(projectLabels('family', { [LABELS.os]: 'debian12' }), [], s), 'os label alone');
  t.false(inScope(projectLabels('family', { [LABELS.version]: 't-1' }), [], s), 'version label alone');
  t.false(inScope(projectLabels('family', { [LABELS.os]: 'debian12' }), ['contrail-base-debian12:t-1'], s), 'half-labelled, whatever its name');
  t.true(inScope(projectLabels('builder', { [LABELS.workDir]: '/w' }), [], s), 'a container of this work folder');
});

test('plan: our images and containers go; a user container and unrelated things stay', (t) => {
  const base = image(['contrail-base-debian12:t-1'], family('base'), 1);
  const controller = image(['contrail-controller-debian12:t-1', '127.0.0.1:5000/contrail-controller-debian12:t-1'], family('controller'), 5);
  const old = image([], family('controller'), 3); // dangling: replaced by a rebuild
  const repo = image(['contrail-repo-debian12:t-1'], projectLabels('repo', { [LABELS.version]: 't-1', [LABELS.os]: 'debian12' }), 2);
  const other = image(['contrail-base-debian12:t-2'], family('base', 't-2'), 4);
  const os = image(['debian:bookworm'], projectLabels('base-os'), 0);
  const mine = image(['myapp:1'], {}, 6);
  const containers = [
    container('contrail-repo-debian12-1567', repo.tags[0], repo.id, repo.labels, 'running'),
    container('eager_turing', 'a1b2c3d4e5f6', base.id, family('base')), // an interrupted build's step
    container('deployed-controller', controller.tags[0], controller.id, family('controller'), 'running'),
    container('unrelated', 'myapp:1', mine.id, {}, 'running'),
  ];
  const plan = planClean({ containers, images: [base, controller, old, repo, other, os, mine] }, scope());
  t.deepEqual(plan.containers.map((c) => [c.name, c.why]), [['contrail-repo-debian12-1567', 'repo'], ['eager_turing', 'left by an interrupted build']]);
  t.deepEqual(plan.images.map((i) => i.tags[0] ?? '<none>'), ['<none>', 'contrail-repo-debian12:t-1', 'contrail-base-debian12:t-1'], 'children (newer) first');
  t.deepEqual(plan.kept, [
    'container deployed-controller: runs contrail-controller-debian12:t-1, but was not started by this project',
    'image contrail-controller-debian12:t-1: used by container deployed-controller',
  ]);
});

test('plan: --keep-images keeps every image; --all adds the base OS only when we bootstrapped it', (t) => {
  const base = image(['contrail-base-debian12:t-1'], family('base'), 1);
  const os = image(['contrail-test-os:1'], projectLabels('base-os'), 0);
  const pulled = image(['debian:bookworm'], {}, 0);
  t.deepEqual(planClean({ containers: [], images: [base, os] }, scope({ keepImages: true, all: true, baseImage: 'contrail-test-os:1' })).images, []);
  t.deepEqual(planClean({ containers: [], images: [base, os] }, scope({ baseImage: 'contrail-test-os:1' })).images.map((i) => i.tags[0]), ['contrail-base-debian12:t-1']);
  t.deepEqual(planClean({ containers: [], images: [base, os] }, scope({ all: true, baseImage: 'contrail-test-os:1' })).images.map((i) => i.tags[0]),
    ['contrail-base-debian12:t-1', 'contrail-test-os:1']);
  const p = planClean({ containers: [], images: [base, pulled] }, scope({ all: true }));
  t.deepEqual(p.images.map((i) => i.tags[0]), ['contrail-base-debian12:t-1']);
  t.deepEqual(p.kept, ['image debian:bookworm: not bootstrapped by this project']);
});

test('work folder: temporary files, artifacts, logs, packages and checkouts go; inputs inside it stay', async (t) => {
  const w = tempDir();
  for (const f of ['tmp/a/b', 'artifacts/x.tar.gz', 'logs/base.log', 'packages/p.deb', 'git/contrail-ansible/README', 'git/contrail-lib/x', 'keep/me']) {
    fs.mkdirSync(path.dirname(path.join(w, f)), { recursive: true });
    fs.writeFileSync(path.join(w, f), 'x');
  }
  fs.writeFileSync(path.join(w, 'summary.json'), '{}');
  fs.writeFileSync(path.join(w, '.tmp-abc-summary.json'), '');
  fs.writeFileSync(path.join(w, '.lock'), '{}');
  const inputs = [path.join(w, 'git', 'contrail-ansible'), '/elsewhere/x'];
  const found = workLeftovers(w, inputs).map((p) => path.relative(w, p)).sort();
  t.deepEqual(found, ['.tmp-abc-summary.json', 'artifacts', 'git/contrail-lib', 'logs', 'packages', 'summary.json', 'tmp']);
  const removed = await removePaths(w, workLeftovers(w, inputs));
  t.is(removed.length, 7);
  t.deepEqual(fs.readdirSync(w).sort(), ['.lock', 'git', 'keep']);
  t.deepEqual(fs.readdirSync(path.join(w, 'git')), ['contrail-ansible']);
  t.deepEqual(workLeftovers(w, inputs), [], 'a second look finds nothing');
});

test('work folder: removed when nothing else is left; glob characters in names are taken literally', async (t) => {
  const w = path.join(tempDir(), 'work[1]');
  fs.mkdirSync(path.join(w, 'tmp'), { recursive: true });
  fs.writeFileSync(path.join(w, 'tmp', '*'), '');
  fs.mkdirSync(path.join(path.dirname(w), 'work1')); // what "work[1]" would match as a glob
  fs.writeFileSync(path.join(path.dirname(w), 'work1', 'victim'), '');
  await removePaths(w, workLeftovers(w, []));
  t.false(fs.existsSync(w));
  t.true(fs.existsSync(path.join(path.dirname(w), 'work1', 'victim')));
});

test('clean refuses a work folder holding /, the home folder or the project', (t) => {
  for (const w of ['/', os.homedir(), PROJECT_ROOT, path.dirname(PROJECT_ROOT)]) {
    const e = t.throws(() => checkWorkDirForClean(w));
    t.regex(e!.message, /clean will not remove files there/);
  }
  t.notThrows(() => checkWorkDirForClean(path.join(PROJECT_ROOT, '.build')));
});
