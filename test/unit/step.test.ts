import test from 'ava';
import { createRun } from '../../lib/run';
import { defineStep, flagsHonoured, runStep } from '../../lib/step';
import { memoryLogger } from '../../lib/log';
import type { ResolvedConfig } from '../../lib/config/load';

const run = () => createRun({ config: { jobs: 1 } as ResolvedConfig, log: memoryLogger(false), docker: {} as never });

test('a step runs once per run: its checks first, then its needs side by side, then its work with their results', async (t) => {
  const order: string[] = [];
  const step = <R>(name: string, value: R, extra: object = {}) =>
    defineStep<R>({ name, description: name, ...extra, load: async () => async () => (order.push(name), value) });
  const check = step('check', 'ok');
  const a = step('a', 1);
  const b = step('b', 2);
  const top = defineStep({
    name: 'top', description: 'top', first: { check }, needs: { a, b },
    load: async () => async (_run, needs) => (order.push('top'), needs),
  });
  const r = run();
  t.deepEqual(await runStep(r, top), { check: 'ok', a: 1, b: 2 });
  t.deepEqual(await runStep(r, a), 1);
  t.deepEqual(order, ['check', 'a', 'b', 'top']);
  const again = run();
  await runStep(again, a);
  t.deepEqual(order, ['check', 'a', 'b', 'top', 'a']);
});

test('the flags of a step: its own and those of every step it may run, once each', (t) => {
  const inner = defineStep({ name: 'inner', description: '', flags: ['os', 'jobs'], load: async () => async () => 1 });
  const maybe = defineStep({ name: 'maybe', description: '', flags: ['repo-port'], load: async () => async () => 1 });
  const outer = defineStep({ name: 'outer', description: '', flags: ['jobs', 'registry'], needs: { inner }, mayRun: { maybe }, load: async () => async () => 1 });
  t.deepEqual(flagsHonoured(outer), ['jobs', 'os', 'registry', 'repo-port']);
});

test('a step that fails while another works beside it stops that one through the run\'s signal; a step alone stops nothing', async (t) => {
  const slow = defineStep({
    name: 'slow', description: '',
    load: async () => async (r) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve('finished'), 60_000);
      r.signal.addEventListener('abort', () => (clearTimeout(timer), reject(new Error('cancelled'))));
    }),
  });
  const failing = defineStep({ name: 'failing', description: '', load: async () => async () => { await new Promise((x) => setTimeout(x, 10)); throw new Error('broken input'); } });
  const both = defineStep({ name: 'both', description: '', needs: { slow, failing } });
  const r = createRun({ config: { jobs: 1 } as ResolvedConfig, log: memoryLogger(false), docker: {} as never });
  await t.throwsAsync(runStep(r, both), { message: 'broken input' });
  t.true(r.signal.aborted);
  t.is((r.signal.reason as Error).message, 'broken input');
  await t.throwsAsync(runStep(r, slow), { message: 'cancelled' });
  t.regex((r.log as ReturnType<typeof memoryLogger>).text(), /failing failed: stopping slow/);

  const alone = createRun({ config: { jobs: 1 } as ResolvedConfig, log: memoryLogger(false), docker: {} as never });
  await t.throwsAsync(runStep(alone, failing));
  t.false(alone.signal.aborted);
});

test('a run\'s intent is declared where it is made: build unless told', (t) => {
  t.is(run().intent, 'build');
  t.is(createRun({ config: { jobs: 1 } as ResolvedConfig, log: memoryLogger(false), docker: {} as never, intent: 'push' }).intent, 'push');
});
