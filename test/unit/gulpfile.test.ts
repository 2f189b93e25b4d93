import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, runGulp } from '../helpers/gulp';
import { tempDir } from '../helpers/temp';

const TASKS = ['all', 'buildImages', 'ci', 'clean', 'contrailAnsible', 'contrailRepo', 'default', 'packageBuild', 'plan', 'prep', 'publish', 'push', 'pushPrep', 'save', 'sbomDiff'];

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

test('gulp --tasks loads no Docker, git, tar or schema library (it answers in well under a second)', async (t) => {
  // What made listing slow was loading dockerode (grpc, protobuf, ssh2), ajv, yaml and tar;
  // npm run bench times it. Here: none of them is loaded.
  const out = path.join(tempDir(), 'modules.txt');
  const r = await runGulp(['--tasks'], {
    NODE_OPTIONS: `-r ${path.join(ROOT, 'test', 'fixtures', 'record-modules.js')}`,
    RECORD_MODULES: out,
  });
  t.is(r.code, 0, r.stderr);
  const loaded = fs.readFileSync(out, 'utf8').split('\n');
  for (const heavy of ['dockerode', 'docker-modem', 'simple-git', 'ajv', 'yaml', 'tar', 'del']) {
    t.false(loaded.some((m) => m.includes(`/node_modules/${heavy}/`)), `${heavy} is loaded`);
  }
});

test('bad input exits 2 before any Docker work, with one clear message', async (t) => {
  const r = await runGulp(['all', '--config', 'examples/demo/config.json', '--jobs', 'lots'], { DOCKER_HOST: 'unix:///nonexistent.sock' });
  t.is(r.code, 2);
  t.regex(r.stdout + r.stderr, /flag --jobs must be a whole number, got "lots"/);
  t.notRegex(r.stdout + r.stderr, /Docker engine|    at /);
});

test('gulp --tasks-json lists, for the tasks that run prep, every flag they honour (their own and their steps\')', async (t) => {
  const r = await runGulp(['--tasks-json']);
  t.is(r.code, 0, r.stderr);
  const nodes = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).nodes as { label: string; flags: Record<string, string> }[];
  const flagsOf = (label: string) => Object.keys(nodes.find((n) => n.label === label)!.flags).map((f) => f.split(' ')[0]);
  const prep = ['--os-family', '--packages-tar', '--packages-dir', '--packages-url', '--repo-port', '--ansible-artifact', '--ansible-repo', '--ansible-ref'];
  const build = ['--contrail-version', '--os', '--images', '--jobs', '--work-dir', '--no-cache', '--cache-registry', '--config', '--wait'];
  for (const task of ['all', 'buildImages', 'plan', 'save', 'push']) {
    for (const f of [...prep, ...build]) t.true(flagsOf(task).includes(f), `${task} lists ${f}`);
  }
  for (const f of ['--save-dir', '--per-image']) t.true(flagsOf('save').includes(f), `save lists ${f}`);
  for (const f of ['--registry', '--registry-user']) t.true(flagsOf('push').includes(f), `push lists ${f}`);
  t.false(flagsOf('buildImages').includes('--registry'));
  t.deepEqual(flagsOf('packageBuild').sort(), ['--cache-registry', '--config', '--contrail-version', '--os', '--os-family', '--wait', '--work-dir']);
});
