/**
 * A pipeline left running at night, through the real CLI: interrupted (SIGINT, SIGTERM), run twice
 * on one work folder, run side by side. Versions t-night-*, repo ports 18600-18619, gates
 * (ports the slow image's build waits on) 18640-18649 are this file's own.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { docker } from '../helpers/docker';
import { waitFor } from '../helpers/engine';
import { startGulp } from '../helpers/gulp';
import { gate, leftovers, nightFamily, removeNightFamily, type NightFamily } from '../helpers/nightFamily';
import { tempDir } from '../helpers/temp';

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

test.serial('SIGTERM while saving: exit 130, no partial archive in the save folder; saving again completes', async (t) => {
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
  t.deepEqual(fs.readdirSync(saveDir).sort(), ['SHA256SUMS', `contrail-ansible-${f.version}.tar.gz`, `contrail-images-debian12-${f.version}.tar.gz`, 'manifest.json']);
  t.is(spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: saveDir }).status, 0);
});
