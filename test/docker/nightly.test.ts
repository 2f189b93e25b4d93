/**
 * A pipeline left running at night, through the real CLI: interrupted (SIGINT, SIGTERM), run twice
 * on one work folder, run side by side. Versions t-night-*, repo ports 18600-18619, gates
 * (ports the slow image's build waits on) 18640-18649 are this file's own.
 */
import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { GalaxyContainer } from '../../lib/ansible/galaxyContainer';
import { execIn } from '../../lib/docker/exec';
import { LABELS } from '../../lib/docker/labels';
import { builderImageRef } from '../../lib/naming';
import { DEMO_CONFIG, demoBaseImage, docker } from '../helpers/docker';
import { demoSources } from '../helpers/demoSources';
import { copyImage, startTestEngine, type TestEngine, waitFor } from '../helpers/engine';
import { startGulp } from '../helpers/gulp';
import { gate, leftovers, nightFamily, removeNightFamily, type NightFamily } from '../helpers/nightFamily';
import { tempDir } from '../helpers/temp';
import { oneOf, removeDanglingAfter } from '../helpers/leftovers';

removeDanglingAfter(test, oneOf(/^t-night-/));

/** the second engine (stopped and started by a test); its data root is kept between runs */
const ENGINE_PORT = 18710;

const families: NightFamily[] = [];
async function family(name: string, repoPort: number, gatePort: number): Promise<NightFamily> {
  const f = await nightFamily({ name, repoPort, gatePort });
  families.push(f);
  await removeNightFamily(docker, f);
  return f;
}

test.after.always(async () => {
  for (const f of families) await removeNightFamily(docker, f);
});

const containerId = async (name: string) => (await docker.getContainer(name).inspect()).Id;
const running = async (name: string) => (await docker.getContainer(name).inspect()).State.Running;

test.serial('SIGINT during a build: cancelled, container removed, nothing partial, repo kept, exit 130; the next run continues', async (t) => {
  const f = await family('int', 18601, 18641);
  const g = gate(f.gatePort);
  t.teardown(() => g.close());

  const first = startGulp(f.args());
  await first.waitForOutput(/lb: built/);
  await waitFor(async () => (await f.gated(docker)).length === 1, 60_000, () => `the slow build did not start:\n${first.output()}`);
  const repoId = await containerId(f.repoContainer);
  const signalled = Date.now();
  first.child.kill('SIGINT');
  const r = await first.done;
  const out = r.stdout + r.stderr;
  t.is(r.code, 130, out);
  t.true(Date.now() - signalled < 15_000, `exited ${Date.now() - signalled} ms after SIGINT`);
  t.regex(out, /SIGINT: interrupting buildImages; cancelling builds and removing their containers/);
  t.regex(out, /slow: interrupted after/);
  t.regex(out, /interrupted by SIGINT/);
  // the engine removes the cancelled build's container
  await waitFor(async () => (await f.gated(docker)).length === 0, 15_000, () => 'the cancelled build left its container');
  t.deepEqual(leftovers(f.workDir), []);
  t.false(fs.existsSync(path.join(f.workDir, '.lock')), 'the lock was released');
  t.deepEqual(f.summary().images.map((i) => [i.component, i.status, i.status === 'failed' ? i.reason : '']),
    [['base', 'built', ''], ['lb', 'built', ''], ['slow', 'failed', 'interrupted']]);
  t.is(await containerId(f.repoContainer), repoId, 'the repo container is the same');
  t.true(await running(f.repoContainer));

  await g.open();
  const second = await startGulp(f.args()).done;
  const out2 = second.stdout + second.stderr;
  t.is(second.code, 0, out2);
  t.regex(out2, /contrail-repo: http:\/\/127\.0\.0\.1:18601 already serves \d+ packages \(reused/);
  t.deepEqual(f.summary().images.map((i) => [i.component, i.status]), [['base', 'skipped'], ['lb', 'skipped'], ['slow', 'built']]);
  t.is(await containerId(f.repoContainer), repoId);
  t.deepEqual(leftovers(f.workDir), []);
});

test.serial('SIGTERM while saving: exit 130, no partial archive in the save folder; saving again completes; a full save folder fails clearly, nothing partial', async (t) => {
  const f = await family('save', 18602, 18642);
  const g = gate(f.gatePort);
  t.teardown(() => g.close());
  await g.open();
  const saveDir = tempDir('contrail-night-save-');
  const saving = startGulp(f.args('save', '--save-dir', saveDir));
  await waitFor(() => fs.readdirSync(saveDir).some((n) => n.startsWith('.tmp-')), 120_000, () => `the archive was not started:\n${saving.output()}`);
  const signalled = Date.now();
  saving.child.kill('SIGTERM');
  const r = await saving.done;
  const out = r.stdout + r.stderr;
  t.is(r.code, 130, out);
  t.true(Date.now() - signalled < 15_000, `exited ${Date.now() - signalled} ms after SIGTERM`);
  t.regex(out, /SIGTERM: interrupting saveImages/);
  t.deepEqual(fs.readdirSync(saveDir), []);
  t.deepEqual(leftovers(f.workDir), []);

  const again = await startGulp(f.args('save', '--save-dir', saveDir)).done;
  t.is(again.code, 0, again.stdout + again.stderr);
  t.deepEqual(fs.readdirSync(saveDir).sort(), ['SHA256SUMS', `contrail-ansible-${f.version}.tar.gz`, `contrail-images-debian12-${f.version}.tar.gz`, 'manifest.json', 'provenance', 'sbom']);
  t.is(spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: saveDir }).status, 0);

  // a save folder that fills up (a 4 MiB tmpfs): one clear error, exit 1, no partial archive
  const small = tempDir('contrail-night-full-');
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', small], { encoding: 'utf8' });
  t.is(mount.status, 0, mount.stderr);
  t.teardown(() => void spawnSync('umount', [small]));
  const full = await startGulp(f.args('save', '--save-dir', small)).done;
  const out3 = full.stdout + full.stderr;
  t.is(full.code, 1, out3);
  t.regex(out3, new RegExp(`save folder ${small} is full: writing contrail-images-debian12-${f.version}\\.tar\\.gz failed \\(no space left on device\\); no partial file was left`));
  t.deepEqual(fs.readdirSync(small), []);
});

