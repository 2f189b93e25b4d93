/**
 * save against the real engine: small images labelled like the family, saved, checked, loaded back.
 * Version t-ship-save is this file's own.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { LABELS } from '../../lib/docker/labels';
import { memoryLogger } from '../../lib/log';
import { parseSha256Sums, type SaveManifest } from '../../lib/save/manifest';
import { saveAll, type SaveRequest } from '../../lib/save/saveAll';
import type { ShipImage } from '../../lib/ship';
import type { AnsibleResult } from '../../lib/steps';
import { removeImage } from '../helpers/docker';
import { runGulp } from '../helpers/gulp';
import { tempDir } from '../helpers/temp';
import { buildTinyImage, imageId } from '../helpers/tinyImages';
import { docker } from '../helpers/docker';
import { oneOf, removeDanglingAfter } from '../helpers/leftovers';

removeDanglingAfter(test, oneOf('t-ship-save'));

const VERSION = 't-ship-save';
let images: ShipImage[] = [];
let ansible: AnsibleResult;

test.before(async () => {
  images = [];
  for (const component of ['base', 'controller', 'agent']) images.push(await buildTinyImage({ component, version: VERSION }));
  images.push(await buildTinyImage({ component: 'repo', version: VERSION, role: 'repo' }));
  const dir = tempDir();
  const artifact = path.join(dir, `contrail-ansible-${VERSION}.tar.gz`);
  fs.writeFileSync(artifact, crypto.randomBytes(2048));
  ansible = { artifact, sha256: crypto.createHash('sha256').update(fs.readFileSync(artifact)).digest('hex'), commit: 'c0ffee1234', manifest: '' };
});

test.after.always(async () => {
  for (const i of images) await removeImage(i.ref);
  // the images replaced by rebuilds, untagged since
  for (const i of await docker.listImages({ filters: { label: [`${LABELS.version}=${VERSION}`] } })) await removeImage(i.Id);
});

const request = (dir: string | null, over: Partial<SaveRequest> = {}): SaveRequest => ({
  dir, os: 'debian12', version: VERSION, perImage: false, gzipLevel: 1, images, ansible, log: memoryLogger(!!process.env.TEST_ECHO), ...over,
});

const archive = `contrail-images-debian12-${VERSION}.tar.gz`;

function docker_load(file: string): string {
  const r = spawnSync('docker', ['load', '-i', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker load ${file}: ${r.stderr}`);
  return r.stdout;
}

test.serial('save: one archive, the ansible artifact, manifest.json and SHA256SUMS that sha256sum -c accepts', async (t) => {
  const dir = path.join(tempDir(), 'out');
  // streamed end to end: the engine's tar (well over 100 MiB here) never sits in memory
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
  const result = await saveAll(docker, request(dir)).finally(() => clearInterval(sampler));
  const tarBytes = images.reduce((s, i) => Math.max(s, i.size ?? 0), 0);
  t.true(tarBytes > 100 << 20, `the base alone is ${tarBytes} bytes`);
  t.true(rssPeak - rssBefore < 48 << 20, `memory grew by ${(rssPeak - rssBefore) >> 20} MiB while saving`);
  t.deepEqual(fs.readdirSync(dir).sort(), [`contrail-ansible-${VERSION}.tar.gz`, archive, 'SHA256SUMS', 'manifest.json'].sort());
  t.true(Object.values(result.files).every((s) => s === 'written'));
  const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
  t.is(check.status, 0, check.stdout + check.stderr);
  t.deepEqual(Object.keys(parseSha256Sums(fs.readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8'))).sort(),
    [`contrail-ansible-${VERSION}.tar.gz`, archive, 'manifest.json'].sort());
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as SaveManifest;
  t.is(m.version, VERSION);
  t.is(m.os, 'debian12');
  t.deepEqual(m.ansible, { file: `contrail-ansible-${VERSION}.tar.gz`, sha256: ansible.sha256, commit: 'c0ffee1234' });
  t.deepEqual(m.images.map((i) => [i.component, i.ref, i.tags, i.id, i.inputHash, i.size, i.archive]),
    images.map((i) => [i.component, i.ref, [i.ref], i.id, i.inputHash, i.size, archive]));
  t.is(m.archives[0].size, fs.statSync(path.join(dir, archive)).size);
});

test.serial('save: again with nothing changed rewrites nothing; a rebuilt image rewrites the archive', async (t) => {
  const dir = tempDir();
  await saveAll(docker, request(dir));
  const before = fs.statSync(path.join(dir, archive));
  const again = await saveAll(docker, request(dir));
  t.deepEqual(again.files, { [archive]: 'unchanged', [`contrail-ansible-${VERSION}.tar.gz`]: 'unchanged', 'manifest.json': 'unchanged', SHA256SUMS: 'unchanged' });
  const after = fs.statSync(path.join(dir, archive));
  t.is(after.ino, before.ino);
  t.is(after.mtimeMs, before.mtimeMs);

  // a corrupted archive is not trusted because the manifest says so
  fs.appendFileSync(path.join(dir, archive), 'x');
  t.is((await saveAll(docker, request(dir))).files[archive], 'written');

  const rebuilt = await buildTinyImage({ component: 'agent', version: VERSION });
  images = images.map((i) => (i.component === 'agent' ? rebuilt : i));
  const third = await saveAll(docker, request(dir));
  t.is(third.files[archive], 'written');
  t.is(third.files['manifest.json'], 'written');
  t.is(third.manifest.images.find((i) => i.component === 'agent')!.id, rebuilt.id);
  t.is(spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir }).status, 0);
});

test.serial('save: one archive is smaller than the per-image archives together, and both load back with the same ids', async (t) => {
  const one = tempDir();
  const per = tempDir();
  await saveAll(docker, request(one));
  const perResult = await saveAll(docker, request(per, { perImage: true }));
  const perFiles = images.map((i) => `contrail-${i.component}-debian12-${VERSION}.tar.gz`);
  t.deepEqual(Object.keys(perResult.files).filter((f) => f.startsWith('contrail-') && !f.startsWith('contrail-ansible')).sort(), [...perFiles].sort());
  const oneSize = fs.statSync(path.join(one, archive)).size;
  const perSize = perFiles.reduce((s, f) => s + fs.statSync(path.join(per, f)).size, 0);
  t.true(oneSize * 2 < perSize, `one archive ${oneSize} bytes, per-image ${perSize} bytes together`);

  for (const [what, files] of [['one archive', [path.join(one, archive)]], ['per image', perFiles.map((f) => path.join(per, f))]] as const) {
    for (const i of images) await removeImage(i.ref);
    for (const i of images) t.is(await imageId(i.ref), null);
    for (const f of files) docker_load(f);
    for (const i of images) t.is(await imageId(i.ref), i.id, `${what}: ${i.ref}`);
  }
});

test.serial('save: an image the engine does not have fails before anything is written', async (t) => {
  const dir = tempDir();
  const ghost: ShipImage = { component: 'ghost', ref: `contrail-ghost-debian12:${VERSION}`, id: 'sha256:0', inputHash: '', size: 0 };
  const e = await t.throwsAsync(saveAll(docker, request(dir, { images: [...images, ghost] })));
  t.regex(e!.message, /contrail-ghost-debian12:t-ship-save/);
  t.deepEqual(fs.readdirSync(dir), []);
});

/** A small file system of its own, mounted for the test (we are root). */
function mountTmpfs(dir: string, options: string): () => void {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount: ${r.stderr}`);
  return () => {
    spawnSync('umount', [dir]);
  };
}

test.serial('save: a folder that fills up gives a clear error and leaves no partial file', async (t) => {
  const dir = tempDir();
  const unmount = mountTmpfs(dir, 'size=2m');
  try {
    const e = await t.throwsAsync(saveAll(docker, request(dir)));
    t.is((e as any).kind, 'build');
    t.regex(e!.message, new RegExp(`save folder ${dir} is full: writing ${archive} failed \\(no space left on device\\); no partial file was left`));
    t.regex((e as any).hint, /free space/);
    t.deepEqual(fs.readdirSync(dir), []);
  } finally {
    unmount();
  }
});

test.serial('save: a read-only folder is an input error, and nothing is written', async (t) => {
  const dir = tempDir();
  const unmount = mountTmpfs(dir, 'size=64m,ro');
  try {
    const e = await t.throwsAsync(saveAll(docker, request(dir)));
    t.is((e as any).kind, 'input');
    t.regex(e!.message, new RegExp(`save folder ${dir} is on a read-only file system`));
    t.regex((e as any).hint, /--save-dir/);
    t.deepEqual(fs.readdirSync(dir), []);
  } finally {
    unmount();
  }
});

test.serial('save: an interrupt mid-stream leaves no partial file', async (t) => {
  const dir = tempDir();
  const controller = new AbortController();
  const saving = saveAll(docker, request(dir, { signal: controller.signal }));
  // abort once the archive's temporary file has started to grow
  // (a bound on the wait, not a timing assertion: on a loaded machine the engine starts streaming late)
  for (let i = 0; i < 2400 && !fs.readdirSync(dir).some((f) => f.startsWith('.tmp-')); i++) await new Promise((r) => setTimeout(r, 25));
  t.true(fs.readdirSync(dir).some((f) => f.startsWith('.tmp-')), 'the save was under way');
  controller.abort(new Error('interrupted by SIGINT'));
  await t.throwsAsync(saving);
  t.deepEqual(fs.readdirSync(dir), []);
});

test('gulp save without a save folder: one input error before anything is built, exit 2', async (t) => {
  const r = await runGulp(['save', '--config', 'examples/demo/config.json', '--contrail-version', VERSION, '--work-dir', tempDir()], { CONTAINER_SAVE_LOCATION: '' });
  const out = r.stdout + r.stderr;
  t.is(r.code, 2, out);
  t.regex(out, /save needs a folder to save into, and none is given/);
  t.regex(out, /hint: give one with --save-dir DIR, the environment variable CONTAINER_SAVE_LOCATION, or "saveDir" in the config file/);
  t.notRegex(out, /Starting '(contrailRepo|contrailAnsible|buildImages)'/);
});
