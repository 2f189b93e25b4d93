import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveConfig } from '../../lib/config/load';
import { parseFlags } from '../../lib/config/overlays';
import { PipelineError } from '../../lib/errors';
import { exitCodeFor } from '../../lib/exit';
import { binaryPackages } from '../../lib/packages/control';
import { tempDir, writeJson } from '../helpers/temp';

const minimal = { version: '4.0.0.0-20' };

function withFile(data: unknown, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const dir = tempDir();
  const file = writeJson(path.join(dir, 'conf', 'build.json'), data);
  return { dir, file, config: () => resolveConfig({ args: ['--config', file, ...args], env, cwd: dir }) };
}

function badConfig(t: any, data: unknown, pattern: RegExp, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const err = t.throws(() => withFile(data, args, env).config(), { instanceOf: PipelineError }) as PipelineError;
  t.regex(err.toString(), pattern);
  t.is(err.kind, 'input');
  t.is(exitCodeFor(err), 2);
  return err;
}

test('defaults fill what the file leaves out', (t) => {
  const c = withFile(minimal).config();
  t.is(c.version, '4.0.0.0-20');
  t.is(c.os, 'ubuntu16.04');
  t.is(c.repo.port, 1567);
  t.is(c.repo.priority, 1001);
  t.is(c.ansible.repo, 'https://github.com/Juniper/contrail-ansible.git');
  t.true(c.jobs >= 1);
  t.is(c.save.gzipLevel, 1, 'pigz -1: faster than docker save | gzip -1, and no larger');
});

test('precedence: file < environment < flags', (t) => {
  const data = { version: '1.0', os: 'ubuntu16.04', repo: { port: 2000 }, jobs: 3 };
  t.is(withFile(data).config().repo.port, 2000);
  t.is(withFile(data, [], { CONTRAIL_REPO_PORT: '3000' }).config().repo.port, 3000);
  t.is(withFile(data, ['--repo-port', '4000'], { CONTRAIL_REPO_PORT: '3000' }).config().repo.port, 4000);
  t.is(withFile(data, ['--repo-port=4001'], { CONTRAIL_REPO_PORT: '3000' }).config().repo.port, 4001);
  const c = withFile(data, ['--contrail-version', '3.0', '--images', 'base'], {
    CONTRAIL_VERSION: '2.0', OS: 'centos7', CONTAINERS: 'a b',
  });
  t.throws(() => c.config(), { message: /names image "base"/ }); // no images defined in this file
  const d = withFile({ ...data, images: { base: {}, controller: {} } }, ['--contrail-version', '3.0'], {
    CONTRAIL_VERSION: '2.0', OS: 'centos7', CONTAINERS: 'base controller',
  }).config();
  t.is(d.version, '3.0');
  t.is(d.os, 'centos7');
  t.deepEqual(d.select, ['base', 'controller']);
});

test('the original Makefile variables all map', (t) => {
  const { dir, config } = withFile(minimal, [], {
    CONTRAIL_INSTALL_PACKAGE_TAR_URL: 'https://example.invalid/p.tgz',
    CONTRAIL_ANSIBLE_ARTIFACT: 'art.tgz',
    CONTRAIL_ANSIBLE_REPO: 'file:///srv/ansible.git',
    CONTRAIL_ANSIBLE_REF: 'v1.2',
    CONTAINER_SAVE_LOCATION: 'out',
    CONTAINER_REGISTRY: '127.0.0.1:5000/contrail',
    KEEP_IMAGES: '1',
    NO_CACHE: 'true',
  });
  const c = config();
  t.is(c.packages.tar, 'https://example.invalid/p.tgz');
  t.is(c.ansible.artifact, path.join(dir, 'art.tgz'));
  t.is(c.ansible.repo, 'file:///srv/ansible.git');
  t.is(c.ansible.ref, 'v1.2');
  t.is(c.saveDir, path.join(dir, 'out'));
  t.is(c.registry, '127.0.0.1:5000/contrail');
  t.true(c.keepImages);
  t.true(c.noCache);
});

test('relative paths: against the config file from the file, against the current folder from flags', (t) => {
  const { dir, config } = withFile({ ...minimal, workDir: 'work', packages: { dir: '../debs' } }, ['--save-dir', 'saved']);
  fs.mkdirSync(path.join(dir, 'debs')); // a packages.dir that does not exist, with nothing to fall back on, is an input error
  const c = config();
  t.is(c.workDir, path.join(dir, 'conf', 'work'));
  t.is(c.packages.dir, path.join(dir, 'debs'));
  t.is(c.saveDir, path.join(dir, 'saved'));
  t.is(c.configFile, path.join(dir, 'conf', 'build.json'));
  const images = withFile({ ...minimal, images: { base: { dockerfile: 'df/base/Dockerfile' }, lb: {} } }).config().images;
  t.true(images.base.dockerfile.endsWith(path.join('conf', 'df', 'base', 'Dockerfile')));
  t.true(images.lb.dockerfile.endsWith(path.join('dockerfiles', 'lb', 'Dockerfile')));
});