test.serial('two runs on one work folder: the second fails at once naming the first, or waits with --wait; a dead run\'s lock is taken over', async (t) => {
  const f = await family('lock', 18603, 18643);
  const g = gate(f.gatePort);
  t.teardown(() => g.close());
  const first = startGulp(f.args());
  await waitFor(async () => (await f.gated(docker)).length === 1, 120_000, () => `the slow build did not start:\n${first.output()}`);
  const holder = JSON.parse(fs.readFileSync(path.join(f.workDir, '.lock'), 'utf8'));
  t.is(holder.pid, first.pid);

  const second = await startGulp(f.args('buildImages')).done;
  const out2 = second.stdout + second.stderr;
  t.is(second.code, 1, out2);
  t.true(second.ms < 30_000, `took ${second.ms} ms`);
  t.true(out2.includes(`work folder ${f.workDir} is in use by another run (pid ${first.pid} on ${os.hostname()}, running '${holder.task}' since ${holder.startedAt})`), out2);
  t.regex(out2, /hint: wait for it to finish, run again with --wait/);
  t.notRegex(out2, /building|contrail-repo:/);

  const waiting = startGulp(f.args('--wait'));
  await waiting.waitForOutput(new RegExp(`is in use by pid ${first.pid} .*; waiting \\(--wait\\)`));
  t.is((await f.gated(docker)).length, 1, 'the first run is still building');
  await g.open();
  const r1 = await first.done;
  t.is(r1.code, 0, r1.stdout + r1.stderr);
  const r3 = await waiting.done;
  const out3 = r3.stdout + r3.stderr;
  t.is(r3.code, 0, out3);
  t.regex(out3, /slow: skipped, up to date/);
  t.notRegex(out3, /MaxListenersExceeded/);
  t.deepEqual(f.summary().images.map((i) => i.status), ['skipped', 'skipped', 'skipped']);

  // a lock whose run died (no such process any more)
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  fs.writeFileSync(path.join(f.workDir, '.lock'), JSON.stringify({ pid: Number(dead), host: os.hostname(), startedAt: '2026-01-01T00:00:00.000Z', task: 'all' }));
  const stale = await startGulp(f.args('plan')).done;
  const out4 = stale.stdout + stale.stderr;
  t.is(stale.code, 0, out4);
  t.true(out4.includes(`work folder ${f.workDir}: the run that locked it (pid ${dead} on ${os.hostname()}, running 'all' since 2026-01-01T00:00:00.000Z) is gone; taking over its lock`), out4);
  t.false(fs.existsSync(path.join(f.workDir, '.lock')));
});

