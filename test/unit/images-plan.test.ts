/**
 * The family planner, from facts written as data (no engine): every decision and reason that
 * `gulp plan` prints and buildImages applies.
 */
import test from 'ava';
import { buildGraph, subgraph, withAncestors } from '../../lib/images/graph';
import { type ImageInputs } from '../../lib/images/inputs';
import { familyLabels } from '../../lib/images/labels';
import { formatPlan, type ImageFacts, planFamily, planImage, STATUS } from '../../lib/images/familyPlan';

const OS = 'debian12';
const ref = (c: string) => `contrail-${c}-${OS}:1`;
const own = (over: Partial<ImageFacts['own']> = {}): ImageFacts['own'] => ({
  dockerfile: 'd1', context: 'c1', args: { PACKAGES: 'p1' }, packages: { 'contrail-control': 'h1' }, ...over,
});
/** an image under its tag, built from exactly these inputs */
const builtFrom = (component: string, inputs: ImageInputs, id = `sha256:${component}`) => ({
  id, size: 1, labels: familyLabels({ component, os: OS, version: '1', inputs, revision: '', created: new Date(0) }),
});

/** base (from the OS image) <- controller <- lb, all up to date */
function family() {
  const base: ImageFacts = { name: 'base', ref: ref('base'), problem: null, own: own({ ansible: 'a1' }), parents: [{ ref: 'debian:12', id: 'sha256:os' }], existing: null };
  base.existing = builtFrom('base', { ...base.own, parents: { 'debian:12': 'sha256:os' } });
  const controller: ImageFacts = { name: 'controller', ref: ref('controller'), problem: null, own: own(), parents: [{ ref: ref('base'), member: 'base', memberRef: ref('base') }], existing: null };
  controller.existing = builtFrom('controller', { ...controller.own, parents: { [ref('base')]: 'sha256:base' } });
  const lb: ImageFacts = { name: 'lb', ref: ref('lb'), problem: null, own: own({ dockerfile: 'd2' }), parents: [{ ref: ref('controller'), member: 'controller', memberRef: ref('controller') }], existing: null };
  lb.existing = builtFrom('lb', { ...lb.own, parents: { [ref('controller')]: 'sha256:controller' } });
  return new Map([['base', base], ['controller', controller], ['lb', lb]]);
}
const ORDER = ['base', 'controller', 'lb'];
const actions = (facts: Map<string, ImageFacts>, noCache = false) => planFamily(ORDER, facts, { noCache }).map((p) => [p.component, p.action, p.reason]);

test('everything up to date: every image skipped, with its input hash', (t) => {
  const plan = planFamily(ORDER, family(), { noCache: false });
  t.deepEqual(plan.map((p) => p.action), ['skip', 'skip', 'skip']);
  t.regex(plan[0].reason, /^up to date \(input hash [0-9a-f]{12}\)$/);
  for (const p of plan) t.is(p.inputHash!.length, 64);
});

test('not built yet: the image and its descendants build; the reasons say why', (t) => {
  const facts = family();
  facts.get('controller')!.existing = null;
  t.deepEqual(actions(facts), [
    ['base', 'skip', actions(family())[0][2]],
    ['controller', 'build', 'not built yet'],
    ['lb', 'build', `parent ${ref('controller')} would be rebuilt`],
  ]);
});

test('each kind of changed input is named', (t) => {
  const change = (over: Partial<ImageFacts['own']>, reason: string) => {
    const facts = family();
    facts.get('lb')!.own = { ...facts.get('lb')!.own, ...over };
    t.deepEqual(actions(facts)[2], ['lb', 'build', reason]);
  };
  change({ dockerfile: 'd3' }, 'Dockerfile changed');
  change({ context: 'c2' }, 'build context files changed');
  change({ args: { PACKAGES: 'p2' } }, 'build argument PACKAGES changed');
  change({ args: { PACKAGES: 'p1', EXTRA: 'x' } }, 'build argument EXTRA added');
  change({ packages: { 'contrail-control': 'h2' } }, 'package contrail-control changed');
  change({ packages: {} }, 'package contrail-control removed');
  const facts = family();
  facts.get('base')!.own = { ...facts.get('base')!.own, ansible: 'a2' };
  t.deepEqual(actions(facts)[0], ['base', 'build', 'contrail-ansible artifact changed']);
});

test('only package contents changed: the build bypasses the layer cache; a Dockerfile change does not', (t) => {
  const facts = family();
  facts.get('lb')!.own = { ...facts.get('lb')!.own, packages: { 'contrail-control': 'h9' } };
  t.true(planFamily(ORDER, facts, { noCache: false })[2].bypassLayerCache);
  const other = family();
  other.get('lb')!.own = { ...other.get('lb')!.own, dockerfile: 'd9' };
  t.false(planFamily(ORDER, other, { noCache: false })[2].bypassLayerCache);
});

test('a parent built with another id: the child is rebuilt, naming the parent', (t) => {
  const facts = family();
  const p = planImage(facts.get('controller')!, () => ({ id: 'sha256:new-base' }), { noCache: false });
  t.deepEqual([p.action, p.reason], ['build', `parent ${ref('base')} changed`]);
  t.deepEqual(p.inputs!.parents, { [ref('base')]: 'sha256:new-base' });
});