test('the bundled configs are valid', (t) => {
  const root = path.resolve(__dirname, '..', '..');
  for (const f of ['config.json', 'examples/demo/config.json']) {
    const c = resolveConfig({ args: ['--config', path.join(root, f)], env: {}, cwd: root });
    t.true(Object.keys(c.images).includes('base'), f);
    t.true(Object.keys(c.images).length >= (f === 'config.json' ? 10 : 11), f);
  }
});

test('the default config is the real R4.0 recipe: it expects, and its images install, only contrail packages its targets make', (t) => {
  const root = path.resolve(__dirname, '..', '..');
  const c = resolveConfig({ args: ['--config', path.join(root, 'config.json')], env: {}, cwd: root });
  const [source] = c.packages.build.sources;
  t.true('manifest' in source);
  if (!('manifest' in source)) return;
  t.deepEqual(source.manifest, { url: 'https://github.com/Juniper/contrail-vnc', ref: 'R4.0', file: 'default.xml' });
  // the three packages.make targets, and the control files of those three sources (copies of contrail-packages R4.0)
  const targets = source.steps.flatMap((s) => [...s.matchAll(/packages\.make (package-[a-z-]+)/g)].map((m) => m[1]));
  t.deepEqual(targets, ['package-contrail', 'package-contrail-web-core', 'package-contrail-web-controller']);
  t.deepEqual(source.buildDepends, targets.map((p) => `tools/packages/debian/${p.replace('package-', '')}/debian/control`));
  const made = new Set(['contrail', 'contrail-web-core', 'contrail-web-controller'].flatMap((s) =>
    binaryPackages(fs.readFileSync(path.join(root, 'test', 'fixtures', 'contrail-packages-R4.0', `${s}.control`), 'utf8'))));
  for (const p of c.packages.build.expect) t.true(made.has(p), `expect: ${p}`);
  const contrailPackages = Object.values(c.images).flatMap((i) => i.packages).filter((p) => /contrail/.test(p));
  for (const p of contrailPackages) t.true(made.has(p), `an image installs ${p}`);
  t.false(contrailPackages.includes('contrail-setup'));
  t.false('vcenter-plugin' in c.images);
  t.is(c.ansible.ref, 'R4.0');
});

test('bad config: missing version', (t) => {
  const e = badConfig(t, { os: 'ubuntu16.04' }, /version is required/);
  t.regex(e.hint!, /CONTRAIL_VERSION/);
});
test('bad config: wrong type', (t) => badConfig(t, { ...minimal, jobs: 'many' }, /jobs \(in .*build\.json\) must be an integer, got "many"/));
test('bad config: unknown key, with a suggestion', (t) => {
  const e = badConfig(t, { ...minimal, registy: 'x' }, /unknown key registy/);
  t.regex(e.hint!, /did you mean "registry"/);
});
test('bad config: unknown nested key', (t) => badConfig(t, { ...minimal, repo: { prot: 1 } }, /unknown key repo\.prot/));
test('bad config: bad registry', (t) => badConfig(t, { ...minimal, registry: 'http://host:5000' }, /registry .* has a URL scheme/));
test('bad config: registry with a bad port', (t) => badConfig(t, { ...minimal, registry: 'host:99999' }, /invalid port/));
test('bad config: registry with upper-case namespace', (t) => badConfig(t, { ...minimal, registry: 'host/Contrail' }, /invalid namespace/));
test('bad config: negative jobs', (t) => badConfig(t, { ...minimal, jobs: -1 }, /jobs .* must be >= 1/));
test('bad config: zero jobs from a flag', (t) => badConfig(t, minimal, /flag --jobs \(jobs\) must be >= 1/, ['--jobs', '0']));
test('bad config: port out of range', (t) => badConfig(t, { ...minimal, repo: { port: 70000 } }, /repo\.port .* must be <= 65535 \(from 1 to 65535\)/));
test('bad config: port not a number in the environment', (t) =>
  badConfig(t, minimal, /environment variable CONTRAIL_REPO_PORT must be a whole number, got "http"/, [], { CONTRAIL_REPO_PORT: 'http' }));
