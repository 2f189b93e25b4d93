/** The schedule over engines (placement.ts) and the simulation that runs it on a virtual clock (simulate.ts). */
import test from 'ava';
import { buildGraph } from '../../lib/images/graph';
import { manyEngines, oneEngine } from '../../lib/images/placement';
import { ENGINE_LOST, runSchedule } from '../../lib/images/schedule';
import { lowerBoundMs, measuredFamilies, simulate, tfShapedFamily, workOnOneCore } from '../../lib/images/simulate';

const graphOf = (members: { name: string; parents: string[] }[]) =>
  buildGraph(members.map((m) => ({ name: m.name, ref: `${m.name}:1`, parentRefs: m.parents.map((p) => `${p}:1`) })));
const demo = () => graphOf([
  { name: 'base', parents: [] }, { name: 'controller', parents: ['base'] }, { name: 'analytics', parents: ['base'] },
  { name: 'agent', parents: ['base'] }, { name: 'kubernetes-agent', parents: ['agent'] }, { name: 'lb', parents: ['base'] },
]);
const tick = () => new Promise((r) => setImmediate(r));

test('placement: a child goes to a free engine holding its parents, else to the one with the most room', (t) => {
  const p = manyEngines([{ name: 'a', jobs: 2 }, { name: 'b', jobs: 2 }, { name: 'c', jobs: 2 }]);
  p.record('base', 'b');
  t.is(p.pick('controller', ['base'], [{ engine: 'a', room: 2 }, { engine: 'b', room: 1 }, { engine: 'c', room: 2 }]), 'b');
  t.is(p.pick('controller', ['base'], [{ engine: 'a', room: 1 }, { engine: 'c', room: 2 }]), 'c', 'the holder is busy: the freest engine pulls');
  t.is(p.pick('x', [], [{ engine: 'a', room: 2 }, { engine: 'c', room: 2 }]), 'a', 'ties: the order listed');
  t.true(p.holds('b', 'base'));
  p.lose('b');
  t.false(p.holds('b', 'base'));
  const one = oneEngine(3);
  t.deepEqual(one.engines, [{ name: 'engine', jobs: 3 }]);
});

test('schedule over engines: each image once, children on their parent\'s engine when it is free, every engine used', async (t) => {
  const g = demo();
  const placement = manyEngines([{ name: 'a', jobs: 1 }, { name: 'b', jobs: 1 }, { name: 'c', jobs: 1 }]);
  const built: string[] = [];
  const r = await runSchedule({ graph: g, jobs: 1, estimateMs: () => 1, placement, work: async (name) => {
    built.push(name);
    await tick();
    return true;
  } });
  t.deepEqual([...built].sort(), [...g.order].sort(), 'each image built once');
  t.deepEqual(new Set(r.engineOf.values()), new Set(['a', 'b', 'c']));
  t.is(r.engineOf.get('kubernetes-agent'), r.engineOf.get('agent'), 'the child went where its parent is');
  t.is(r.engineOf.get('base'), 'a');
});

test('an engine lost mid-run: its image is built again on another, the run completes, the loss is reported', async (t) => {
  const g = demo();
  const placement = manyEngines([{ name: 'a', jobs: 1 }, { name: 'b', jobs: 1 }]);
  const lost: string[] = [];
  const r = await runSchedule({
    graph: g, jobs: 1, estimateMs: () => 1, placement,
    work: async (name, engine) => {
      await tick();
      return engine === 'b' ? ENGINE_LOST : true;
    },
    onEngineLost: (engine, name) => lost.push(`${engine}:${name}`),
  });
  t.is(r.ok.size, g.order.length);
  t.deepEqual([...r.lost], ['b']);
  t.is(lost.length, 1);
  t.true([...r.engineOf.values()].every((e) => e === 'a'));
});

