import test from 'ava';
import { isPipelineError } from '../../lib/errors';
import { buildGraph, descendants, familyLookalike, subgraph, withAncestors } from '../../lib/images/graph';

const ref = (n: string) => `contrail-${n}-debian12:1`;
const family = () =>
  buildGraph([
    { name: 'controller', ref: ref('controller'), parentRefs: [ref('base')] },
    { name: 'base', ref: ref('base'), parentRefs: ['debian:bookworm'] },
    { name: 'agent', ref: ref('agent'), parentRefs: [ref('base')] },
    { name: 'kubernetes-agent', ref: ref('kubernetes-agent'), parentRefs: [ref('agent'), 'busybox'] },
  ]);

test('parents from FROM references; others are external', (t) => {
  const g = family();
  t.deepEqual(g.nodes.get('base')!.parents, []);
  t.deepEqual(g.nodes.get('base')!.external, ['debian:bookworm']);
  t.deepEqual(g.nodes.get('kubernetes-agent')!.parents, ['agent']);
  t.deepEqual(g.nodes.get('kubernetes-agent')!.external, ['busybox']);
  t.deepEqual(g.nodes.get('base')!.children, ['agent', 'controller']);
  t.deepEqual(g.order, ['base', 'agent', 'controller', 'kubernetes-agent']);
});

test('a reference without a tag matches :latest', (t) => {
  const g = buildGraph([
    { name: 'a', ref: 'x:latest', parentRefs: [] },
    { name: 'b', ref: 'y:1', parentRefs: ['x'] },
  ]);
  t.deepEqual(g.nodes.get('b')!.parents, ['a']);
});

test('a selection pulls in its ancestors, not its descendants', (t) => {
  const g = family();
  t.deepEqual([...withAncestors(g, ['kubernetes-agent'])].sort(), ['agent', 'base', 'kubernetes-agent']);
  t.deepEqual([...withAncestors(g, ['controller'])].sort(), ['base', 'controller']);
  t.is(withAncestors(g, null).size, 4);
  const sub = subgraph(g, withAncestors(g, ['controller']));
  t.deepEqual(sub.order, ['base', 'controller']);
  t.deepEqual(sub.nodes.get('base')!.children, ['controller']);
  const e = t.throws(() => withAncestors(g, ['nope']));
  t.regex(e!.message, /image "nope" is selected but the config does not define it/);
});

test('descendants', (t) => {
  t.deepEqual([...descendants(family(), 'base')].sort(), ['agent', 'controller', 'kubernetes-agent']);
  t.deepEqual([...descendants(family(), 'controller')], []);
});

test('a cycle is one input error that shows it', (t) => {
  const e = t.throws(() =>
    buildGraph([
      { name: 'a', ref: ref('a'), parentRefs: [ref('c')] },
      { name: 'b', ref: ref('b'), parentRefs: [ref('a')] },
      { name: 'c', ref: ref('c'), parentRefs: [ref('b')] },
      { name: 'd', ref: ref('d'), parentRefs: [] },
    ]),
  );
  t.true(isPipelineError(e));
  t.is((e as any).kind, 'input');
  t.regex(e!.message, /form a cycle: contrail-a-debian12:1 -> contrail-b-debian12:1 -> contrail-c-debian12:1 -> contrail-a-debian12:1/);
  const self = t.throws(() => buildGraph([{ name: 'a', ref: ref('a'), parentRefs: [ref('a')] }]));
  t.regex(self!.message, /cycle: contrail-a-debian12:1 -> contrail-a-debian12:1/);
});

test('a parent that looks like a family image the config lacks', (t) => {
  t.is(familyLookalike('contrail-kube-manager-debian12:1', 'debian12', '1'), 'kube-manager');
  t.is(familyLookalike('contrail-x-ubuntu16.04:4.0.0.0-20', 'ubuntu16.04', '4.0.0.0-20'), 'x');
  t.is(familyLookalike('contrail-x-debian12:2', 'debian12', '1'), null);
  t.is(familyLookalike('debian:bookworm', 'debian12', '1'), null);
});