test('a failed parent blocks its children; a problem of its own fails the image', (t) => {
  const facts = family();
  facts.get('controller')!.problem = 'Dockerfile x line 2: unknown instruction FORM';
  t.deepEqual(actions(facts).slice(1), [
    ['controller', 'fail', 'Dockerfile x line 2: unknown instruction FORM'],
    ['lb', 'blocked', `blocked by ${ref('controller')}`],
  ]);
  const p = planImage(facts.get('lb')!, () => ({ failed: true }), { noCache: false });
  t.deepEqual([p.action, p.inputHash], ['blocked', null]);
});

test('a parent that is not local is pulled by the build; the plan says so', (t) => {
  const facts = family();
  facts.get('base')!.parents = [{ ref: 'registry.local:5000/os:1', id: null }];
  const [base] = planFamily(ORDER, facts, { noCache: false });
  t.deepEqual([base.action, base.pull, base.inputs], ['build', ['registry.local:5000/os:1'], null]);
  t.is(base.reason, 'parent registry.local:5000/os:1 (not local; the build would pull it) would be pulled');
});

test('--no-cache builds everything, and says so', (t) => {
  t.deepEqual(actions(family(), true).map((a) => [a[1], a[2]]), [
    ['build', 'forced by --no-cache'], ['build', `parent ${ref('base')} would be rebuilt`], ['build', `parent ${ref('controller')} would be rebuilt`],
  ]);
});

test('an image under the tag that this pipeline did not make is rebuilt', (t) => {
  const facts = family();
  facts.get('lb')!.existing = { id: 'sha256:foreign', size: 1, labels: {} };
  t.deepEqual(actions(facts)[2], ['lb', 'build', 'the image under this tag was not made by this pipeline (no input hash label)']);
});

test('a selection plans the selected images with their ancestors only', (t) => {
  const graph = buildGraph([
    { name: 'base', ref: ref('base'), parentRefs: [] },
    { name: 'controller', ref: ref('controller'), parentRefs: [ref('base')] },
    { name: 'lb', ref: ref('lb'), parentRefs: [ref('controller')] },
    { name: 'agent', ref: ref('agent'), parentRefs: [ref('base')] },
  ]);
  const selected = subgraph(graph, withAncestors(graph, ['controller']));
  t.deepEqual(selected.order, ['base', 'controller']);
  t.deepEqual(planFamily(selected.order, family(), { noCache: false }).map((p) => p.component), ['base', 'controller']);
});

test('one vocabulary: a planned action and the status it ends in', (t) => {
  t.deepEqual(STATUS, { build: 'built', skip: 'skipped', fetch: 'skipped', fail: 'failed', blocked: 'blocked' });
  const lines = formatPlan({ entries: planFamily(ORDER, family(), { noCache: false }) });
  t.is(lines.at(-1), '0 to build, 3 to skip');
  t.regex(lines[0], /^skip {4}contrail-base-debian12:1 {8}up to date \(input hash [0-9a-f]{12}\)$/);
});

test('from the registry: an image to be built whose input hash the cache registry holds is fetched; its children hash against the registry\'s id', (t) => {
  const facts = family();
  facts.get('controller')!.existing = null;
  facts.get('lb')!.existing = null;
  const first = planFamily(ORDER, facts, { noCache: false });
  const hash = first[1].inputHash!;
  facts.get('controller')!.inRegistry = { inputHash: hash, id: 'sha256:from-registry' };
  const plan = planFamily(ORDER, facts, { noCache: false });
  t.deepEqual(plan.map((p) => p.action), ['skip', 'fetch', 'build']);
  t.is(plan[1].reason, `from the registry (input hash ${hash.slice(0, 12)})`);
  t.deepEqual(plan[2].inputs!.parents, { [ref('controller')]: 'sha256:from-registry' });
  t.is(plan[2].reason, 'not built yet');
  t.is(STATUS.fetch, 'skipped');
  t.regex(formatPlan({ entries: plan }).at(-1)!, /1 to build, 1 to skip, 1 from the registry/);
  // another hash (an input changed since), or --no-cache: built
  facts.get('controller')!.inRegistry = { inputHash: 'f'.repeat(64), id: 'sha256:from-registry' };
  t.is(planFamily(ORDER, facts, { noCache: false })[1].action, 'build');
  facts.get('controller')!.inRegistry = { inputHash: hash, id: 'sha256:from-registry' };
  t.is(planFamily(ORDER, facts, { noCache: true })[1].action, 'build');
});

test('from the registry: an image up to date locally stays local, whatever the registry holds', (t) => {
  const facts = family();
  const hash = planFamily(ORDER, facts, { noCache: false })[0].inputHash!;
  facts.get('base')!.inRegistry = { inputHash: hash, id: 'sha256:elsewhere' };
  t.deepEqual(planFamily(ORDER, facts, { noCache: false }).map((p) => p.action), ['skip', 'skip', 'skip']);
});
