/**
 * The run's planners from facts written as data (no engine, no git): the repo server's action
 * (the rule ensureRepoServer applies too), an image's packages before they are built, what changed
 * in a source, and the plan as printed.
 */
import test from 'ava';
import { planFamily, type ImageFacts } from '../../lib/images/familyPlan';
import { WHOLE_INDEX } from '../../lib/images/inputs';
import { familyLabels } from '../../lib/images/labels';
import { hasPending, plannedPackages } from '../../lib/plan/imagePackages';
import { planRepoServer } from '../../lib/plan/repoPlan';
import { describeChange, formatRunPlan, type Plan } from '../../lib/plan/runPlan';

const H = (c: string) => c.repeat(64);

test('repo server: same hashes and running: reused; stopped: started; anything else: a new container, the image built when its hash differs', (t) => {
  const image = { id: 'sha256:img', inputHash: 'ih' };
  const container = { image: 'sha256:img', inputHash: 'ch', running: true };
  const facts = { image, container, imageHash: 'ih', containerHash: 'ch' };
  t.like(planRepoServer(facts), { buildImage: false, container: 'reused' });
  t.like(planRepoServer({ ...facts, container: { ...container, running: false } }), { buildImage: false, container: 'started' });
  t.like(planRepoServer({ ...facts, container: null }), { buildImage: false, container: 'created', reason: 'no repo container yet' });
  t.like(planRepoServer({ ...facts, container: { ...container, inputHash: 'other' } }), { buildImage: false, container: 'created', reason: 'the container serves other packages or another address' });
  t.like(planRepoServer({ ...facts, container: { ...container, image: 'sha256:old' } }), { buildImage: false, container: 'created' });
  t.like(planRepoServer({ ...facts, imageHash: 'new' }), { buildImage: true, container: 'created', reason: 'the package set (or the repo recipe or base image) changed' });
  t.like(planRepoServer({ ...facts, image: null }), { buildImage: true, container: 'created', reason: 'no repo image yet' });
});

test('image packages: a package a source rebuilds is pending, named by the source; the others keep the index\'s hashes', (t) => {
  const index = { indexHash: H('i'), packages: { 'tiny-thing': H('a'), other: H('b') } };
  t.deepEqual(plannedPackages(['other'], index, new Map(), null), { packages: { other: H('b').slice(0, 16) }, changedBy: [] });
  const rebuilt = new Map([['tiny-thing', 'tiny']]);
  const p = plannedPackages(['tiny-thing', 'other'], index, rebuilt, 'tiny')!;
  t.deepEqual(p, { packages: { 'tiny-thing': 'pending:tiny', other: H('b').slice(0, 16) }, changedBy: ['tiny'] });
  t.true(hasPending(p.packages));
  // unchanged packages of an unchanged source stay as they are while another source rebuilds
  t.deepEqual(plannedPackages(['other'], index, rebuilt, 'tiny'), { packages: { other: H('b').slice(0, 16) }, changedBy: [] });
  t.false(hasPending({ other: 'x' }));
});

test('image packages: one the repo has no stanza for brings in the whole index, pending when any source rebuilds', (t) => {
  const index = { indexHash: H('i'), packages: {} };
  t.deepEqual(plannedPackages(['ansible-core'], index, new Map(), null), { packages: { [WHOLE_INDEX]: H('i').slice(0, 16) }, changedBy: [] });
  t.deepEqual(plannedPackages(['ansible-core'], index, new Map(), 'tiny'), { packages: { [WHOLE_INDEX]: 'pending:tiny' }, changedBy: ['tiny'] });
});

test('image packages: no index to read and no rebuild: not knowable now (null); nothing installed: nothing to know', (t) => {
  t.is(plannedPackages(['other'], null, new Map(), null), null);
  t.deepEqual(plannedPackages([], null, new Map(), null), { packages: {}, changedBy: [] });
  t.deepEqual(plannedPackages(['other'], null, new Map(), 'tiny'), { packages: { [WHOLE_INDEX]: 'pending:tiny' }, changedBy: ['tiny'] });
});

test('the family planner names the rebuilt source and marks what cannot be decided before prep, with its children', (t) => {
  const own = { dockerfile: 'd', context: 'c', args: {}, packages: { 'tiny-thing': 'h1' } };
  const existing = { id: 'sha256:thing', size: 1, labels: familyLabels({ component: 'thing', os: 'o', version: '1', inputs: { ...own, parents: { 'debian:12': 'sha256:os' } }, revision: '', created: new Date(0) }) };
  const thing: ImageFacts = { name: 'thing', ref: 'r-thing', problem: null, own: { ...own, packages: { 'tiny-thing': 'pending:tiny' } }, parents: [{ ref: 'debian:12', id: 'sha256:os' }], existing, changedBy: ['tiny'] };
  const child: ImageFacts = { name: 'child', ref: 'r-child', problem: null, own: { ...own, packages: {} }, parents: [{ ref: 'r-thing', member: 'thing', memberRef: 'r-thing' }], existing: null };
  const facts = new Map([['thing', thing], ['child', child]]);
  const [p] = planFamily(['thing', 'child'], facts, { noCache: false });
  t.is(p.reason, 'package tiny-thing changed (package source tiny rebuilt)');
  facts.set('thing', { ...thing, changedBy: undefined, undecided: 'its packages are known once the repo serves (the repo container is stopped)' });
  t.deepEqual(planFamily(['thing', 'child'], facts, { noCache: false }).map((e) => [e.action, e.reason]), [
    ['undecided', 'its packages are known once the repo serves (the repo container is stopped)'],
    ['undecided', 'parent r-thing is undecided'],
  ]);
});

test('what changed in a source: the projects that moved, a new commit, or not built yet', (t) => {
  t.is(describeChange({ now: 'r2', before: 'r1', projects: [{ name: 'a', now: H('1'), before: H('1') }, { name: 'b', now: H('2'), before: H('3') }] }), `project b moved to ${H('2').slice(0, 12)}`);
  t.is(describeChange({ now: 'r2', before: 'r1', projects: [{ name: 'c', now: H('2'), before: null }] }), 'project c is new');
  t.is(describeChange({ now: H('2'), before: H('1') }), `now at ${H('2').slice(0, 12)} (was ${H('1').slice(0, 12)})`);
  t.is(describeChange({ now: H('2'), before: null }), 'not built yet');
  t.is(describeChange({ now: H('2'), before: H('2') }), '');
});

test('the plan as printed: base, each source, the repo, the artifact, then the family table', (t) => {
  const plan: Plan = {
    base: { ref: 'debian:bookworm', action: 'local' }, osFamily: 'deb',
    packages: { input: 'build', sources: [{ name: 'tiny', action: 'build', reason: 'x: project a moved to 123' }, { name: 'other', action: 'skip', reason: 'unchanged' }] },
    repo: { action: 'created', buildImage: true, reason: 'package source tiny rebuilt' },
    ansible: { action: 'reuse', reason: 'master is still abc' },
    entries: [{ component: 'thing', ref: 'r-thing', action: 'build', reason: 'why', inputs: null, inputHash: null, pull: [], bypassLayerCache: false }],
  };
  const lines = formatRunPlan(plan);
  t.deepEqual(lines.slice(0, 5), [
    'base image debian:bookworm: as the engine has it (OS family deb)',
    'package source tiny: built (x: project a moved to 123)',
    'package source other: up to date (unchanged)',
    'contrail-repo: image rebuilt, container started anew (package source tiny rebuilt)',
    'contrail-ansible artifact: reused (master is still abc)',
  ]);
  t.regex(lines.at(-1)!, /1 to build, 0 to skip/);
});
