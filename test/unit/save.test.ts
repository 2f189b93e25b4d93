import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import test from 'ava';
import * as tar from 'tar';
import { isPipelineError } from '../../lib/errors';
import {
  parseSaveManifest, parseSha256Sums, planArchives, previousArchive, saveManifest, sha256Sums, type SaveManifest,
} from '../../lib/save/manifest';
import { prepareSaveFolder, saveFolderError } from '../../lib/save/saveFolder';
import { appendedError, familiarName, TarInspector, tarProblems, tarTags } from '../../lib/save/tarCheck';
import { buildError } from '../../lib/errors';
import { imagesToShip, type ShipImage } from '../../lib/ship';
import type { BuildResult, ImageOutcome } from '../../lib/steps';
import { tempDir } from '../helpers/temp';

const img = (component: string, id = `sha256:${component.padEnd(64, '0').slice(0, 64)}`): ShipImage => ({
  component, ref: `contrail-${component}-debian12:t-1`, id, inputHash: `hash-${component}`, size: 100,
});

test('one archive for the family, or the original names per image', (t) => {
  const images = [img('base'), img('controller'), img('repo')];
  t.deepEqual(planArchives(images, 'debian12', 't-1', false).map((p) => [p.file, p.images.length]), [['contrail-images-debian12-t-1.tar.gz', 3]]);
  t.deepEqual(planArchives(images, 'debian12', 't-1', true).map((p) => p.file), [
    'contrail-base-debian12-t-1.tar.gz', 'contrail-controller-debian12-t-1.tar.gz', 'contrail-repo-debian12-t-1.tar.gz',
  ]);
  t.deepEqual(planArchives([], 'debian12', 't-1', false), []);
});

test('SHA256SUMS is sha256sum -c format, sorted, and reads back', (t) => {
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  const text = sha256Sums({ 'z.tar.gz': a, 'manifest.json': b });
  t.is(text, `${b}  manifest.json\n${a}  z.tar.gz\n`);
  t.deepEqual(parseSha256Sums(text), { 'manifest.json': b, 'z.tar.gz': a });
});

test('an archive is reused only for the same names with the same ids', (t) => {
  const images = [img('base'), img('controller')];
  const [plan] = planArchives(images, 'debian12', 't-1', false);
  const previous: SaveManifest = {
    version: 't-1', os: 'debian12',
    archives: [{ file: plan.file, sha256: 'c'.repeat(64), size: 10, images: images.map((i) => i.ref) }],
    images: images.map((i) => ({ ...i, tags: [i.ref], archive: plan.file })),
    ansible: null,
  };
  t.truthy(previousArchive(previous, plan));
  t.truthy(previousArchive(parseSaveManifest(saveManifest(previous)), plan), 'survives a round trip through the file');
  const rebuilt = planArchives([img('base'), img('controller', `sha256:${'9'.repeat(64)}`)], 'debian12', 't-1', false)[0];
  t.is(previousArchive(previous, rebuilt), null, 'a rebuilt image changes the archive');
  const more = planArchives([...images, img('agent')], 'debian12', 't-1', false)[0];
  t.is(previousArchive(previous, more), null, 'an added image changes the archive');
  t.is(previousArchive(null, plan), null);
  t.is(parseSaveManifest('not json'), null);
  t.is(parseSaveManifest('{"something": "else"}'), null);
});

test('nothing ships when an image failed or was blocked', (t) => {
  const outcome = (component: string, status: ImageOutcome['status'], id: string | null): ImageOutcome => ({
    component, ref: `contrail-${component}-debian12:t-1`, status, id, inputHash: 'h', durationMs: 0, size: 1, log: '',
  });
  const good: BuildResult = { images: [outcome('base', 'skipped', 'sha256:1'), outcome('controller', 'built', 'sha256:2')] };
  const repo = img('repo');
  t.deepEqual(imagesToShip(good, repo, 'save').map((i) => i.component), ['base', 'controller', 'repo']);
  t.deepEqual(imagesToShip(good, null, 'save').map((i) => i.component), ['base', 'controller']);
  const bad: BuildResult = { images: [outcome('base', 'built', 'sha256:1'), outcome('agent', 'failed', null), outcome('lb', 'blocked', null)] };
  const e = t.throws(() => imagesToShip(bad, repo, 'push'));
  t.regex(e!.message, /cannot push: contrail-agent-debian12:t-1 \(no image\), contrail-lb-debian12:t-1 \(no image\) did not build/);
});

/** A real tar (as the engine writes one), optionally with an error appended or cut short. */
async function makeTar(manifest: unknown, extra: Record<string, string> = {}): Promise<Buffer> {
  const dir = tempDir();
  const files = { ...extra, ...(manifest === undefined ? {} : { 'manifest.json': JSON.stringify(manifest) }) };
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const chunks: Buffer[] = [];
  await pipeline(tar.c({ cwd: dir, portable: true }, Object.keys(files)) as unknown as Readable, new Writable({
    write(c, _e, cb) {
      chunks.push(c);
      cb();
    },
  }));
  return Buffer.concat(chunks);
}

async function inspect(bytes: Buffer, chunk = 777) {
  const inspector = new TarInspector();
  const out: Buffer[] = [];
  const pieces = [];
  for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.subarray(i, i + chunk));
  await pipeline(Readable.from(pieces), inspector, new Writable({
    write(c, _e, cb) {
      out.push(c);
      cb();
    },
  }));
  t_equalBytes(Buffer.concat(out), bytes);
  return inspector.findings();
}

