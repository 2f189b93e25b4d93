/**
 * The classes of issue 13 through the real CLI, as a user meets them: one bad value each, with
 * DOCKER_HOST pointing where nothing listens (port 21399). Had anything asked the engine first,
 * the run would end with the engine's error (exit 1); input errors come first, so each ends with
 * exit 2 and one message naming the input, no stack, no secret in the output or the work
 * folder, and nothing written there.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runGulp } from '../helpers/gulp';
import { tempDir, writeJson } from '../helpers/temp';

const SECRET = 'tok3n-13-s3cret';
const NO_ENGINE = { DOCKER_HOST: 'tcp://127.0.0.1:21399' };

const filesUnder = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)) : [];

async function refused(t: any, task: string, config: object, message: RegExp, prepare: (dir: string) => void = () => {}) {
  const dir = tempDir();
  prepare(dir);
  const work = path.join(dir, 'work');
  const file = writeJson(path.join(dir, 'build.json'), { version: '13.0.0-2', os: 'debian12', baseImage: 'debian:bookworm', workDir: work, ...config });
  const r = await runGulp([task, '--config', file], NO_ENGINE);
  const out = r.stdout + r.stderr;
  t.is(r.code, 2, out);
  t.regex(out, message);
  t.notRegex(out, /    at /, 'no stack trace');
  t.notRegex(out, /Docker engine|DOCKER_HOST/, 'the engine was not asked');
  t.false(out.includes(SECRET), 'no secret in the output');
  for (const f of filesUnder(work)) {
    if (fs.statSync(f).isFile()) t.false(fs.readFileSync(f, 'utf8').includes(SECRET), `no secret in ${f}`);
  }
  t.deepEqual(filesUnder(work).filter((f) => !fs.statSync(f).isDirectory() || fs.readdirSync(f).length), [], 'nothing written in the work folder');
}

test('names Docker would misread: exit 2 naming os, baseImage, registry', async (t) => {
  await refused(t, 'prep', { os: 'debian12.' }, /os \(in [^)]*build\.json\) "debian12\." would make the image name/);
  await refused(t, 'prep', { baseImage: 'a//b' }, /baseImage \(in [^)]*build\.json\) "a\/\/b" is not an image reference/);
  await refused(t, 'push', { registry: 'myregistry/contrail' }, /registry \(in [^)]*build\.json\) "myregistry\/contrail" names no registry host Docker would recognise/);
});

test('secrets in URLs: never printed; a packages.url with credentials is refused', async (t) => {
  await refused(t, 'prep', { packages: { url: `http://me:${SECRET}@127.0.0.1:21398/debian` } }, /packages\.url \(in [^)]*build\.json\) holds credentials or a query \(http:\/\/\*\*\*@127\.0\.0\.1:21398\/debian\)/);
  await refused(t, 'prep', { ansible: { repo: `https://x:${SECRET}@git.example/r.git`, ref: '-x' } }, /ansible\.ref .* starts with '-'/);
  // the message quotes the URL it refuses: with its credentials redacted
  await refused(t, 'prep', { ansible: { repo: `https://x:${SECRET}@git.example/r b.git` } }, /ansible\.repo \(in [^)]*build\.json\) "https:\/\/\*\*\*@git\.example\/r b\.git" contains white space/);
  await refused(t, 'prep', { ansible: { repo: 'ext::sh%20-c%20touch%20/tmp/x' } }, /ansible\.repo \(in [^)]*build\.json\) "ext::sh%20-c%20touch%20\/tmp\/x" uses a git remote helper/);
});

test('half-states: a work folder that is a file, a packages.dir link loop or dangling .deb link: exit 2 naming key and path', async (t) => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'file'), 'x');
  const r = await runGulp(['prep', '--config', writeJson(path.join(dir, 'build.json'), { version: '13.0.0-2', workDir: 'file' })], NO_ENGINE);
  t.is(r.code, 2, r.stdout + r.stderr);
  t.regex(r.stdout + r.stderr, /workDir \(in [^)]*build\.json\) ".*\/file" is a file, not a folder/);
  t.is(fs.readFileSync(path.join(dir, 'file'), 'utf8'), 'x');
  await refused(t, 'prep', { packages: { dir: 'debs' } }, /packages\.dir \(in [^)]*build\.json\): ".*\/debs\/a\.deb" is a link to "gone\.deb", which does not exist/, (d) => {
    fs.mkdirSync(path.join(d, 'debs'));
    fs.symlinkSync('gone.deb', path.join(d, 'debs', 'a.deb'));
  });
  await refused(t, 'prep', { packages: { dir: 'loop' } }, /packages\.dir .*: ".*\/loop" is a symbolic link loop/, (d) => {
    fs.symlinkSync('loop', path.join(d, 'loop'));
  });
});

test('input errors first: the packages and ansible inputs are refused before the base image step could start', async (t) => {
  await refused(t, 'prep', { packages: { tar: 'p.tgz' } }, /packages\.tar .* is a folder, not a tarball/, (d) => fs.mkdirSync(path.join(d, 'p.tgz')));
  await refused(t, 'prep', { packages: { dir: 'missing' } }, /packages\.dir .* does not exist, and no packages\.build\.sources are configured/);
  await refused(t, 'prep', { ansible: { artifact: 'art' } }, /ansible\.artifact .* is a folder, not a contrail-ansible \.tar\.gz/, (d) => fs.mkdirSync(path.join(d, 'art')));
});

test('trust: a remote packages.url without packages.key or "trusted": true is refused before any build', async (t) => {
  await refused(t, 'prep', { packages: { url: 'http://repo.example.org/debian bookworm main' } }, /packages\.url \(in [^)]*build\.json\) is on "repo\.example\.org", not a loopback address/);
  await refused(t, 'prep', { packages: { url: 'http://repo.example.org/debian', key: 'none.asc' } }, /packages\.key \(in [^)]*build\.json\) ".*none\.asc" does not exist/);
});