test('every engine lost: what is left fails, naming the engines', async (t) => {
  const r = await runSchedule({
    graph: demo(), jobs: 1, estimateMs: () => 1, placement: manyEngines([{ name: 'a', jobs: 1 }]),
    work: async (name) => (name === 'base' ? true : ENGINE_LOST),
  });
  t.true(r.ok.has('base'));
  t.is(r.failed.size, 5);
  t.regex(String(r.failed.get('lb')), /every engine stopped answering \(a\)/);
});

test('simulation: a chain takes its sum on any number of engines; independent images spread', async (t) => {
  const chain = graphOf([{ name: 'a', parents: [] }, { name: 'b', parents: ['a'] }, { name: 'c', parents: ['b'] }]);
  for (const engines of [1, 2, 4]) {
    const s = await simulate({ graph: chain, buildMs: () => 100, pullMs: () => 0, engines, jobsPerEngine: 1 });
    t.is(s.makespanMs, 300, `${engines} engines`);
  }
  const wide = graphOf(Array.from({ length: 8 }, (_, i) => ({ name: `i${i}`, parents: [] })));
  t.is((await simulate({ graph: wide, buildMs: () => 100, pullMs: () => 0, engines: 1, jobsPerEngine: 2 })).makespanMs, 400);
  t.is((await simulate({ graph: wide, buildMs: () => 100, pullMs: () => 0, engines: 4, jobsPerEngine: 2 })).makespanMs, 100);
});

test('simulation: a pull is paid only where the parent is not held', async (t) => {
  const g = graphOf([{ name: 'base', parents: [] }, { name: 'x', parents: ['base'] }, { name: 'y', parents: ['base'] }]);
  const s = await simulate({ graph: g, buildMs: () => 100, pullMs: () => 10, engines: 2, jobsPerEngine: 1 });
  t.is(s.pulls, 1);
  t.is(s.makespanMs, 210);
});

test('the TF-shaped family: 60 images, general-base, base, 20 components with one to three children; more engines, within the list-scheduling bounds', async (t) => {
  const members = tfShapedFamily();
  t.is(members.length, 60);
  const g = graphOf(members);
  const children = (n: string) => g.nodes.get(n)!.children.length;
  t.true(Array.from({ length: 20 }, (_, i) => children(`component-${i + 1}`)).every((c) => c >= 1 && c <= 3));
  const buildMs = (n: string) => (n.endsWith('base') ? 120_000 : 60_000);
  const work = members.reduce((sum, m) => sum + buildMs(m.name), 0);
  const criticalPath = 120_000 * 2 + 60_000 * 2;
  const spans: number[] = [];
  for (const engines of [1, 2, 4, 8]) {
    const s = await simulate({ graph: g, buildMs, pullMs: () => 5_000, engines, jobsPerEngine: 2 });
    t.is([...s.perEngine.values()].flat().length, 60, 'each image once');
    const slots = engines * 2;
    t.true(s.makespanMs >= Math.max(criticalPath, work / slots), `${engines} engines: ${s.makespanMs} below the lower bound`);
    // Graham's bound for list scheduling, with every pull added to the work and at most two on a chain
    t.true(s.makespanMs <= (work + s.pulls * 5_000) / slots + criticalPath + 2 * 5_000, `${engines} engines: ${s.makespanMs}`);
    spans.push(s.makespanMs);
  }
  t.true(spans[1] < spans[0] && spans[2] < spans[1] && spans[3] <= spans[2], spans.join(' '));
  t.true(spans[2] / spans[0] < 0.4, `4 engines / 1: ${spans[2] / spans[0]}`);
});

