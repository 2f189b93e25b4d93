import test from 'ava';
import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { acquireWorkLock, lockPath } from '../../lib/lock';
import { memoryLogger } from '../../lib/log';
import { tempDir } from '../helpers/temp';

test('a second run on the same work folder fails at once, naming the first', async (t) => {
  const dir = tempDir();
  const release = await acquireWorkLock(dir, { task: 'all', wait: false, log: memoryLogger() });
  const e = await t.throwsAsync(acquireWorkLock(dir, { task: 'save', wait: false, log: memoryLogger() }));
  t.regex(e!.message, new RegExp(`in use by another run \\(pid ${process.pid} on .*, running 'all' since \\d{4}-`));
  t.regex((e as any).hint, /--wait/);
  release();
  t.false(fs.existsSync(lockPath(dir)));
  const again = await acquireWorkLock(dir, { task: 'save', wait: false, log: memoryLogger() });
  again();
});

test('a lock left by a run that died is taken over with a warning', async (t) => {
  const dir = tempDir();
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  fs.writeFileSync(lockPath(dir), JSON.stringify({ pid: Number(dead), host: os.hostname(), startedAt: '2026-01-01T00:00:00Z', task: 'all' }));
  const log = memoryLogger();
  const release = await acquireWorkLock(dir, { task: 'all', wait: false, log });
  t.regex(log.text(), new RegExp(`pid ${dead} .* is gone; taking over its lock`));
  t.is(JSON.parse(fs.readFileSync(lockPath(dir), 'utf8')).pid, process.pid);
  release();
});

test('--wait waits for the holder to finish', async (t) => {
  const dir = tempDir();
  const release = await acquireWorkLock(dir, { task: 'all', wait: false, log: memoryLogger() });
  const log = memoryLogger();
  let got = false;
  const waiting = acquireWorkLock(dir, { task: 'save', wait: true, log, pollMs: 20 }).then((r) => {
    got = true;
    return r;
  });
  await new Promise((r) => setTimeout(r, 100));
  t.false(got);
  t.regex(log.text(), /is in use by .*; waiting \(--wait\)/);
  release();
  (await waiting)();
  t.true(got);
});

test('waiting ends when the run is interrupted', async (t) => {
  const dir = tempDir();
  const release = await acquireWorkLock(dir, { task: 'all', wait: false, log: memoryLogger() });
  const controller = new AbortController();
  const waiting = acquireWorkLock(dir, { task: 'save', wait: true, log: memoryLogger(), pollMs: 20, signal: controller.signal });
  controller.abort(new Error('stop'));
  await t.throwsAsync(waiting, { message: 'stop' });
  release();
});

test('waiting polls without piling listeners on the run\'s signal', async (t) => {
  const dir = tempDir();
  const release = await acquireWorkLock(dir, { task: 'all', wait: false, log: memoryLogger() });
  const controller = new AbortController();
  let polls = 0;
  const log = memoryLogger();
  const waiting = acquireWorkLock(dir, { task: 'save', wait: true, log, pollMs: 5, signal: controller.signal });
  // 30 polls: each one's listener must be gone before the next
  while (polls < 30) {
    await new Promise((r) => setTimeout(r, 5));
    polls++;
    t.true(getEventListeners(controller.signal, 'abort').length <= 1);
  }
  release();
  (await waiting)();
  t.is(getEventListeners(controller.signal, 'abort').length, 0);
});