test('bad config: version that would make a bad file name', (t) => {
  for (const v of ['4.0/1', '..', 'a..b', '4.0 1', '-4.0']) badConfig(t, { version: v }, /version .* must be a Contrail version/);
});
test('bad config: os with upper case', (t) => badConfig(t, { ...minimal, os: 'Ubuntu' }, /os .* must be an OS name/));
test('bad config: non-loopback repo host without opt-in', (t) => badConfig(t, { ...minimal, repo: { host: '10.0.0.1' } }, /not a loopback address/));
test('bad config: ref that starts with a dash', (t) =>
  badConfig(t, { ...minimal, ansible: { ref: '--upload-pack=touch /tmp/x' } }, /ansible\.ref .* starts with '-'/));
test('bad config: repo URL that starts with a dash', (t) =>
  badConfig(t, minimal, /environment variable CONTRAIL_ANSIBLE_REPO "--upload-pack=x" starts with '-'/, [], { CONTRAIL_ANSIBLE_REPO: '--upload-pack=x' }));
// no spaces in the value: the remote helper check alone refuses it (test/unit/git-safety.test.ts has one per check)
test('bad config: ext:: remote helper', (t) => badConfig(t, { ...minimal, ansible: { repo: 'ext::sh%20-c%20touch%20/tmp/pwned' } }, /ansible\.repo .* uses a git remote helper/));
test('bad config: source with neither git nor path', (t) =>
  badConfig(t, { ...minimal, packages: { build: { sources: [{ name: 'a' }] } } }, /packages\.build\.sources\[0\] .* must have either "git"/));
test('bad config: git source without ref', (t) =>
  badConfig(t, { ...minimal, packages: { build: { sources: [{ name: 'a', git: 'file:///x' }] } } }, /has "git" but no "ref"/));
test('bad config: unknown image selected', (t) =>
  badConfig(t, { ...minimal, images: { base: {} } }, /environment variable CONTAINERS names image "contoller"/, [], { CONTAINERS: 'contoller' }));
test('bad config: bad image name', (t) => badConfig(t, { ...minimal, images: { Base_1: {} } }, /"Base_1" is not a valid name/));
test('bad config: packages tar with an unsupported scheme', (t) => badConfig(t, { ...minimal, packages: { tar: 'ftp://x/y.tgz' } }, /scheme we cannot fetch/));
test('bad config: boolean variable', (t) => badConfig(t, minimal, /KEEP_IMAGES must be true or false/, [], { KEEP_IMAGES: 'maybe' }));
test('bad config: not JSON', (t) => {
  const dir = tempDir();
  const file = path.join(dir, 'c.json');
  require('node:fs').writeFileSync(file, '{\n  "version": "1",\n}\n');
  const e = t.throws(() => resolveConfig({ args: ['--config', file], env: {}, cwd: dir })) as PipelineError;
  t.regex(e.message, /is not valid JSON at line 3/);
});
test('bad config: missing file', (t) => {
  const e = t.throws(() => resolveConfig({ args: ['--config', 'nope.json'], env: {}, cwd: tempDir() })) as PipelineError;
  t.regex(e.message, /config file .*nope\.json does not exist/);
});

test('flags: unknown flag with a suggestion', (t) => {
  const e = t.throws(() => parseFlags(['push', '--regsitry', 'x'])) as PipelineError;
  t.regex(e.message, /unknown flag --regsitry/);
  t.regex(e.hint!, /--registry/);
});
test('flags: a boolean flag before the task name is refused', (t) => {
  const e = t.throws(() => parseFlags(['--keep-images', 'clean'])) as PipelineError;
  t.regex(e.hint!, /gulp clean --keep-images/);
});
test('flags: value flag without a value', (t) => {
  t.throws(() => parseFlags(['push', '--registry']), { message: /flag --registry needs a value/ });
  t.throws(() => parseFlags(['push', '--registry', '--jobs', '2']), { message: /flag --registry needs a value/ });
});
test("flags: gulp-cli's own flags pass", (t) => {
  const p = parseFlags(['--silent', '-LLL', '--gulpfile', 'g.ts', 'all', '--continue', '--jobs=2', '--keep-images', '--no-cache=false']);
  t.deepEqual(p.settings.map((s) => [s.path.join('.'), s.value]), [['jobs', 2], ['keepImages', true], ['noCache', false]]);
});