test('measured families: the demo as measured, the TF-shaped 60 from its times; pulls priced by the measured push', async (t) => {
  const images = [
    { component: 'base', parents: [], buildMs: 100_000, size: 400 },
    { component: 'controller', parents: ['base'], buildMs: 30_000, size: 500 },
    { component: 'agent', parents: ['base'], buildMs: 20_000, size: 500 },
    { component: 'kubernetes-agent', parents: ['agent'], buildMs: 10_000, size: 600 },
  ];
  const [demoFamily, tf] = measuredFamilies(images, 20_000);
  t.is(demoFamily.members.length, 4);
  t.is(demoFamily.buildMs('agent'), 20_000);
  t.is(demoFamily.pullMs('base'), 4_000, 'its share of the measured push');
  t.is(tf.members.length, 60);
  t.is(tf.buildMs('general-base'), 100_000);
  t.true([30_000, 20_000, 10_000].includes(tf.buildMs('component-7')));
  const graph = graphOf(demoFamily.members);
  const one = await simulate({ graph, buildMs: demoFamily.buildMs, pullMs: demoFamily.pullMs, engines: 1, jobsPerEngine: 1 });
  t.is(one.makespanMs, 160_000);
});

test('placement with cores: a busy holder lets a child go to an idle engine, which pulls; an idle holder keeps it', (t) => {
  const p = manyEngines([{ name: 'a', jobs: 12, cores: 2 }, { name: 'b', jobs: 12, cores: 2 }]);
  p.record('base', 'a');
  t.is(p.pick('x', ['base'], [{ engine: 'a', room: 11 }, { engine: 'b', room: 12 }]), 'a', 'a core to spare on the holder');
  t.is(p.pick('y', ['base'], [{ engine: 'a', room: 10 }, { engine: 'b', room: 12 }]), 'b', 'the holder\'s cores are busy: the idle engine');
  t.is(p.pick('z', ['base'], [{ engine: 'a', room: 10 }, { engine: 'b', room: 10 }]), 'a', 'as loaded: the holder');
});

test('simulation with cores: builds on one engine share its cores; an engine with twelve slots is no faster than its cores', async (t) => {
  const wide = graphOf(Array.from({ length: 8 }, (_, i) => ({ name: `i${i}`, parents: [] })));
  t.is((await simulate({ graph: wide, buildMs: () => 100, pullMs: () => 0, engines: 1, jobsPerEngine: 12, cores: 2 })).makespanMs, 400);
  t.is((await simulate({ graph: wide, buildMs: () => 100, pullMs: () => 0, engines: 4, jobsPerEngine: 12, cores: 2 })).makespanMs, 100);
  const chain = graphOf([{ name: 'a', parents: [] }, { name: 'b', parents: ['a'] }]);
  t.is((await simulate({ graph: chain, buildMs: () => 100, pullMs: () => 30, engines: 2, jobsPerEngine: 12, cores: 2 })).makespanMs, 200, 'an idle holder: no pull');
});

test('work on one core from measured spans: ten builds at once on two cores each advance at a fifth of a core', (t) => {
  const spans = [{ name: 'base', start: 0, end: 10_000 }, ...Array.from({ length: 10 }, (_, i) => ({ name: `c${i}`, start: 10_000, end: 20_000 }))];
  const work = workOnOneCore(spans, 2);
  t.is(work.get('base'), 10_000);
  t.is(work.get('c3'), 2_000);
  t.deepEqual(workOnOneCore([{ name: 'x', start: 0, end: 100 }, { name: 'y', start: 50, end: 150 }], 2), new Map([['x', 100], ['y', 100]]));
});

test('lower bound: the longest chain, or an image\'s earliest end plus its descendants\' work over every core', (t) => {
  const g = graphOf([{ name: 'base', parents: [] }, ...Array.from({ length: 8 }, (_, i) => ({ name: `c${i}`, parents: ['base'] }))]);
  t.is(lowerBoundMs(g, (n) => (n === 'base' ? 100 : 50), 1), 500);
  t.is(lowerBoundMs(g, (n) => (n === 'base' ? 100 : 50), 4), 200);
  t.is(lowerBoundMs(g, (n) => (n === 'base' ? 100 : 50), 100), 150, 'the chain base -> c');
});
