/** engines / --engines: addresses, {host, certPath}, Docker contexts; every bad entry exit 2 before any Docker work. */
import test from 'ava';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveConfig } from '../../lib/config/load';
import { runEngines } from '../../lib/docker/engines';
import { PipelineError } from '../../lib/errors';
import { exitCodeFor } from '../../lib/exit';
import { tempDir, writeJson } from '../helpers/temp';

const base = { version: '4.0.0.0-20', cache: { registry: '127.0.0.1:19401' } };

function config(data: unknown, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const dir = tempDir();
  const file = writeJson(path.join(dir, 'build.json'), data);
  return resolveConfig({ args: ['--config', file, ...args], env, cwd: dir });
}

function bad(t: any, data: unknown, pattern: RegExp, args: string[] = [], env: NodeJS.ProcessEnv = {}): PipelineError {
  const err = t.throws(() => config(data, args, env), { instanceOf: PipelineError }) as PipelineError;
  t.regex(err.toString(), pattern);
  t.is(exitCodeFor(err), 2);
  return err;
}

function certs(files = ['ca.pem', 'cert.pem', 'key.pem']): string {
  const dir = tempDir('contrail-engine-certs-');
  for (const f of files) fs.writeFileSync(path.join(dir, f), `not a real ${f}\n`);
  return dir;
}

/** A docker config folder with contexts, laid out as `docker context create` lays it out. */
function dockerConfig(contexts: Record<string, { host: string; tls?: string[]; skipTls?: boolean; meta?: string }>): string {
  const dir = tempDir('contrail-docker-config-');
  for (const [name, c] of Object.entries(contexts)) {
    const id = createHash('sha256').update(name).digest('hex');
    const meta = path.join(dir, 'contexts', 'meta', id, 'meta.json');
    fs.mkdirSync(path.dirname(meta), { recursive: true });
    fs.writeFileSync(meta, c.meta ?? JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: c.host, SkipTLSVerify: c.skipTls ?? false } } }));
    for (const f of c.tls ?? []) {
      fs.mkdirSync(path.join(dir, 'contexts', 'tls', id, 'docker'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'contexts', 'tls', id, 'docker', f), `not a real ${f}\n`);
    }
  }
  return dir;
}

test('not given: one engine, the one of DOCKER_HOST (or the socket), as before', (t) => {
  t.is(config(base).engines, null);
  t.deepEqual(runEngines(null, {}).map((e) => e.target.address), ['unix:///var/run/docker.sock']);
  t.deepEqual(runEngines(null, { DOCKER_HOST: 'tcp://127.0.0.1:19440' }).map((e) => e.name), ['tcp://127.0.0.1:19440']);
});

test('no engines: DOCKER_HOST, else DOCKER_CONTEXT, else the current context of config.json, else the socket, as the docker CLI picks', (t) => {
  const DOCKER_CONFIG = dockerConfig({ 'build-a': { host: 'tcp://127.0.0.1:19445' }, 'build-b': { host: 'tcp://127.0.0.1:19446' } });
  const at = (env: NodeJS.ProcessEnv) => runEngines(null, { DOCKER_CONFIG, ...env }).map((e) => [e.name, e.target.address]);
  t.deepEqual(at({}), [['unix:///var/run/docker.sock', 'unix:///var/run/docker.sock']]);
  fs.writeFileSync(path.join(DOCKER_CONFIG, 'config.json'), JSON.stringify({ auths: {}, currentContext: 'build-a' }));
  t.deepEqual(at({}), [['build-a', 'tcp://127.0.0.1:19445']]);
  t.deepEqual(at({ DOCKER_CONTEXT: 'build-b' }), [['build-b', 'tcp://127.0.0.1:19446']]);
  t.deepEqual(at({ DOCKER_CONTEXT: 'default' }), [['unix:///var/run/docker.sock', 'unix:///var/run/docker.sock']]);
  t.deepEqual(at({ DOCKER_CONTEXT: 'build-b', DOCKER_HOST: 'tcp://127.0.0.1:19447' }), [['tcp://127.0.0.1:19447', 'tcp://127.0.0.1:19447']]);
  fs.writeFileSync(path.join(DOCKER_CONFIG, 'config.json'), '{ not json');
  t.deepEqual(at({}), [['unix:///var/run/docker.sock', 'unix:///var/run/docker.sock']], 'an unreadable config.json names no context');
});

