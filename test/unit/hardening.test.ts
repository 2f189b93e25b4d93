/**
 * Bad values for each class of issue 13, resolved as a user's config would be: one input error
 * (exit 2) naming the key, no secret in the message, nothing written.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveConfig } from '../../lib/config/load';
import { PipelineError } from '../../lib/errors';
import { exitCodeFor } from '../../lib/exit';
import { buildArgsFor, standardBuildArgs } from '../../lib/images/family';
import { repoTrust } from '../../lib/packages/repoTrust';
import { redactJson, redactText, redactUrl } from '../../lib/redact';
import { tempDir, writeJson } from '../helpers/temp';

const minimal = { version: '13.0.0-1' };
const SECRET = 's3cr3t-t0ken';

function resolveIn(dir: string, data: unknown, args: string[] = []) {
  const file = writeJson(path.join(dir, 'conf', 'build.json'), data);
  return () => resolveConfig({ args: ['--config', file, ...args], env: {}, cwd: dir });
}

function bad(t: any, data: unknown, key: RegExp, args: string[] = [], dir = tempDir()): PipelineError {
  const before = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' });
  const e = t.throws(resolveIn(dir, data, args), { instanceOf: PipelineError }) as PipelineError;
  t.is(e.kind, 'input');
  t.is(exitCodeFor(e), 2);
  t.regex(e.message, key);
  t.false(e.toString().includes(SECRET), 'no secret in the message');
  const added = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => !before.includes(p) && p !== 'conf' && p !== 'conf/build.json');
  t.deepEqual(added, [], 'nothing written besides the config (no work folder, no lock)');
  return e;
}

test('names Docker would misread: os, baseImage, registry; each names its key', (t) => {
  for (const os of ['debian12.', 'ubuntu16..04', 'a__-b', 'x-']) bad(t, { ...minimal, os }, /^os \(in conf\/build\.json\) ".*" would make the image name/);
  for (const baseImage of ['debian_', 'a//b', 'a:b:c', 'Debian:12', 'a:']) bad(t, { ...minimal, baseImage }, /^baseImage \(in conf\/build\.json\) (".*" is not an image reference|must be a Docker image reference)/);
  // and they pass where Docker reads them
  for (const os of ['debian12', 'ubuntu16.04', 'centos_7']) t.is(resolveIn(tempDir(), { ...minimal, os })().os, os);
  for (const baseImage of ['debian:bookworm', '127.0.0.1:5000/deb/base:1', 'localhost/x']) t.is(resolveIn(tempDir(), { ...minimal, baseImage })().baseImage, baseImage);
});

test('a registry Docker would read as a Docker Hub account is refused, with how to write it', (t) => {
  for (const registry of ['myregistry/contrail', 'myregistry']) {
    const e = bad(t, { ...minimal, registry }, /^registry \(in conf\/build\.json\) ".*" names no registry host Docker would recognise: it would read "myregistry" as a Docker Hub account/);
    t.regex(e.hint!, /myregistry:5000/);
    t.regex(e.hint!, /myregistry\.example\.com/);
  }
  for (const registry of ['myregistry:5000/contrail', 'registry.example.com/contrail', 'localhost/contrail', '[::1]:5000', '127.0.0.1:5000']) {
    t.is(resolveIn(tempDir(), { ...minimal, registry })().registry, registry);
  }
});

test('redaction: userinfo and queries go, the rest of the URL and the text stay', (t) => {
  t.is(redactUrl(`https://me:${SECRET}@host.example/x.tgz?X-Amz-Signature=${SECRET}#frag`), 'https://***@host.example/x.tgz?***#frag');
  t.is(redactUrl('http://127.0.0.1:1567'), 'http://127.0.0.1:1567');
  t.is(redactUrl('/srv/file.tgz'), '/srv/file.tgz');
  t.is(redactText(`git clone 'https://x-token:${SECRET}@git.example/r.git' failed (and "http://u@h/?q=${SECRET}")`),
    "git clone 'https://***@git.example/r.git' failed (and \"http://***@h/?***\")");
  t.deepEqual(redactJson({ repo: `https://t:${SECRET}@h/r`, n: 1, list: [`http://h/?s=${SECRET}`] }), { repo: 'https://***@h/r', n: 1, list: ['http://h/?***'] });
  const e = new PipelineError('input', `cannot fetch https://u:${SECRET}@h/a`, { hint: `try http://h/?k=${SECRET}`, details: [`at https://${SECRET}@h`] });
  t.false(e.toString().includes(SECRET));
});

test('a packages.url with credentials never reaches a build argument: refused, and not echoed', (t) => {
  bad(t, { ...minimal, packages: { url: `http://me:${SECRET}@repo.example/debian` } }, /^packages\.url \(in conf\/build\.json\) holds credentials or a query \(http:\/\/\*\*\*@repo\.example\/debian\)/);
  bad(t, { ...minimal, packages: { url: `https://repo.example/debian?sig=${SECRET} bookworm main` } }, /^packages\.url .* holds credentials or a query/);
});

test('a work folder or save folder that is a file: exit 2 naming the key and the path', (t) => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'work'), 'not a folder');
  const e = bad(t, { ...minimal, workDir: '../work' }, /^workDir \(in conf\/build\.json\) ".*\/work" is a file, not a folder/, [], dir);
  t.is(fs.readFileSync(path.join(dir, 'work'), 'utf8'), 'not a folder', 'the file is left as it was');
  t.truthy(e.hint);
  bad(t, { ...minimal, workDir: '../work/sub' }, /^workDir .*"\S*\/work\/sub" lies under a file, not a folder/, [], dir);
  bad(t, { ...minimal }, /^flag --save-dir ".*\/work" is a file, not a folder/, ['--save-dir', 'work'], dir);
});

test('packages.dir: a link loop, a dangling .deb link, a file, a missing folder with nothing to fall back on', (t) => {
  const dir = tempDir();
  const debs = path.join(dir, 'debs');
  fs.mkdirSync(path.join(debs, 'sub'), { recursive: true });
  fs.symlinkSync('gone.deb', path.join(debs, 'sub', 'contrail-lib_1_all.deb'));
  bad(t, { ...minimal, packages: { dir: '../debs' } }, /^packages\.dir \(in conf\/build\.json\): ".*\/debs\/sub\/contrail-lib_1_all\.deb" is a link to "gone\.deb", which does not exist/, [], dir);
  fs.rmSync(path.join(debs, 'sub', 'contrail-lib_1_all.deb'));
  fs.symlinkSync('b.deb', path.join(debs, 'a.deb'));
  fs.symlinkSync('a.deb', path.join(debs, 'b.deb'));
  bad(t, { ...minimal, packages: { dir: '../debs' } }, /^packages\.dir \(in conf\/build\.json\): ".*\/debs\/a\.deb" is a symbolic link loop/, [], dir);
  fs.symlinkSync('loop2', path.join(dir, 'loop1'));
  fs.symlinkSync('loop1', path.join(dir, 'loop2'));
  bad(t, { ...minimal, packages: { dir: '../loop1' } }, /^packages\.dir .*: ".*\/loop1" is a symbolic link loop/, [], dir);
  fs.writeFileSync(path.join(dir, 'file'), '');
  bad(t, { ...minimal, packages: { dir: '../file' } }, /^packages\.dir .* is a file, not a folder/, [], dir);
  bad(t, { ...minimal, packages: { dir: '../missing' } }, /^packages\.dir .*"\S*\/missing" does not exist, and no packages\.build\.sources/, [], dir);
});

test('packages.tar that is a folder, ansible.artifact that is a folder: refused when the config is read', (t) => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'p.tgz'));
  bad(t, { ...minimal, packages: { tar: '../p.tgz' } }, /^packages\.tar .* is a folder, not a tarball/, [], dir);
  bad(t, { ...minimal, ansible: { artifact: '../p.tgz' } }, /^ansible\.artifact \(in conf\/build\.json\) ".*\/p\.tgz" is a folder, not a contrail-ansible \.tar\.gz/, [], dir);
});

test('packages.url trust: a remote repository needs packages.key or "trusted": true; loopback is fine unsigned', (t) => {
  const dir = tempDir();
  const remote = 'http://repo.example.org/debian bookworm main';
  const e = bad(t, { ...minimal, packages: { url: remote } }, /^packages\.url \(in conf\/build\.json\) is on "repo\.example\.org", not a loopback address, and nothing says how to trust it/, [], dir);
  t.regex(e.hint!, /packages\.key/);
  t.regex(e.hint!, /"trusted": true/);
  bad(t, { ...minimal, packages: { url: remote, key: '../missing.key' } }, /^packages\.key \(in conf\/build\.json\) ".*\/missing\.key" does not exist/, [], dir);
  fs.writeFileSync(path.join(dir, 'notakey'), 'hello');
  bad(t, { ...minimal, packages: { url: remote, key: '../notakey' } }, /^packages\.key .* is not an OpenPGP public key/, [], dir);
  fs.writeFileSync(path.join(dir, 'repo.asc'), '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQENBF...\n-----END PGP PUBLIC KEY BLOCK-----\n');
  const signed = resolveIn(dir, { ...minimal, packages: { url: remote, key: '../repo.asc' } })();
  t.is(signed.packages.key, path.join(dir, 'repo.asc'));
  t.true(resolveIn(dir, { ...minimal, packages: { url: remote, trusted: true } })().packages.trusted);
  t.is(resolveIn(dir, { ...minimal, packages: { url: 'http://127.0.0.1:21301' } })().packages.trusted, false);
  t.is(repoTrust('http://127.0.0.1:21301', null, 'packages.url').warning, null);
  t.regex(repoTrust('http://repo.example.org/debian', null, 'packages.url').warning!, /used unsigned \("trusted": true\) although it is not on a loopback address/);
  const k = repoTrust('http://repo.example.org/debian', path.join(dir, 'repo.asc'), 'packages.url');
  t.is(Buffer.from(k.key, 'base64').toString(), fs.readFileSync(path.join(dir, 'repo.asc'), 'utf8'));
  t.is(k.warning, null);
});

test('a signed packages.url reaches every Dockerfile as CONTRAIL_REPO_KEY; one that cannot take it is refused', (t) => {
  const recipe = { packages: ['contrail-lib'], dockerfile: '/x/Dockerfile', buildArgs: {} };
  const std = standardBuildArgs('controller', recipe, { version: '13.0.0-1', os: 'debian12', baseImage: 'debian:bookworm', repo: { url: 'http://r.example/d', host: 'r.example', priority: 1001, key: 'S0VZ' } });
  t.is(std.CONTRAIL_REPO_KEY, 'S0VZ');
  t.deepEqual(buildArgsFor(['CONTRAIL_REPO_URL', 'CONTRAIL_REPO_KEY'], std, {}), { CONTRAIL_REPO_URL: 'http://r.example/d', CONTRAIL_REPO_KEY: 'S0VZ' });
  const e = t.throws(() => buildArgsFor(['CONTRAIL_REPO_URL'], std, {}, '/x/Dockerfile'), { instanceOf: PipelineError })!;
  t.regex(e.message, /^\/x\/Dockerfile takes CONTRAIL_REPO_URL but not CONTRAIL_REPO_KEY/);
  // unsigned (the repo container): nothing to pass, nothing refused
  const plain = standardBuildArgs('controller', recipe, { version: '13.0.0-1', os: 'debian12', baseImage: 'debian:bookworm', repo: { url: 'http://127.0.0.1:21301', host: '127.0.0.1', priority: 1001 } });
  t.deepEqual(buildArgsFor(['CONTRAIL_REPO_URL'], plain, {}), { CONTRAIL_REPO_URL: 'http://127.0.0.1:21301' });
  for (const f of fs.readdirSync(path.join(__dirname, '..', '..', 'dockerfiles'))) {
    const text = fs.readFileSync(path.join(__dirname, '..', '..', 'dockerfiles', f, 'Dockerfile'), 'utf8');
    if (/ARG CONTRAIL_REPO_URL/.test(text)) t.regex(text, /ARG CONTRAIL_REPO_KEY/, `dockerfiles/${f}`);
  }
});

test('manifestLimits: defaults, and bad values refused naming the key', (t) => {
  t.deepEqual(resolveIn(tempDir(), minimal)().manifestLimits, { maxMegabytes: 16, maxProjects: 10000, maxIncludeDepth: 16, maxIncludes: 256 });
  t.is(resolveIn(tempDir(), { ...minimal, manifestLimits: { maxProjects: 200000 } })().manifestLimits.maxProjects, 200000);
  bad(t, { ...minimal, manifestLimits: { maxProjects: 0 } }, /^manifestLimits\.maxProjects \(in conf\/build\.json\) must be >= 1/);
  bad(t, { ...minimal, manifestLimits: { maxMegabytes: 'big' } }, /^manifestLimits\.maxMegabytes \(in conf\/build\.json\) must be an integer/);
  bad(t, { ...minimal, manifestLimits: { maxIncludeDepth: -1 } }, /^manifestLimits\.maxIncludeDepth \(in conf\/build\.json\) must be >= 0/);
  bad(t, { ...minimal, manifestLimits: { maxInclude: 3 } }, /^unknown key manifestLimits\.maxInclude in conf\/build\.json/);
});
