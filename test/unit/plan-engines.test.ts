import test from 'ava';
import { buildGraph } from '../../lib/images/graph';
import { placeBuilds } from '../../lib/plan/enginePlan';

const graph = (members: { name: string; parents: string[] }[]) =>
  buildGraph(members.map((m) => ({ name: m.name, ref: `${m.name}:1`, parentRefs: m.parents.map((p) => `${p}:1`) })));

const family = graph([
  { name: 'base', parents: [] },
  ...['a', 'b', 'c', 'd', 'e'].map((n) => ({ name: n, parents: ['base'] })),
]);

test('plan over engines: every image to build gets an engine, spread once the first is full; skipped ones get none', async (t) => {
  const builds = new Set(['base', 'a', 'b', 'c', 'd', 'e']);
  const at = await placeBuilds(family, builds, [{ name: 'one', jobs: 1 }, { name: 'two', jobs: 2 }], () => 1000);
  t.deepEqual([...at.keys()].sort((x, y) => x.localeCompare(y)), [...builds].sort((x, y) => x.localeCompare(y)));
  t.deepEqual(new Set(at.values()), new Set(['one', 'two']));

  // base up to date: only the children are placed
  const children = await placeBuilds(family, new Set(['a', 'b']), [{ name: 'one', jobs: 1 }, { name: 'two', jobs: 1 }], () => 1000);
  t.false(children.has('base'));
  t.deepEqual(new Set(children.values()), new Set(['one', 'two']));
});
