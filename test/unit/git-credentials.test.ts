/**
 * A credential in a git URL never reaches a file: a git server on 127.0.0.1 that requires basic
 * auth serves a manifest repository and two projects; the sandbox is resolved and laid out from
 * credentialed URLs (the manifest's by branch, one project by commit id), and neither the secret
 * nor its base64 form is anywhere in the work folder (.git/config, FETCH_HEAD, .repo/manifest.xml,
 * the record of the build). Git still had the credentials: the server saw them, and without
 * them it refuses.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { simpleGit } from 'simple-git';
import { MANIFEST_LIMITS } from '../../lib/config/defaults';
import type { RecipeSource } from '../../lib/config/types';
import { checkoutRef, lsRemote } from '../../lib/git/checkout';
import { layOutSandbox } from '../../lib/sandbox/layout';
import { resolveSandbox, sandboxRecord } from '../../lib/sandbox/resolve';
import { gitHttpServer } from '../helpers/gitHttp';
import { gitRepo } from '../helpers/gitRepo';
import { tempDir } from '../helpers/temp';

const SECRET = 'hunter2-t0ken-Zq9';

async function bareRepo(root: string, name: string, files: Record<string, string>): Promise<string> {
  const work = path.join(root, 'src', name);
  const commit = await gitRepo(work, files);
  await simpleGit(root).clone(work, path.join(root, 'served', `${name}.git`), ['--bare']);
  return commit;
}

/** every file under `dir` (links not followed) that holds one of `needles` */
function filesHolding(dir: string, needles: string[]): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => {
    const full = path.join(dir, f);
    if (!fs.lstatSync(full).isFile()) return false;
    const text = fs.readFileSync(full).toString('latin1');
    return needles.some((n) => text.includes(n));
  });
}

test('credentials in manifest.url and project URLs reach git for the command only, never a file of the work folder', async (t) => {
  const root = tempDir('t-git-credentials-');
  const buildCommit = await bareRepo(root, 'build', { 'SConstruct': 'env = 1\n' });
  await bareRepo(root, 'pkgs', { 'packages.make': 'all:\n' });
  await bareRepo(root, 'vnc', {
    'default.xml': `<manifest>\n<remote name="o" fetch=".."/>\n<default revision="main" remote="o"/>\n<project name="build.git" path="tools/build" revision="${buildCommit}"><copyfile src="SConstruct" dest="SConstruct"/></project>\n<project name="pkgs.git" path="tools/packages"/>\n</manifest>\n`,
  });
  const server = await gitHttpServer(path.join(root, 'served'), 'builder', SECRET);
  t.teardown(() => server.close());
  const base = `http://127.0.0.1:${server.port}`;
  // the server does require them
  await t.throwsAsync(lsRemote(`${base}/vnc.git`));

  const work = path.join(root, 'work');
  const source: RecipeSource = { name: 's', manifest: { url: `http://builder:${SECRET}@127.0.0.1:${server.port}/vnc.git`, ref: 'main', file: 'default.xml' }, remotes: {}, steps: ['true'], outputs: ['*.deb'], buildDepends: [] };
  const resolved = await resolveSandbox(source, 0, { manifestDir: path.join(work, 'manifest'), limits: MANIFEST_LIMITS });
  t.is(resolved.projects[0].url, `http://builder:${SECRET}@127.0.0.1:${server.port}/build.git`, 'the URL in memory keeps them');
  await layOutSandbox(resolved, path.join(work, 'sandbox'), { what: 'packages.build.sources[0] ("s")' });
  fs.writeFileSync(path.join(work, 'manifest.json'), JSON.stringify(sandboxRecord(source, resolved)));
  t.is(fs.readFileSync(path.join(work, 'sandbox', 'SConstruct'), 'utf8'), 'env = 1\n');
  t.true(server.authorized > 0);

  const needles = [SECRET, Buffer.from(`builder:${SECRET}`).toString('base64')];
  t.deepEqual(filesHolding(work, needles), []);
  // what git stored is the plain address
  const remote = (await simpleGit(path.join(work, 'sandbox', 'tools', 'packages')).raw(['config', 'remote.origin.url'])).trim();
  t.is(remote, `${base}/pkgs.git`);
});

test('the git adapter checks every URL itself, whoever gave it (a record read back from the cache registry too)', async (t) => {
  const marker = path.join(tempDir('t-git-url-'), 'pwned');
  for (const url of [`ext::sh -c touch% ${marker}`, '--upload-pack=touch /tmp/x', 'gopher://127.0.0.1:1/x']) {
    const e = await t.throwsAsync(lsRemote(url));
    t.regex(e!.message, /^git URL ".*" (uses a git remote helper|starts with '-'|is not a git URL|contains white space)/);
    await t.throwsAsync(checkoutRef(url, { kind: 'branch', name: 'main', commit: null } as never, path.join(tempDir(), 'c')));
  }
  t.false(fs.existsSync(marker));
});