test.serial('two runs with different work folders and repo ports build side by side, and both succeed', async (t) => {
  const [a, b] = [await family('a', 18604, 18644), await family('b', 18605, 18645)];
  const gates = [gate(a.gatePort), gate(b.gatePort)];
  t.teardown(() => Promise.all(gates.map((g) => g.close())));
  const runs = [startGulp(a.args()), startGulp(b.args())];
  // both builds at their gate at the same time: the runs overlap for real
  await waitFor(async () => (await a.gated(docker)).length === 1 && (await b.gated(docker)).length === 1, 180_000,
    () => `the two slow builds were not running together:\n${runs.map((r) => r.output()).join('\n----\n')}`);
  await Promise.all(gates.map((g) => g.open()));
  const results = await Promise.all(runs.map((r) => r.done));
  for (const [i, f] of [a, b].entries()) {
    t.is(results[i].code, 0, results[i].stdout + results[i].stderr);
    t.deepEqual(f.summary().images.map((x) => [x.component, x.status]), [['base', 'built'], ['lb', 'built'], ['slow', 'built']]);
    t.true(await running(f.repoContainer), f.repoContainer);
    t.regex(results[i].stdout, new RegExp(`contrail-repo: http://127\\.0\\.0\\.1:${f.repoPort} serves`));
  }
});

test('commands in containers and the ansible-galaxy container leave no listener on the run\'s signal; an interrupt ends a command', async (t) => {
  const controller = new AbortController();
  const { signal } = controller;
  const box = await GalaxyContainer.start(docker, 'debian:bookworm', {
    network: 'host', labels: { 'org.opencontrail.build.test': 't-night-listeners' }, logFile: path.join(tempDir(), 'galaxy.log'), signal,
  });
  t.teardown(() => box.remove());
  // more commands than Node's default limit of 10 listeners
  for (let i = 0; i < 15; i++) t.is(await execIn(box.container, ['true'], { signal }), 0);
  t.is(getEventListeners(signal, 'abort').length, 1, 'only the container\'s own (removed with it)');
  const sleeping = execIn(box.container, ['sleep', '60'], { signal });
  const started = Date.now();
  setTimeout(() => controller.abort(new Error('interrupted by SIGINT')), 300);
  await t.throwsAsync(sleeping, { message: 'interrupted' });
  t.true(Date.now() - started < 10_000);
  await waitFor(async () => {
    try {
      await box.container.inspect();
      return false;
    } catch {
      return true;
    }
  }, 15_000, () => 'the interrupt did not remove the container');
  await box.remove();
  t.is(getEventListeners(signal, 'abort').length, 0);
});

test.serial('the repo container dies during the builds: the failure names the repo and that it is not running; the next run starts it and completes', async (t) => {
  const f = await family('repo', 18606, 18646);
  const g = gate(f.gatePort);
  t.teardown(() => g.close());
  const first = startGulp(f.args());
  await first.waitForOutput(/lb: built/);
  await waitFor(async () => (await f.gated(docker)).length === 1, 120_000, () => `the slow build did not start:\n${first.output()}`);
  await docker.getContainer(f.repoContainer).kill();
  await g.open();
  const r = await first.done;
  const out = r.stdout + r.stderr;
  t.is(r.code, 1, out);
  const reason = new RegExp(`the contrail repo container ${f.repoContainer} \\(http://127\\.0\\.0\\.1:${f.repoPort}\\) is not running: exited \\(exit code 137, at \\S+\\), so the image's packages could not be installed`);
  t.regex(out, new RegExp(`slow: FAILED after [^:]+: ${reason.source}`));
  const slow = f.summary().images.find((i) => i.component === 'slow')!;
  t.is(slow.status, 'failed');
  t.regex(slow.reason!, reason);
  t.regex(slow.reason!, /docker build: /, 'what the build said is kept');

  const again = await startGulp(f.args()).done;
  const out2 = again.stdout + again.stderr;
  t.is(again.code, 0, out2);
  t.regex(out2, new RegExp(`contrail-repo: http://127\\.0\\.0\\.1:${f.repoPort} serves \\d+ packages \\(started`));
  t.deepEqual(f.summary().images.map((i) => [i.component, i.status]), [['base', 'skipped'], ['lb', 'skipped'], ['slow', 'built']]);
});

