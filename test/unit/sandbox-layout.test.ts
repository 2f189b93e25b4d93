/**
 * Laying a sandbox out from local git repositories (file://, no Docker): checkouts under their
 * paths with .git kept, copyfile, relative linkfile, .repo/manifest.xml as resolved; and nothing
 * written outside the sandbox through a symlink a project brings along.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { simpleGit } from 'simple-git';
import { MANIFEST_LIMITS } from '../../lib/config/defaults';
import { exitCodeFor } from '../../lib/exit';
import { layOutSandbox } from '../../lib/sandbox/layout';
import { resolveSandbox, sandboxRecord } from '../../lib/sandbox/resolve';
import type { RecipeSource } from '../../lib/config/types';
import { gitRepo } from '../helpers/gitRepo';
import { tempDir } from '../helpers/temp';

async function repo(dir: string, files: Record<string, string>, links: Record<string, string> = {}): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, target] of Object.entries(links)) fs.symlinkSync(target, path.join(dir, f));
  return gitRepo(dir, files);
}

async function setUp(manifest: string, projects: Record<string, { files: Record<string, string>; links?: Record<string, string> }>) {
  const root = tempDir('t-sandbox-');
  const commits: Record<string, string> = {};
  await repo(path.join(root, 'vnc'), { 'default.xml': manifest });
  for (const [name, p] of Object.entries(projects)) commits[name] = await repo(path.join(root, name), p.files, p.links);
  const source: RecipeSource = { name: 's', manifest: { url: `file://${root}/vnc`, ref: 'main', file: 'default.xml' }, remotes: {}, steps: ['true'], outputs: ['*.deb'], buildDepends: [] };
  const resolved = await resolveSandbox(source, 0, { manifestDir: path.join(root, 'work', 'manifest'), limits: MANIFEST_LIMITS });
  const dir = path.join(root, 'work', 'sandbox');
  return { root, dir, resolved, commits };
}

const xml = (body: string) => `<manifest>\n<remote name="o" fetch=".."/>\n<default revision="main" remote="o"/>\n${body}\n</manifest>\n`;

test('projects under their paths with .git, copyfile, relative linkfile, .repo/manifest.xml as resolved', async (t) => {
  const { root, dir, resolved, commits } = await setUp(
    xml('<project name="build" path="tools/build"><copyfile src="SConstruct" dest="SConstruct"/></project>\n<project name="pkgs" path="tools/packages"><linkfile src="packages.make" dest="make/packages.make"/></project>'),
    { build: { files: { SConstruct: 'env = 1\n' } }, pkgs: { files: { 'packages.make': 'all:\n' } } },
  );
  t.deepEqual(resolved.projects.map((p) => [p.url, p.commit]), [[`file://${root}/build`, commits.build], [`file://${root}/pkgs`, commits.pkgs]]);
  await layOutSandbox(resolved, dir, { what: 'packages.build.sources[0] ("s")' });
  t.is(fs.readFileSync(path.join(dir, 'SConstruct'), 'utf8'), 'env = 1\n');
  t.false(fs.lstatSync(path.join(dir, 'SConstruct')).isSymbolicLink());
  t.is(fs.readlinkSync(path.join(dir, 'make', 'packages.make')), '../tools/packages/packages.make');
  t.is(fs.readFileSync(path.join(dir, 'make', 'packages.make'), 'utf8'), 'all:\n');
  t.true(fs.existsSync(path.join(dir, 'tools', 'build', '.git')));
  t.is((await simpleGit(path.join(dir, 'tools', 'packages')).revparse(['HEAD'])).trim(), commits.pkgs);
  const written = fs.readFileSync(path.join(dir, '.repo', 'manifest.xml'), 'utf8');
  t.regex(written, new RegExp(`<remote name="o" fetch="file://${root}"/>`));
  t.regex(written, new RegExp(`<project name="build" path="tools/build" remote="o" revision="${commits.build}" upstream="main">\\n    <copyfile src="SConstruct" dest="SConstruct"/>`));
});

test("a project's symlink cannot carry another project, a copyfile or a linkfile out of the sandbox", async (t) => {
  const outside = tempDir('t-sandbox-outside-');
  const cases = [
    xml('<project name="evil" path="a"/>\n<project name="b" path="a/out/b"/>'),
    xml('<project name="evil" path="a"><copyfile src="x" dest="a/out/x"/></project>\n<project name="b"/>'),
    xml('<project name="evil" path="a"><linkfile src="x" dest="a/out/x"/></project>\n<project name="b"/>'),
    xml('<project name="evil" path="a"><copyfile src="out/passwd" dest="p"/></project>\n<project name="b"/>'),
  ];
  for (const manifest of cases) {
    fs.writeFileSync(path.join(outside, 'passwd'), 'secret\n');
    const { dir, resolved } = await setUp(manifest, { evil: { files: { x: 'x\n' }, links: { out: outside } }, b: { files: { y: 'y\n' } } });
    const e = await t.throwsAsync(layOutSandbox(resolved, dir, { what: 'packages.build.sources[0] ("s")' }));
    t.is(exitCodeFor(e), 2);
    t.regex(e!.message, /leads outside the sandbox \(through a symlink\)/);
    t.deepEqual(fs.readdirSync(outside), ['passwd']);
  }
});

test('a recorded sandbox (as the cache registry gives it back) passes the checks a manifest passes: poisoned, it is refused', async (t) => {
  const { root, resolved } = await setUp(xml('<project name="build" path="tools/build"/>'), { build: { files: { SConstruct: 'env = 1\n' } } });
  const source: RecipeSource = { name: 's', manifest: { url: `file://${root}/vnc`, ref: 'main', file: 'default.xml' }, remotes: {}, steps: ['true'], outputs: ['*.deb'], buildDepends: [] };
  const record = sandboxRecord(source, resolved);
  // a clean record stands in for the manifest: no checkout of the manifest repository
  const manifestDir = path.join(root, 'work2', 'manifest');
  const again = await resolveSandbox(source, 0, { manifestDir, limits: MANIFEST_LIMITS, recorded: record });
  t.deepEqual(again.projects.map((p) => [p.path, p.url, p.commit]), resolved.projects.map((p) => [p.path, p.url, p.commit]));
  t.false(fs.existsSync(manifestDir));
  const poisoned: [(r: typeof record) => void, RegExp][] = [
    [(r) => { r.resolved.remotes[0].fetch = 'gopher://127.0.0.1:1/x'; }, /remote "o" fetch "gopher:\/\/127\.0\.0\.1:1\/x" is not a git URL/],
    [(r) => { r.resolved.projects[0].path = '../../outside'; }, /project "build" path "\.\.\/\.\.\/outside" has a '\.\.' part/],
    [(r) => { r.resolved.projects[0].revision = '--upload-pack=touch /tmp/pwned'; }, /project "build" revision .* starts with '-'/],
    [(r) => { r.resolved.projects[0].copyfiles = [{ src: 'SConstruct', dest: '/etc/cron.d/x' }]; }, /<copyfile> dest "\/etc\/cron\.d\/x" of project "build" is not a relative path/],
  ];
  for (const [poison, message] of poisoned) {
    const bad = JSON.parse(JSON.stringify(record)) as typeof record;
    poison(bad);
    const e = await t.throwsAsync(resolveSandbox(source, 0, { manifestDir, limits: MANIFEST_LIMITS, recorded: bad }));
    t.is(exitCodeFor(e), 2, String(e));
    t.regex(e!.message, /^packages\.build\.sources\[0\] \("s"\) manifest default\.xml \(as recorded at the last build\) line \d+: /);
    t.regex(e!.message, message);
  }
});

test('an unreachable project: the message names the source key once', async (t) => {
  const e = await t.throwsAsync(setUp(xml('<project name="missing" path="m"/>'), {}));
  t.regex(e!.message, /^packages\.build\.sources\[0\] \("s"\) manifest default\.xml line 4: project "missing": git cannot read/);
  t.is(e!.message.split('packages.build.sources[0]').length, 2, e!.message);
});

test('layout collisions: one input error naming both projects and the path, nothing written outside', async (t) => {
  const cases: [string, Record<string, { files: Record<string, string>; links?: Record<string, string> }>, RegExp][] = [
    // a copyfile whose destination is another project's folder
    [xml('<project name="a" path="a"><copyfile src="x" dest="b"/></project>\n<project name="b" path="b"/>'),
      { a: { files: { x: 'x\n' } }, b: { files: { y: 'y\n' } } }, /project "a" <copyfile> dest "b" is project "b"'s folder/],
    // a project nested under another's file
    [xml('<project name="a" path="a"/>\n<project name="b" path="a/f/b"/>'),
      { a: { files: { f: 'a file\n' } }, b: { files: { y: 'y\n' } } }, /project "b" path "a\/f\/b" lies under "a\/f", which is project "a"'s file/],
    // a copyfile through a dangling folder link
    [xml('<project name="a" path="a"><copyfile src="x" dest="b/gone/x"/></project>\n<project name="b" path="b"/>'),
      { a: { files: { x: 'x\n' } }, b: { files: { y: 'y\n' }, links: { gone: 'no-such-folder' } } }, /project "a" <copyfile> dest "b\/gone\/x" passes through project "b"'s link "b\/gone", which leads nowhere/],
    // a copyfile that overwrites another project's file
    [xml('<project name="a" path="a"><copyfile src="x" dest="b/y"/></project>\n<project name="b" path="b"/>'),
      { a: { files: { x: 'x\n' } }, b: { files: { y: 'y\n' } } }, /project "a" <copyfile> dest "b\/y" would overwrite project "b"'s file/],
    // two copyfiles onto one dest
    [xml('<project name="a" path="a"><copyfile src="x" dest="top"/></project>\n<project name="b" path="b"><linkfile src="y" dest="top"/></project>'),
      { a: { files: { x: 'x\n' } }, b: { files: { y: 'y\n' } } }, /project "b" <linkfile> dest "top" is also the dest of a copyfile or linkfile of project "a"/],
  ];
  for (const [manifest, projects, message] of cases) {
    const { dir, resolved } = await setUp(manifest, projects);
    const e = await t.throwsAsync(layOutSandbox(resolved, dir, { what: 'packages.build.sources[0] ("s")' }));
    t.is(exitCodeFor(e), 2, String(e));
    t.regex(e!.message, /^packages\.build\.sources\[0\] \("s"\) manifest default\.xml line \d+: /);
    t.regex(e!.message, message);
  }
  // the other project's file is intact where the overwrite was refused
  const { dir, resolved } = await setUp(cases[3][0], cases[3][1]);
  await t.throwsAsync(layOutSandbox(resolved, dir, { what: 'packages.build.sources[0] ("s")' }));
  t.is(fs.readFileSync(path.join(dir, 'b', 'y'), 'utf8'), 'y\n');
});