// every other key of the schema, fed a bad value: one error naming the key and what is expected
test('bad config: gzip level out of range', (t) => badConfig(t, { ...minimal, save: { gzipLevel: 10 } }, /save\.gzipLevel .* must be <= 9 \(from 0 to 9\)/));
test('bad config: per-image not a boolean', (t) => badConfig(t, { ...minimal, save: { perImage: 'yes' } }, /save\.perImage .* must be a boolean/));
test('bad config: push retries negative', (t) => badConfig(t, { ...minimal, push: { retries: -1 } }, /push\.retries .* must be >= 0/));
test('bad config: unknown network mode', (t) => badConfig(t, { ...minimal, network: 'overlay' }, /network .* must be one of host, none, default or bridge .*; got "overlay"/));
test('bad config: bootstrap without a suite', (t) => badConfig(t, { ...minimal, bootstrap: { mirror: 'http://m/debian' } }, /bootstrap\.suite is required/));
test('bad config: bootstrap mirror that is not a URL', (t) =>
  badConfig(t, { ...minimal, bootstrap: { suite: 'bookworm', mirror: 'deb.example' } }, /bootstrap\.mirror .* must be an http\(s\) or file URL/));
test('bad config: pin priority out of range', (t) => badConfig(t, { ...minimal, repo: { priority: 0 } }, /repo\.priority .* must be >= 1/));
test('bad config: build argument that is not text', (t) => badConfig(t, { ...minimal, images: { base: { buildArgs: { A: 1 } } } }, /images\.base\.buildArgs\.A .* must be a string/));
test('bad config: expected package with a bad name', (t) =>
  badConfig(t, { ...minimal, packages: { build: { expect: ['Contrail Lib'] } } }, /packages\.build\.expect\[0\] .* must be a Debian package name/));
test('bad config: base image reference with upper case', (t) => badConfig(t, { ...minimal, baseImage: 'Debian:Bookworm' }, /baseImage .* must be a Docker image reference/));

test('cache registry: the push registry by default; the file, CONTAINER_CACHE_REGISTRY and --cache-registry override it; "none" turns it off', (t) => {
  t.is(withFile(minimal).config().cache.registry, null);
  t.is(withFile({ ...minimal, registry: '127.0.0.1:5000/contrail' }).config().cache.registry, '127.0.0.1:5000/contrail');
  t.is(withFile({ ...minimal, registry: 'a:5000', cache: { registry: 'b:5000' } }).config().cache.registry, 'b:5000');
  t.is(withFile({ ...minimal, cache: { registry: 'b:5000' } }, [], { CONTAINER_CACHE_REGISTRY: 'c:5000/ns' }).config().cache.registry, 'c:5000/ns');
  t.is(withFile(minimal, ['--cache-registry', 'd:5000'], { CONTAINER_CACHE_REGISTRY: 'c:5000' }).config().cache.registry, 'd:5000');
  t.is(withFile({ ...minimal, registry: 'a:5000' }, ['--cache-registry', 'none']).config().cache.registry, null);
});
test('bad config: cache.registry with a URL scheme, in the file', (t) =>
  badConfig(t, { ...minimal, cache: { registry: 'https://cache:5000' } }, /cache\.registry \(in .*build\.json\) "https:\/\/cache:5000" has a URL scheme/));
test('bad config: CONTAINER_CACHE_REGISTRY with a bad port', (t) =>
  badConfig(t, minimal, /environment variable CONTAINER_CACHE_REGISTRY "cache:0" has an invalid port/, [], { CONTAINER_CACHE_REGISTRY: 'cache:0' }));
test('bad config: --cache-registry with credentials in it, not repeated', (t) => {
  const e = badConfig(t, minimal, /flag --cache-registry holds credentials/, ['--cache-registry', 'me:s3cret@cache:5000']);
  t.false(e.toString().includes('s3cret'));
});
test('bad config: cache.registry not a string, or empty', (t) => {
  badConfig(t, { ...minimal, cache: { registry: 5000 } }, /cache\.registry .* must be/);
  badConfig(t, { ...minimal, cache: { registry: '' } }, /cache\.registry/);
  badConfig(t, { ...minimal, cache: { regsitry: 'a:1' } }, /unknown key cache\.regsitry/);
});
test('bad config: --cache-registry without a value', (t) => {
  t.throws(() => parseFlags(['push', '--cache-registry']), { message: /flag --cache-registry needs a value/ });
});

test('flags: --json (plan) is a boolean flag after the task name', (t) => {
  t.deepEqual(parseFlags(['plan', '--json']).settings.map((s) => [s.path.join('.'), s.value]), [['flags.json', true]]);
  t.throws(() => parseFlags(['plan', '--json=maybe']), { message: /flag --json must be true or false/ });
  const e = t.throws(() => parseFlags(['--json', 'plan'])) as PipelineError;
  t.regex(e.hint!, /gulp plan --json/);
});
