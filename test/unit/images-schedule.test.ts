import test from 'ava';
import { buildGraph } from '../../lib/images/graph';
import { chainWork, criticalPath, estimator, runSchedule } from '../../lib/images/schedule';

/** name -> parents */
const graphOf = (edges: Record<string, string[]>) =>
  buildGraph(Object.entries(edges).map(([name, parents]) => ({ name, ref: `${name}:1`, parentRefs: parents.map((p) => `${p}:1`) })));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const family = () => graphOf({ base: [], controller: ['base'], analytics: ['base'], agent: ['base'], 'k8s-agent': ['agent'], lb: ['base'] });

test('chain work and the critical path follow the heaviest chain', (t) => {
  const w: Record<string, number> = { base: 10, controller: 30, analytics: 5, agent: 10, 'k8s-agent': 25, lb: 1 };
  const chains = chainWork(family(), (n) => w[n]);
  t.is(chains.get('agent')!.ms, 35);
  t.is(chains.get('base')!.ms, 45);
  t.deepEqual(criticalPath(family(), (n) => w[n]), { images: ['base', 'agent', 'k8s-agent'], ms: 45 });
});

test('estimates: last build time, else the mean of the known ones, else 1', (t) => {
  const e = estimator({ a: 100, b: 300 });
  t.is(e('a'), 100);
  t.is(e('zzz'), 200);
  t.is(estimator({})('a'), 1);
});

test('never more than `jobs` at once, children after parents, longest chain first', async (t) => {
  const w: Record<string, number> = { base: 10, controller: 30, analytics: 5, agent: 10, 'k8s-agent': 25, lb: 1 };
  let running = 0;
  let peak = 0;
  const finished: string[] = [];
  const g = family();
  const r = await runSchedule({
    graph: g,
    jobs: 2,
    estimateMs: (n) => w[n],
    work: async (n) => {
      for (const p of g.nodes.get(n)!.parents) t.true(finished.includes(p), `${n} started before ${p} finished`);
      running++;
      peak = Math.max(peak, running);
      await sleep(w[n]);
      running--;
      finished.push(n);
      return true;
    },
  });
  t.is(peak, 2);
  t.is(r.ok.size, 6);
  // after base: agent (chain 35) and controller (30) before analytics (5) and lb (1)
  t.deepEqual(r.started.slice(0, 3), ['base', 'agent', 'controller']);
  t.is(r.started.indexOf('lb'), 5);
});

test('jobs = 1 runs one at a time in priority order', async (t) => {
  const w: Record<string, number> = { base: 1, controller: 1, analytics: 9, agent: 1, 'k8s-agent': 1, lb: 1 };
  const r = await runSchedule({ graph: family(), jobs: 1, estimateMs: (n) => w[n], work: async () => true });
  t.deepEqual(r.started, ['base', 'analytics', 'agent', 'controller', 'k8s-agent', 'lb']);
});

test('a failure blocks its descendants only; other branches go on', async (t) => {
  const blocked: [string, string][] = [];
  const r = await runSchedule({
    graph: family(),
    jobs: 3,
    estimateMs: () => 1,
    work: async (n) => {
      await sleep(5);
      if (n === 'agent') return false;
      if (n === 'lb') throw new Error('boom');
      return true;
    },
    onBlocked: (n, by) => blocked.push([n, by]),
  });
  t.deepEqual([...r.ok].sort(), ['analytics', 'base', 'controller']);
  t.deepEqual([...r.failed.keys()].sort(), ['agent', 'lb']);
  t.is((r.failed.get('lb') as Error).message, 'boom');
  t.deepEqual([...r.blocked], [['k8s-agent', 'agent']]);
  t.deepEqual(blocked, [['k8s-agent', 'agent']]);
});

test('a failed root blocks the whole tree below it, naming the failed image', async (t) => {
  const r = await runSchedule({ graph: family(), jobs: 2, estimateMs: () => 1, work: async (n) => n !== 'base' });
  t.deepEqual(r.started, ['base']);
  t.is(r.blocked.size, 5);
  t.true([...r.blocked.values()].every((b) => b === 'base'));
});

test('an aborted run starts nothing new and lets running work finish', async (t) => {
  const ac = new AbortController();
  const done: string[] = [];
  const r = await runSchedule({
    graph: family(),
    jobs: 2,
    estimateMs: () => 1,
    signal: ac.signal,
    work: async (n) => {
      if (n === 'base') ac.abort();
      await sleep(5);
      done.push(n);
      return true;
    },
  });
  t.deepEqual(done, ['base']);
  t.is(r.cancelled.size, 5);
});
