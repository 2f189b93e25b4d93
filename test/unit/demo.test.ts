/**
 * The demo product as data: its miniature contrail-vnc manifest read as repo reads it, its config
 * (the sandbox recipe and the plain source make exactly what `expect` lists and the images
 * install), its third-party fetch script against a site of the test's own, and the reproducible
 * tarball of its third-party site. No Docker.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { MANIFEST_LIMITS } from '../../lib/config/defaults';
import { resolveConfig } from '../../lib/config/load';
import type { PathSource, RecipeSource } from '../../lib/config/types';
import { binaryPackages } from '../../lib/packages/control';
import { readSandboxManifest } from '../../lib/sandbox/manifest';
import { fillPlaceholders } from '../../scripts/demo-git';
import { makeTarballs, serveFolder, UPSTREAM_PORT } from '../../scripts/demo-upstream';
import { tempDir } from '../helpers/temp';

const ROOT = path.resolve(__dirname, '..', '..');
const DEMO = path.join(ROOT, 'examples', 'demo');
const SOURCES = path.join(DEMO, 'sources');
/** where a test's own copy of the third-party site listens (this helper's port range) */
const SITE_PORT = 21551;

const demoConfig = () => resolveConfig({ args: ['--config', path.join(DEMO, 'config.json')], env: {}, cwd: ROOT });

test('the demo manifest: four projects beside the manifest repository, SConstruct and packages.make copied to the top', async (t) => {
  const url = path.join(DEMO, '.build', 'git', 'contrail-vnc');
  const m = await readSandboxManifest({
    file: 'default.xml',
    read: (f) => (f === 'default.xml' ? fs.readFileSync(path.join(SOURCES, 'contrail-vnc', 'default.xml'), 'utf8') : null),
    // a local path, as the demo config gives it (relative to the config's folder)
    manifestUrl: url,
    rewrites: {},
    what: 'the demo manifest',
    rewritesKey: 'remotes',
    limits: MANIFEST_LIMITS,
  });
  t.deepEqual(m.projects.map((p) => [p.name, p.path, p.url, p.revision]), [
    ['contrail-build', 'tools/build', `${DEMO}/.build/git/contrail-build`, 'master'],
    ['contrail-controller', 'controller', `${DEMO}/.build/git/contrail-controller`, 'master'],
    ['contrail-third-party', 'third_party', `${DEMO}/.build/git/contrail-third-party`, 'master'],
    ['contrail-packages', 'tools/packages', `${DEMO}/.build/git/contrail-packages`, 'master'],
  ]);
  t.deepEqual(m.projects.flatMap((p) => p.copyfiles.map((c) => [p.path, c.src, c.dest])), [
    ['tools/build', 'SConstruct', 'SConstruct'], ['tools/packages', 'packages.make', 'packages.make'],
  ]);
  // every project is a folder of examples/demo/sources that scripts/demo-git.ts makes a repository
  for (const p of m.projects) t.true(fs.existsSync(path.join(SOURCES, p.name)), p.name);
  t.true(fs.existsSync(path.join(SOURCES, 'contrail-build', 'SConstruct')));
  t.true(fs.existsSync(path.join(SOURCES, 'contrail-packages', 'packages.make')));
});

test('the demo config: the sandbox and the plain source make exactly the packages expect lists; the images install only those and ansible-core', (t) => {
  const config = demoConfig();
  const [plain, recipe] = config.packages.build.sources as [PathSource, RecipeSource];
  t.is(plain.path, path.join(DEMO, 'packages', 'contrail-vcenter-plugin'));
  t.is(recipe.manifest.url, path.join(DEMO, '.build', 'git', 'contrail-vnc'));
  t.deepEqual(recipe.outputs, ['build/packages/*.deb']);
  // buildDepends names the control file as the sandbox lays it out: tools/packages is contrail-packages
  t.deepEqual(recipe.buildDepends, ['tools/packages/debian/contrail/debian/control']);
  const sandboxControl = fs.readFileSync(path.join(SOURCES, 'contrail-packages', 'debian', 'contrail', 'debian', 'control'), 'utf8');
  const plainControl = fs.readFileSync(path.join(plain.path, 'debian', 'control'), 'utf8');
  const made = [...binaryPackages(sandboxControl), ...binaryPackages(plainControl)].sort();
  t.deepEqual(made, [...config.packages.build.expect].sort());
  t.is(made.length, 16);
  const installed = new Set(Object.values(config.images).flatMap((i) => i.packages));
  t.deepEqual([...installed].filter((p) => !made.includes(p)), ['ansible-core']);
  t.true(config.images.base.packages.includes('ansible-core'));
  // every binary package has its .install file (contrail-lib-dev: headers and the link-time library)
  for (const p of binaryPackages(sandboxControl)) {
    const install = fs.readFileSync(path.join(SOURCES, 'contrail-packages', 'debian', 'contrail', 'debian', `${p}.install`), 'utf8');
    if (p === 'contrail-lib-dev') t.regex(install, /usr\/include\/contrail/);
    else t.regex(install, new RegExp(`^usr/bin/${p}$[\\s\\S]*^etc/contrail/${p}\\.conf$`, 'm'));
  }
  // the changelog carries the placeholders packages.make fills in
  t.regex(fs.readFileSync(path.join(SOURCES, 'contrail-packages', 'debian', 'contrail', 'debian', 'changelog'), 'utf8'), /^contrail \(VERSION\) SERIES; urgency=medium$/m);
  // the lb image has no haproxy in the demo: it names its service
  t.is(config.images.lb.buildArgs.CONTRAIL_SERVICES, 'contrail-utils');
});

