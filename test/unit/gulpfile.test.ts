import test from 'ava';
import { runGulp } from '../helpers/gulp';

const TASKS = ['all', 'buildImages', 'clean', 'contrailAnsible', 'contrailRepo', 'default', 'packageBuild', 'plan', 'prep', 'push', 'save'];

test('gulp --tasks-json lists every task with a description (WebStorm)', async (t) => {
  const r = await runGulp(['--tasks-json']);
  t.is(r.code, 0, r.stderr);
  const tree = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
  const nodes = tree.nodes as { label: string; description?: string; flags?: Record<string, string> }[];
  t.deepEqual(nodes.map((n) => n.label).sort(), TASKS);
  for (const n of nodes) {
    t.truthy(n.description, `${n.label} has a description`);
    t.truthy(n.flags?.['--config FILE'], `${n.label} lists --config`);
  }
  t.truthy(nodes.find((n) => n.label === 'push')!.flags!['--registry VALUE']);
});

test('gulp --tasks-simple prints the task names and nothing on stderr (VS Code)', async (t) => {
  const r = await runGulp(['--tasks-simple']);
  t.is(r.code, 0);
  t.deepEqual(r.stdout.trim().split('\n').sort(), TASKS);
  t.is(r.stderr, '');
});

test('gulp --tasks answers in well under a second', async (t) => {
  const r = await runGulp(['--tasks']);
  t.is(r.code, 0);
  t.true(r.ms < 3000, `took ${r.ms} ms`); // generous for a loaded CI machine; ~0.5 s here
});

test('bad input exits 2 before any Docker work, with one clear message', async (t) => {
  const r = await runGulp(['all', '--config', 'examples/demo/config.json', '--jobs', 'lots'], { DOCKER_HOST: 'unix:///nonexistent.sock' });
  t.is(r.code, 2);
  t.regex(r.stdout + r.stderr, /flag --jobs must be a whole number, got "lots"/);
  t.notRegex(r.stdout + r.stderr, /Docker engine|    at /);
});