test('bad: DOCKER_CONTEXT or currentContext naming no context, exit 2 naming where it came from', (t) => {
  const DOCKER_CONFIG = dockerConfig({ 'build-a': { host: 'tcp://127.0.0.1:19445' } });
  for (const [env, pattern] of [
    [{ DOCKER_CONTEXT: 'build-z' }, /^environment variable DOCKER_CONTEXT "build-z": there is no Docker context "build-z"/],
    [{ DOCKER_CONTEXT: 'tcp://127.0.0.1:1' }, /^environment variable DOCKER_CONTEXT "tcp:\/\/127.0.0.1:1" is not a Docker context name/],
  ] as const) {
    const e = t.throws(() => runEngines(null, { DOCKER_CONFIG, ...env }), { instanceOf: PipelineError })!;
    t.regex(e.message, pattern);
    t.is(exitCodeFor(e), 2);
  }
  fs.writeFileSync(path.join(DOCKER_CONFIG, 'config.json'), JSON.stringify({ currentContext: 'gone' }));
  const e = t.throws(() => runEngines(null, { DOCKER_CONFIG }), { instanceOf: PipelineError })!;
  t.regex(e.message, /^currentContext in .*config.json "gone": there is no Docker context "gone"/);
  t.regex(e.hint!, /contexts in .*: build-a/);
});

test('addresses, {host, certPath} and the flag', (t) => {
  const dir = certs();
  const c = config({ ...base, engines: ['unix:///var/run/docker.sock', 'tcp://127.0.0.1:19440', '127.0.0.1:19441', { host: 'tcp://127.0.0.1:19442', certPath: dir }] });
  t.deepEqual(c.engines!.map((e) => e.target.address), ['unix:///var/run/docker.sock', 'tcp://127.0.0.1:19440', 'tcp://127.0.0.1:19441', 'tcp://127.0.0.1:19442']);
  t.deepEqual(c.engines![3].target.tls, { certPath: dir });
  t.is(c.engines![3].target.options.protocol, 'https');
  t.is(c.engines![1].target.options.protocol, 'http');
  const f = config(base, ['--engines', 'tcp://127.0.0.1:19440, tcp://127.0.0.1:19441']);
  t.deepEqual(f.engines!.map((e) => e.name), ['tcp://127.0.0.1:19440', 'tcp://127.0.0.1:19441']);
  // the flag replaces the file's list
  t.is(config({ ...base, engines: ['tcp://127.0.0.1:19440', 'tcp://127.0.0.1:19441'] }, ['--engines', 'tcp://127.0.0.1:19443']).engines!.length, 1);
});

test('a relative certPath is read against the config file', (t) => {
  const dir = tempDir();
  const tls = path.join(dir, 'tls');
  fs.mkdirSync(tls);
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(tls, f), 'x');
  const file = writeJson(path.join(dir, 'build.json'), { ...base, engines: [{ host: 'tcp://127.0.0.1:19444', certPath: 'tls' }] });
  const c = resolveConfig({ args: ['--config', file], env: {}, cwd: '/' });
  t.deepEqual(c.engines![0].target.tls, { certPath: tls });
});

test('a Docker context, read as the docker CLI reads it: host and TLS folder', (t) => {
  const DOCKER_CONFIG = dockerConfig({
    'build-a': { host: 'tcp://127.0.0.1:19445' },
    'build-b': { host: 'tcp://127.0.0.1:19446', tls: ['ca.pem', 'cert.pem', 'key.pem'] },
    sock: { host: 'unix:///run/other.sock' },
  });
  const c = config(base, ['--engines', 'build-a,build-b,sock'], { DOCKER_CONFIG });
  t.deepEqual(c.engines!.map((e) => e.name), ['build-a', 'build-b', 'sock']);
  t.deepEqual(c.engines!.map((e) => e.target.address), ['tcp://127.0.0.1:19445', 'tcp://127.0.0.1:19446', 'unix:///run/other.sock']);
  t.is(c.engines![0].target.tls, null);
  const id = createHash('sha256').update('build-b').digest('hex');
  t.deepEqual(c.engines![1].target.tls, { certPath: path.join(DOCKER_CONFIG, 'contexts', 'tls', id, 'docker') });
  // "default" is the environment's engine, as for the CLI
  t.is(config(base, ['--engines', 'default,build-a'], { DOCKER_CONFIG, DOCKER_HOST: 'tcp://127.0.0.1:19447' }).engines![0].target.address, 'tcp://127.0.0.1:19447');
});

test('bad: an unknown context names the entry and the contexts there are', (t) => {
  const DOCKER_CONFIG = dockerConfig({ 'build-a': { host: 'tcp://127.0.0.1:19445' } });
  const e = bad(t, base, /flag --engines entry 2 "build-z": there is no Docker context "build-z"/, ['--engines', 'build-a,build-z'], { DOCKER_CONFIG });
  t.regex(e.hint!, /contexts in .*: build-a/);
});

