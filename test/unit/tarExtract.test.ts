import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import test from 'ava';
import * as tar from 'tar';
import { isPipelineError } from '../../lib/errors';
import { checkTarball, extractPackageFiles } from '../../lib/packages/tarExtract';
import { makeDeb, rawTar } from '../helpers/deb';
import { tempDir } from '../helpers/temp';

const deb = makeDeb({ package: 'contrail-lib', version: '1' }).toString('latin1');

/** A work folder inside a parent we watch: nothing may appear in the parent but the work folder. */
function sandbox() {
  const parent = tempDir('tar-sandbox-');
  const work = path.join(parent, 'work');
  fs.mkdirSync(work);
  const archive = path.join(parent, 'in.tar');
  const outside = () => fs.readdirSync(parent).filter((f) => f !== 'work' && f !== 'in.tar');
  return { parent, work, archive, outside };
}

async function refused(t: any, entries: Parameters<typeof rawTar>[0], message: RegExp) {
  const s = sandbox();
  fs.writeFileSync(s.archive, rawTar(entries));
  const e = await t.throwsAsync(checkTarball(s.archive, 'packages.tar "in.tar"'));
  t.true(isPipelineError(e) && e.kind === 'input');
  t.regex(e.message, message);
  // the second guard: extraction alone writes nothing bad either
  const dest = path.join(s.work, 'x');
  await extractPackageFiles(s.archive, dest, 'in.tar').catch(() => undefined);
  t.deepEqual(s.outside(), [], 'nothing written outside the work folder');
  const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]);
  for (const f of fs.existsSync(dest) ? walk(dest) : []) {
    t.true(fs.lstatSync(f).isFile(), `${f} is a plain file`);
    t.true(f.startsWith(dest + path.sep));
  }
}

test('tar: .debs in sub-folders, gzip or not, other files ignored', async (t) => {
  const s = sandbox();
  const src = path.join(s.parent, 'src');
  fs.mkdirSync(path.join(src, 'contrail', 'debs'), { recursive: true });
  fs.writeFileSync(path.join(src, 'contrail', 'debs', 'contrail-lib_1_all.deb'), deb, 'latin1');
  fs.writeFileSync(path.join(src, 'contrail', 'a_1_all.deb'), deb, 'latin1');
  fs.writeFileSync(path.join(src, 'contrail', 'README'), 'hello');
  const tgz = path.join(s.parent, 'contrail-install-packages_4.0.0.0-20.tgz');
  await tar.c({ cwd: src, gzip: true, file: tgz }, ['contrail']);
  t.deepEqual((await checkTarball(tgz, 'p')).sort(), ['contrail/a_1_all.deb', 'contrail/debs/contrail-lib_1_all.deb']);
  const files = await extractPackageFiles(tgz, path.join(s.work, 'out'), 'p');
  t.deepEqual(files.map((f) => path.relative(path.join(s.work, 'out'), f)), ['contrail/a_1_all.deb', 'contrail/debs/contrail-lib_1_all.deb']);
  t.false(fs.existsSync(path.join(s.work, 'out', 'contrail', 'README')));
  t.is(fs.readFileSync(files[0], 'latin1'), deb);
});

test('tar: absolute paths are refused', (t) => refused(t, [{ path: '/tmp/evil.deb', body: deb }], /entry "\/tmp\/evil\.deb" has an absolute path/));

test("tar: '..' is refused", (t) => refused(t, [{ path: 'debs/../../evil.deb', body: deb }], /entry "debs\/\.\.\/\.\.\/evil\.deb" has '\.\.' in its path/));

test('tar: symbolic links are refused, also when a later entry writes through them', (t) =>
  refused(t, [{ path: 'debs', type: 'SymbolicLink', linkpath: '..' }, { path: 'debs/evil.deb', body: deb }], /entry "debs" is a symbolic link/));

test('tar: hard links are refused', (t) =>
  refused(t, [{ path: 'a.deb', body: deb }, { path: 'b.deb', type: 'Link', linkpath: '/etc/passwd' }], /entry "b\.deb" is a hard link/));

test('tar: devices and FIFOs are refused', async (t) => {
  await refused(t, [{ path: 'null.deb', type: 'CharacterDevice' }], /is a device/);
  await refused(t, [{ path: 'disk', type: 'BlockDevice' }], /is a device/);
  await refused(t, [{ path: 'pipe', type: 'FIFO' }], /is a FIFO/);
});

test('tar: several bad entries are counted in one message', (t) =>
  refused(t, [{ path: '/a.deb', body: deb }, { path: '../b.deb', body: deb }, { path: 'c', type: 'SymbolicLink', linkpath: '/' }], /\(and 2 more bad entries\)/));

test('tar: not a tar, corrupt, truncated, empty, no .deb', async (t) => {
  const s = sandbox();
  const check = async (data: Buffer, message: RegExp) => {
    fs.writeFileSync(s.archive, data);
    const e = await t.throwsAsync(checkTarball(s.archive, 'packages.tar "in.tar"'));
    t.true(isPipelineError(e) && e.kind === 'input', String(e));
    t.regex(e!.message, message);
  };
  const good = rawTar([{ path: 'a.deb', body: deb }]);
  const gz = zlib.gzipSync(good);
  await check(Buffer.from('just some text, not an archive\n'.repeat(40)), /cannot be read: it is not a tar archive/);
  await check(Buffer.from('short text\n'), /cannot be read: it is not a tar archive/);
  await check(gz.subarray(0, Math.floor(gz.length / 2)), /cannot be read: it is truncated/);
  const corrupt = Buffer.from(gz);
  corrupt.fill(0x55, 12, 40);
  await check(corrupt, /cannot be read: its gzip data is corrupt|cannot be read/);
  await check(good.subarray(0, 600), /cannot be read: it is truncated/);
  await check(Buffer.alloc(0), /cannot be read/);
  await check(rawTar([{ path: 'README', body: 'x' }, { path: 'docs/', type: 'Directory' }]), /holds no \.deb file/);
  t.deepEqual(s.outside(), []);
  t.deepEqual(fs.readdirSync(s.work), []);
});
