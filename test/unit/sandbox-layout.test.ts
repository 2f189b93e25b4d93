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
import { resolveSandbox } from '../../lib/sandbox/resolve';
import type { RecipeSource } from '../../lib/config/types';
import { tempDir } from '../helpers/temp';

async function repo(dir: string, files: Record<string, string>, links: Record<string, string> = {}): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  for (const [f, target] of Object.entries(links)) fs.symlinkSync(target, path.join(dir, f));
  const g = simpleGit(dir);
  await g.init(['-b', 'main']);
  await g.addConfig('user.email', 'tests@opencontrail.invalid').addConfig('user.name', 'tests');
  await g.add('.');
  await g.commit('first');
  return (await g.revparse(['HEAD'])).trim();
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