test.serial('the Docker engine stops mid-build: the running image fails naming the engine, nothing reported built that was not; engine back, the next run completes', async (t) => {
  await demoBaseImage();
  let engine = await startTestEngine(ENGINE_PORT);
  t.teardown(() => engine.stop());
  await copyImage(docker, engine.docker, 'debian:bookworm');
  const f = await nightFamily({ name: 'engine', repoPort: 18607, gatePort: 18647 });
  // the engine's data root is kept between test runs (warm); the slow image must be built again,
  // and a build container an earlier killed engine left behind must not pass for this run's
  for (const c of await f.gated(engine.docker)) await engine.docker.getContainer(c.Id).remove({ force: true });
  try {
    await engine.docker.getImage(f.ref('slow')).remove({ force: true });
  } catch {
    /* not there */
  }
  const g = gate(f.gatePort);
  t.teardown(() => g.close());
  const env = { DOCKER_HOST: engine.host };

  const first = startGulp(f.args(), env);
  await waitFor(async () => (await f.gated(engine.docker)).length === 1, 300_000, () => `the slow build did not start:\n${first.output()}`);
  const killed = Date.now();
  await engine.kill();
  const r = await first.done;
  const out = r.stdout + r.stderr;
  t.is(r.code, 1, out);
  t.true(Date.now() - killed < 30_000, `ended ${Date.now() - killed} ms after the engine died`);
  const engineGone = new RegExp(`the Docker engine stopped answering during the build: no Docker engine answers at tcp://127\\.0\\.0\\.1:${ENGINE_PORT} \\(E[A-Z]+\\); start it again and rerun`);
  t.regex(out, new RegExp(`slow: FAILED after [^:]+: ${engineGone.source}`));
  const summary = f.summary();
  const slow = summary.images.find((i) => i.component === 'slow')!;
  t.is(slow.status, 'failed');
  t.regex(slow.reason!, engineGone);
  t.false(summary.ok);

  engine = await startTestEngine(ENGINE_PORT);
  // what the summary calls built or skipped is there, with the id it says
  for (const i of summary.images.filter((x) => x.status === 'built' || x.status === 'skipped')) {
    t.is(await imageIdIn(engine, i.ref), i.id, i.ref);
  }
  t.is(await imageIdIn(engine, f.ref('slow')), null);
  await g.open();
  const again = await startGulp(f.args(), env).done;
  const out2 = again.stdout + again.stderr;
  t.is(again.code, 0, out2);
  t.regex(out2, new RegExp(`contrail-repo: http://127\\.0\\.0\\.1:${f.repoPort} serves \\d+ packages \\(started`));
  // what the first run finished is skipped; what the engine's death cut short (slow, and lb when it was running too) is built
  t.deepEqual(f.summary().images.map((i) => [i.component, i.status]),
    summary.images.map((i) => [i.component, i.status === 'failed' || i.status === 'blocked' ? 'built' : 'skipped']));
  t.truthy(await imageIdIn(engine, f.ref('slow')));
  t.is(await imageIdIn(undefined, f.ref('slow')), null, 'nothing was built on the main engine');
});

async function imageIdIn(engine: TestEngine | undefined, ref: string): Promise<string | null> {
  try {
    return (await (engine?.docker ?? docker).getImage(ref).inspect()).Id;
  } catch {
    return null;
  }
}

test.serial('SIGINT during packageBuild: exit 130, the builder container removed, nothing partial; the next run skips the sources already built', async (t) => {
  await Promise.all([demoBaseImage(), demoSources()]);
  const workDir = tempDir('contrail-night-pkg-');
  const version = 't-night-pkg';
  t.teardown(() => docker.getImage(builderImageRef('debian12', version)).remove({ force: true }).catch(() => {}));
  const args = ['packageBuild', '--config', DEMO_CONFIG, '--work-dir', workDir, '--contrail-version', version];
  const builders = async () => docker.listContainers({ all: true, filters: { label: [`${LABELS.workDir}=${workDir}`] } });
  const first = startGulp(args);
  // the demo's plain source first, then its sandbox, whose build is interrupted
  await first.waitForOutput(/packageBuild: contrail-vcenter-plugin: built/, 300_000);
  await first.waitForOutput(/packageBuild: contrail \(2\/2\): building/);
  const signalled = Date.now();
  first.child.kill('SIGINT');
  const r = await first.done;
  const out = r.stdout + r.stderr;
  t.is(r.code, 130, out);
  t.true(Date.now() - signalled < 15_000, `exited ${Date.now() - signalled} ms after SIGINT`);
  t.regex(out, /SIGINT: interrupting packageBuild/);
  await waitFor(async () => (await builders()).length === 0, 15_000, () => 'the builder container is still there');
  t.deepEqual(leftovers(workDir), []);
  const built = JSON.parse(fs.readFileSync(path.join(workDir, 'packages', 'manifest.json'), 'utf8')).sources.map((s: { name: string }) => s.name);
  t.deepEqual(built, ['contrail-vcenter-plugin']);

  const again = await startGulp(args).done;
  const out2 = again.stdout + again.stderr;
  t.is(again.code, 0, out2);
  for (const name of built) t.regex(out2, new RegExp(`packageBuild: ${name}: unchanged, skipped`));
  t.is(JSON.parse(fs.readFileSync(path.join(workDir, 'packages', 'manifest.json'), 'utf8')).sources.length, 2);
  t.is((await builders()).length, 0);
});