test('bad: a context without a host, with a broken meta.json, skipping TLS verification, or with part of its TLS files', (t) => {
  const DOCKER_CONFIG = dockerConfig({
    nohost: { host: '' },
    broken: { host: '', meta: '{"Name": "broken",' },
    skip: { host: 'tcp://127.0.0.1:19445', skipTls: true },
    half: { host: 'tcp://127.0.0.1:19446', tls: ['ca.pem'] },
    badhost: { host: 'http://127.0.0.1:19447' },
  });
  bad(t, base, /entry 1 "nohost": the Docker context "nohost" names no Docker endpoint host/, ['--engines', 'nohost'], { DOCKER_CONFIG });
  bad(t, base, /entry 1 "broken": the Docker context "broken" has a meta.json that is not JSON/, ['--engines', 'broken'], { DOCKER_CONFIG });
  bad(t, base, /entry 1 "skip": the Docker context "skip" skips TLS verification/, ['--engines', 'skip'], { DOCKER_CONFIG });
  bad(t, base, /entry 1 "half": the Docker context "half" has TLS files .* but no cert.pem, key.pem/, ['--engines', 'half'], { DOCKER_CONFIG });
  bad(t, base, /entry 1 "badhost": the context's host "http:\/\/127.0.0.1:19447": http:\/\/ is not a way to reach a Docker engine/, ['--engines', 'badhost'], { DOCKER_CONFIG });
});

test('bad: malformed addresses name the entry', (t) => {
  bad(t, { ...base, engines: ['tcp://127.0.0.1:19440', 'http://127.0.0.1:19441'] }, /engines \(in build.json\) entry 2 "http:\/\/127.0.0.1:19441".*http:\/\/ is not a way to reach a Docker engine/);
  bad(t, base, /flag --engines entry 1 "tcp:\/\/127.0.0.1:99999" is not an engine address/, ['--engines', 'tcp://127.0.0.1:99999']);
  bad(t, base, /entry 1 "tcp:\/\/h:2375\/path" is not an engine address \(tcp:\/\/HOST\[:PORT\] only\)/, ['--engines', 'tcp://h:2375/path']);
  bad(t, base, /entry 1 "tcp:\/\/\*\*\*@h:2375" is not an engine address/, ['--engines', 'tcp://user@h:2375']);
  bad(t, { ...base, engines: [{ host: 'unix:///var/run/docker.sock', certPath: certs() }] }, /entry 1 .*TLS certificates go with a tcp:\/\/ engine/);
  bad(t, { ...base, engines: [{ host: 'tcp://127.0.0.1:19442', certPath: certs(['ca.pem']) }] }, /entry 1 "tcp:\/\/127.0.0.1:19442": the TLS folder .* has no cert.pem, key.pem/);
});

test('bad: the same engine twice, also under two names', (t) => {
  bad(t, base, /names the engine tcp:\/\/127.0.0.1:19440 twice: entry 1 "tcp:\/\/127.0.0.1:19440" and entry 2 "127.0.0.1:19440"/, ['--engines', 'tcp://127.0.0.1:19440,127.0.0.1:19440']);
  const DOCKER_CONFIG = dockerConfig({ 'build-a': { host: 'unix:///var/run/docker.sock' } });
  bad(t, base, /names the engine unix:\/\/\/var\/run\/docker.sock twice: entry 1 "default" and entry 2 "build-a"/, ['--engines', 'default,build-a'], { DOCKER_CONFIG });
});

test('bad: empty lists, empty entries and wrong types', (t) => {
  bad(t, base, /flag --engines must name at least one engine/, ['--engines', ' , ']);
  bad(t, base, /flag --engines has an empty entry 2/, ['--engines', 'tcp://127.0.0.1:19440,,tcp://127.0.0.1:19441']);
  bad(t, { ...base, engines: [] }, /engines \(in build.json\) lists no engine/);
  bad(t, { ...base, engines: [''] }, /engines\[0\] \(in build.json\) must not be empty/);
  bad(t, { ...base, engines: [3] }, /engines\[0\] \(in build.json\) must be a string or object/);
  bad(t, { ...base, engines: [{ host: 'tcp://127.0.0.1:19440', tls: true }] }, /unknown key engines\[0\]\.tls/);
  bad(t, { ...base, engines: [{ certPath: 'x' }] }, /engines\[0\]\.host is required/);
  bad(t, { ...base, engines: 'tcp://127.0.0.1:19440' }, /engines \(in build.json\) must be an array or null/);
});

test('bad: more than one engine and no registry to hand images between them', (t) => {
  const two = ['--engines', 'tcp://127.0.0.1:19440,tcp://127.0.0.1:19441'];
  const e = bad(t, { version: '4.0.0.0-20' }, /flag --engines lists 2 engines, but there is no registry to hand images between them/, two);
  t.regex(e.hint!, /--cache-registry/);
  bad(t, { version: '4.0.0.0-20', registry: '127.0.0.1:19400', cache: { registry: 'none' } }, /lists 2 engines, but there is no registry/, two);
  // the push registry is the cache registry by default: enough
  t.is(config({ version: '4.0.0.0-20', registry: '127.0.0.1:19400' }, two).engines!.length, 2);
  // one engine needs none
  t.is(config({ version: '4.0.0.0-20' }, ['--engines', 'tcp://127.0.0.1:19440']).engines!.length, 1);
});