test('packages.xml names the demo site; its sha256 placeholder is filled with the tarball the site serves', (t) => {
  const xml = fs.readFileSync(path.join(SOURCES, 'contrail-third-party', 'packages.xml'), 'utf8');
  t.regex(xml, new RegExp(`<url>http://127\\.0\\.0\\.1:${UPSTREAM_PORT}/tinyini-1\\.0\\.tar\\.gz</url>`));
  const tarballs = makeTarballs(path.join(DEMO, 'upstream'), tempDir('t-demo-site-'));
  const filled = fillPlaceholders(xml, '/srv/git', tarballs);
  t.regex(filled, new RegExp(`<sha256>${tarballs[0].sha256}</sha256>`));
  t.throws(() => fillPlaceholders('<sha256>@SHA256:nothing-1.0.tar.gz@</sha256>', '/srv/git', tarballs), { message: /no demo tarball nothing-1\.0\.tar\.gz/ });
});

test('the demo tarball is reproducible: the same content gives the same bytes; the site serves files by name only', async (t) => {
  const a = makeTarballs(path.join(DEMO, 'upstream'), tempDir('t-demo-site-'));
  const b = makeTarballs(path.join(DEMO, 'upstream'), tempDir('t-demo-site-'));
  t.deepEqual(a.map((x) => [x.file, x.sha256]), b.map((x) => [x.file, x.sha256]));
  t.deepEqual(a.map((x) => x.file), ['tinyini-1.0.tar.gz']);
  const dir = path.dirname(a[0].path);
  fs.writeFileSync(path.join(dir, '.hidden'), 'x');
  const server = await serveFolder(dir, SITE_PORT);
  try {
    const get = async (p: string) => (await fetch(`http://127.0.0.1:${SITE_PORT}${p}`)).status;
    t.is(await get('/tinyini-1.0.tar.gz'), 200);
    t.is(await get('/%2e%2e%2fetc%2fpasswd'), 404);
    t.is(await get('/.hidden'), 404);
    t.is(await get('/'), 404);
  } finally {
    server.close();
  }
});

/** A copy of third_party with packages.xml pointing at the test's site, and that site. */
async function thirdParty(sha256: (real: string) => string) {
  const dir = tempDir('t-demo-third-party-');
  fs.cpSync(path.join(SOURCES, 'contrail-third-party'), dir, { recursive: true });
  const site = tempDir('t-demo-site-');
  const [tarball] = makeTarballs(path.join(DEMO, 'upstream'), site);
  const xml = fs.readFileSync(path.join(dir, 'packages.xml'), 'utf8')
    .replace(`127.0.0.1:${UPSTREAM_PORT}`, `127.0.0.1:${SITE_PORT}`)
    .replace(/@SHA256:[^@]+@/, sha256(tarball.sha256));
  fs.writeFileSync(path.join(dir, 'packages.xml'), xml);
  return { dir, site, server: await serveFolder(site, SITE_PORT) };
}

/** runs the script without blocking this process, which serves the site */
const fetchPackages = (dir: string) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile('python3', [path.join(dir, 'fetch_packages.py')], (e, stdout, stderr) => resolve({ status: e ? Number(e.code) : 0, stdout, stderr }));
  });

test.serial('fetch_packages.py downloads, checks the sha256 and unpacks; a second run keeps what is unpacked', async (t) => {
  const { dir, server } = await thirdParty((real) => real);
  try {
    const first = await fetchPackages(dir);
    t.is(first.status, 0, first.stderr);
    t.regex(first.stdout, new RegExp(`downloading http://127\\.0\\.0\\.1:${SITE_PORT}/tinyini-1\\.0\\.tar\\.gz`));
    t.true(fs.existsSync(path.join(dir, 'tinyini-1.0', 'tinyini.c')));
    const second = await fetchPackages(dir);
    t.is(second.status, 0, second.stderr);
    t.regex(second.stdout, /tinyini is unpacked/);
    t.notRegex(second.stdout, /downloading/);
  } finally {
    server.close();
  }
});

test.serial('fetch_packages.py: a tarball whose sha256 differs from packages.xml fails, named, and nothing is unpacked', async (t) => {
  const { dir, server } = await thirdParty(() => '0'.repeat(64));
  try {
    const r = await fetchPackages(dir);
    t.is(r.status, 1);
    t.regex(r.stderr, new RegExp(`fetch_packages: http://127\\.0\\.0\\.1:${SITE_PORT}/tinyini-1\\.0\\.tar\\.gz: sha256 is [0-9a-f]{64}, packages\\.xml expects 0{64}`));
    t.false(fs.existsSync(path.join(dir, 'tinyini-1.0')));
    t.deepEqual(fs.readdirSync(path.join(dir, 'cache')), []);
  } finally {
    server.close();
  }
  // no site at all: the URL and the reason
  const r = await fetchPackages(dir);
  t.is(r.status, 1);
  t.regex(r.stderr, new RegExp(`cannot download http://127\\.0\\.0\\.1:${SITE_PORT}/tinyini-1\\.0\\.tar\\.gz: .*refused`, 'i'));
});