function t_equalBytes(a: Buffer, b: Buffer) {
  if (!a.equals(b)) throw new Error('the inspector changed the bytes');
}

const MANIFEST = [
  { Config: 'abc.json', RepoTags: ['contrail-base-debian12:t-1'], Layers: ['l1/layer.tar'] },
  { Config: 'def.json', RepoTags: ['contrail-controller-debian12:t-1', 'registry:5000/contrail-controller-debian12:t-1'], Layers: ['l1/layer.tar', 'l2/layer.tar'] },
];
const WANTED = ['contrail-base-debian12:t-1', 'contrail-controller-debian12:t-1'];

test('a complete archive passes, bytes unchanged, and its tags are read', async (t) => {
  const bytes = await makeTar(MANIFEST, { 'l1/layer.tar': 'x'.repeat(5000), 'l2/layer.tar': 'y' });
  const f = await inspect(bytes);
  t.deepEqual(tarProblems(f, WANTED), []);
  t.deepEqual(tarProblems(f, ['docker.io/library/contrail-base-debian12:t-1']), [], 'the familiar name matches');
  t.is(f.bytes, bytes.length);
  t.deepEqual(tarTags(f.manifest)[1], ['contrail-controller-debian12:t-1', 'registry:5000/contrail-controller-debian12:t-1']);
});

test('an image the archive does not list is a problem', async (t) => {
  const f = await inspect(await makeTar(MANIFEST.slice(0, 1)));
  t.deepEqual(tarProblems(f, WANTED), ['manifest.json does not list contrail-controller-debian12:t-1']);
});

test('an error the engine appended to the stream is found and quoted', async (t) => {
  const whole = await makeTar(MANIFEST, { 'l1/layer.tar': 'x'.repeat(20000) });
  const cut = Buffer.concat([whole.subarray(0, 4096), Buffer.from('{"errorDetail":{"message":"write /var/lib/docker/tmp: no space left on device"},"error":"write /var/lib/docker/tmp: no space left on device"}\r\n')]);
  const f = await inspect(cut);
  const problems = tarProblems(f, WANTED);
  t.is(problems[0], 'the engine reported an error in the stream: write /var/lib/docker/tmp: no space left on device');
  t.true(problems.some((p) => /no manifest\.json/.test(p)));
  t.is(appendedError(Buffer.from('xx{"error":"boom"}')), 'boom');
  t.is(appendedError(Buffer.alloc(1024)), undefined);
});

test('a stream cut short is found even when the manifest came first', async (t) => {
  const whole = await makeTar(MANIFEST, { 'z/layer.tar': 'x'.repeat(30000) });
  const f = await inspect(whole.subarray(0, whole.length - 2048));
  const problems = tarProblems(f, WANTED);
  t.true(problems.some((p) => /end-of-archive marker|Truncated/.test(p)), problems.join('; '));
});

test('an archive without manifest.json or with a broken one is a problem', async (t) => {
  t.deepEqual(tarProblems(await inspect(await makeTar(undefined, { 'a.txt': 'a' })), WANTED), ['the archive holds no manifest.json']);
  const broken = await inspect(await makeTar(undefined, { 'manifest.json': '[{"RepoTags": [' }));
  t.regex(tarProblems(broken, WANTED)[0], /manifest\.json is not JSON/);
  t.is(familiarName('docker.io/library/x:1'), 'x:1');
});

test('no save folder: one input error saying the three ways to give one', (t) => {
  const e = t.throws(() => prepareSaveFolder(null));
  t.true(isPipelineError(e) && e.kind === 'input');
  t.regex(e!.message, /save needs a folder/);
  t.regex((e as any).hint, /--save-dir DIR.*CONTAINER_SAVE_LOCATION.*"saveDir"/);
});

test('save folder: made when missing, a file in the way is an input error, and nothing is left behind', (t) => {
  const root = tempDir();
  const dir = path.join(root, 'a', 'b');
  t.is(prepareSaveFolder(dir), dir);
  t.deepEqual(fs.readdirSync(dir), [], 'the write probe is gone');
  fs.writeFileSync(path.join(root, 'file'), '');
  const e = t.throws(() => prepareSaveFolder(path.join(root, 'file')));
  t.regex(e!.message, /is not a folder/);
  t.is((e as any).kind, 'input');
});

test('file system errors become clear errors: full is a build error, read-only and denied are input errors', (t) => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  const full = saveFolderError(err('ENOSPC'), '/s', '/s/x.tar.gz');
  t.is(full.kind, 'build');
  t.regex(full.message, /save folder \/s is full: writing x\.tar\.gz failed \(no space left on device\); no partial file was left/);
  t.is(saveFolderError(err('EDQUOT'), '/s').kind, 'build');
  t.is(saveFolderError(err('EROFS'), '/s').kind, 'input');
  t.regex(saveFolderError(err('EROFS'), '/s').message, /read-only file system/);
  t.regex(saveFolderError(err('EACCES'), '/s').message, /permission denied/);
  t.regex(saveFolderError(err('EIO'), '/s').message, /failed: EIO/);
  t.not(buildError('x').kind, 'input');
});
