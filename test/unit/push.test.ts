import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import test from 'ava';
import { PipelineError } from '../../lib/errors';
import { parseRegistry } from '../../lib/config/checks';
import { mapLimit } from '../../lib/limit';
import { memoryLogger } from '../../lib/log';
import { engineTreatsInsecure } from '../../lib/push/connect';
import {
  dockerConfigDir, engineAuth, fromAuths, helperFor, hostOfKey, parseDockerConfig, resolveCredentials, serverAddressFor,
} from '../../lib/push/credentials';
import { apiName, CredentialsRejected, LoginRequired, parseChallenge, RegistryClient } from '../../lib/push/registryApi';
import { backoffDelay, classifyFailure, RetriesEnded, withRetries } from '../../lib/push/retry';
import { pushSummary, pushTargets } from '../../lib/push/targets';
import type { ShipImage } from '../../lib/ship';
import { tempDir } from '../helpers/temp';

const errno = (code: string, message = code) => Object.assign(new Error(message), { code });

test('transient failures: connection refused or reset, EOF, 5xx, timeouts, 429', (t) => {
  for (const e of [
    errno('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5000'),
    errno('ECONNRESET', 'socket hang up'),
    errno('ETIMEDOUT'),
    new Error('Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused'),
    new Error('Put "http://r/v2/x/blobs/uploads/1": EOF'),
    new Error('received unexpected HTTP status: 503 Service Unavailable'),
    new Error('received unexpected HTTP status: 500 Internal Server Error'),
    new Error('net/http: TLS handshake timeout'),
    new Error('toomanyrequests: too many requests'),
    new Error('write tcp 127.0.0.1:58544->127.0.0.1:37545: use of closed network connection'),
    new Error('write tcp 127.0.0.1:46078->127.0.0.1:37545: write: connection reset by peer'),
    Object.assign(new Error('x'), { statusCode: 502 }),
    Object.assign(new Error('x'), { status: 429 }),
  ]) t.is(classifyFailure(e), 'transient', e.message);
});

test('permanent failures: denied, unauthorized, 4xx, manifest invalid, and anything unknown', (t) => {
  for (const e of [
    new Error('denied: requested access to the resource is denied'),
    new Error('unauthorized: authentication required'),
    new Error('manifest invalid: manifest invalid'),
    new Error('name unknown: repository name not known to registry'),
    new Error('An image does not exist locally with the tag: x'),
    Object.assign(new Error('x'), { status: 404 }),
    Object.assign(new Error('registry refused'), { status: 401 }),
    Object.assign(new Error('the registry reports another digest'), { permanent: true }),
    new Error('something nobody has seen before'),
    // a denial that mentions a timeout is still a denial
    new Error('denied: token timed out'),
  ]) t.is(classifyFailure(e), 'permanent', e.message);
});

test('backoff doubles from 0.5 s and is capped', (t) => {
  t.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n)), [500, 1000, 2000, 4000, 8000, 8000]);
  t.deepEqual([1, 2, 3].map((n) => backoffDelay(n, { baseMs: 10, maxMs: 25 })), [10, 20, 25]);
});

test('retries: transient failures are retried a bounded number of times, visibly', async (t) => {
  const log = memoryLogger();
  let calls = 0;
  const e = await t.throwsAsync(withRetries(async () => {
    calls++;
    throw errno('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1');
  }, { retries: 3, what: 'push of x', log, backoff: { baseMs: 1, maxMs: 4 } }));
  t.is(calls, 4);
  t.true(e instanceof RetriesEnded);
  t.is((e as RetriesEnded).attempts, 4);
  t.is((e as RetriesEnded).kind, 'transient');
  t.deepEqual(log.lines.filter((l) => l.level === 'warn').map((l) => l.message), [
    'push of x failed (connect ECONNREFUSED 127.0.0.1:1): retry 1 of 3 in 1 ms',
    'push of x failed (connect ECONNREFUSED 127.0.0.1:1): retry 2 of 3 in 2 ms',
    'push of x failed (connect ECONNREFUSED 127.0.0.1:1): retry 3 of 3 in 4 ms',
  ]);
});

test('retries: a permanent failure stops at once; a success after a transient one returns', async (t) => {
  let calls = 0;
  const e = await t.throwsAsync(withRetries(async () => {
    calls++;
    throw new Error('unauthorized: authentication required');
  }, { retries: 5, what: 'x', log: memoryLogger(), backoff: { baseMs: 1, maxMs: 1 } }));
  t.is(calls, 1);
  t.is((e as RetriesEnded).kind, 'permanent');
  let n = 0;
  t.is(await withRetries(async () => {
    if (n++ === 0) throw errno('ECONNRESET');
    return 'ok';
  }, { retries: 1, what: 'x', log: memoryLogger(), backoff: { baseMs: 1, maxMs: 1 } }), 'ok');
});

test('retries: an interrupt ends the wait', async (t) => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('interrupted')), 20);
  let attempts = 0;
  // the wait is a minute long: only the interrupt can end it within ava's timeout
  await t.throwsAsync(withRetries(async () => {
    attempts++;
    throw errno('ECONNREFUSED');
  }, { retries: 3, what: 'x', log: memoryLogger(), signal: controller.signal, backoff: { baseMs: 60_000, maxMs: 60_000 } }), { message: 'interrupted' });
  t.is(attempts, 1, 'no attempt after the interrupt');
});

const HASH = 'e'.repeat(64);
const ship = (component: string): ShipImage => ({ component, ref: `contrail-${component}-debian12:t-9`, id: 'sha256:1', inputHash: HASH, size: 1 });

test('push targets: <registry>/contrail-<component>-<os>:<version>, namespaces kept, tag explicit', (t) => {
  const plain = pushTargets([ship('controller'), ship('repo')], parseRegistry('127.0.0.1:5000', 'registry'), 't-9');
  t.deepEqual(plain.map((p) => [p.ref, p.repository, p.tag, p.name]), [
    ['127.0.0.1:5000/contrail-controller-debian12:t-9', '127.0.0.1:5000/contrail-controller-debian12', 't-9', 'contrail-controller-debian12'],
    ['127.0.0.1:5000/contrail-repo-debian12:t-9', '127.0.0.1:5000/contrail-repo-debian12', 't-9', 'contrail-repo-debian12'],
  ]);
  const ns = pushTargets([ship('agent')], parseRegistry('registry.example.com/contrail/nightly', 'registry'), 't-9');
  t.is(ns[0].ref, 'registry.example.com/contrail/nightly/contrail-agent-debian12:t-9');
  t.is(ns[0].name, 'contrail/nightly/contrail-agent-debian12');
  t.is(apiName('', 'x'), 'x');
  t.deepEqual(plain.map((p) => p.identity), [`h-${HASH}`, `h-${HASH}`], 'uploaded first under the tag of the input hash');
});

test('push targets: an image without an input hash has no identity to publish under, and nothing is pushed', (t) => {
  const e = t.throws(() => pushTargets([ship('base'), { ...ship('repo'), inputHash: '' }], parseRegistry('r:5000', 'registry'), 't-9'));
  t.regex(e!.message, /cannot push contrail-repo-debian12:t-9: no input hash label/);
});

test('push summary: one line per image with its status and digest, never credentials', (t) => {
  const lines = pushSummary([
    { component: 'base', ref: 'r/contrail-base-d:1', status: 'pushed', version: 'moved', digest: 'sha256:aa', attempts: 1 },
    { component: 'lb', ref: 'r/contrail-lb-d:1', status: 'already there', version: 'unchanged', digest: 'sha256:bb', attempts: 2 },
    { component: 'agent', ref: 'r/contrail-agent-d:1', status: 'failed', version: 'not moved', digest: null, attempts: 5, error: 'connection refused' },
  ]);
  t.deepEqual(lines, [
    'pushed        r/contrail-base-d:1   sha256:aa, version tag moved',
    'already there r/contrail-lb-d:1     sha256:bb, version tag unchanged (2 attempts)',
    'failed        r/contrail-agent-d:1  failed: connection refused (5 attempts)',
  ]);
});

test('auth challenges: basic and bearer with quoted parameters', (t) => {
  t.deepEqual(parseChallenge('Basic realm="contrail-test"'), { scheme: 'basic', params: { realm: 'contrail-test' } });
  t.deepEqual(parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"'), {
    scheme: 'bearer', params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:a/b:pull,push' },
  });
  t.is(parseChallenge(undefined), null);
  t.is(parseChallenge('Negotiate xyz'), null);
});

test('docker config keys match the registry host whatever their form', (t) => {
  t.is(hostOfKey('https://127.0.0.1:5000/v1/'), '127.0.0.1:5000');
  t.is(hostOfKey('127.0.0.1:5000'), '127.0.0.1:5000');
  t.is(hostOfKey('http://Registry.Example.com'), 'registry.example.com');
  t.is(serverAddressFor('docker.io'), 'https://index.docker.io/v1/');
  t.is(serverAddressFor('127.0.0.1:5000'), '127.0.0.1:5000');
  t.is(dockerConfigDir({ DOCKER_CONFIG: '/x' }), '/x');
  t.is(dockerConfigDir({ HOME: '/home/u' }), '/home/u/.docker');
});

test('auths: base64 "user:password", username/password, identity token; bad entries name the file and key only', (t) => {
  const file = '/c/config.json';
  const config = parseDockerConfig(JSON.stringify({
    auths: {
      'https://a.example.com/v1/': { auth: Buffer.from('alice:s3cr:et').toString('base64') },
      'b.example.com': { username: 'bob', password: 'pw' },
      'c.example.com': { identitytoken: 'tok' },
      'd.example.com': { auth: Buffer.from('no-colon-here').toString('base64') },
      'e.example.com': {},
    },
  }), file);
  t.deepEqual(fromAuths(config, 'a.example.com', file), { username: 'alice', password: 's3cr:et', source: file });
  t.deepEqual(fromAuths(config, 'b.example.com', file), { username: 'bob', password: 'pw', source: file });
  t.deepEqual(fromAuths(config, 'c.example.com', file), { identitytoken: 'tok', username: undefined, source: file });
  t.is(fromAuths(config, 'e.example.com', file), null);
  t.is(fromAuths(config, 'nowhere.example.com', file), null);
  const e = t.throws(() => fromAuths(config, 'd.example.com', file));
  t.regex(e!.message, /\/c\/config\.json auths\["d\.example\.com"\]\.auth is not base64 of "user:password"/);
  t.notRegex(e!.message, /no-colon-here/);
  t.regex(t.throws(() => parseDockerConfig('{', file))!.message, /\/c\/config\.json is not valid JSON/);
  t.regex(t.throws(() => parseDockerConfig('{"auths": []}', file))!.message, /"auths" must be an object/);
});

test('credHelpers for the host win over credsStore, as in the docker CLI', (t) => {
  const config = { credHelpers: { 'r.example.com': 'pass' }, credsStore: 'desktop' };
  t.deepEqual(helperFor(config, 'r.example.com'), { name: 'pass', key: 'credHelpers["r.example.com"]' });
  t.deepEqual(helperFor(config, 'other.example.com'), { name: 'desktop', key: 'credsStore' });
  t.is(helperFor({}, 'x'), null);
});

test('the engine gets {} without credentials, and the server address with them', (t) => {
  t.deepEqual(engineAuth(null, '127.0.0.1:5000'), {});
  t.deepEqual(engineAuth({ username: 'u', password: 'p', source: 's' }, '127.0.0.1:5000'), { serveraddress: '127.0.0.1:5000', username: 'u', password: 'p' });
  t.deepEqual(engineAuth({ identitytoken: 'tok', source: 's' }, 'docker.io'), { serveraddress: 'https://index.docker.io/v1/', identitytoken: 'tok' });
});

test('credentials: --registry-user needs CONTAINER_REGISTRY_PASSWORD, and the password alone is an error', async (t) => {
  const env = { DOCKER_CONFIG: tempDir() };
  t.deepEqual(await resolveCredentials({ host: 'r:5000', user: 'u', env: { ...env, CONTAINER_REGISTRY_PASSWORD: 'pw' } }), {
    username: 'u', password: 'pw', source: 'CONTAINER_REGISTRY_PASSWORD',
  });
  const e = await t.throwsAsync(resolveCredentials({ host: 'r:5000', user: 'u', env }));
  t.regex(e!.message, /a registry user is given \("u"\) but CONTAINER_REGISTRY_PASSWORD is not set/);
  t.is((e as any).kind, 'input');
  const e2 = await t.throwsAsync(resolveCredentials({ host: 'r:5000', user: null, env: { ...env, CONTAINER_REGISTRY_PASSWORD: 'hunter2' } }));
  t.regex(e2!.message, /CONTAINER_REGISTRY_PASSWORD is set but no registry user is given/);
  t.notRegex(`${e2!.message} ${(e2 as any).hint}`, /hunter2/);
  t.is(await resolveCredentials({ host: 'r:5000', user: null, env }), null, 'no config.json: no credentials');
});

/** A real credential helper program, speaking the docker-credential protocol. */
function writeHelper(dir: string, name: string, body: string): void {
  const file = path.join(dir, `docker-credential-${name}`);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`);
  fs.chmodSync(file, 0o755);
}

test('credentials: credHelpers and credsStore run docker-credential-<name> get with the server on stdin', async (t) => {
  const bin = tempDir();
  writeHelper(bin, 'shiptest', 'read server; [ "$1" = get ] || exit 3; echo "{\\"ServerURL\\":\\"$server\\",\\"Username\\":\\"helper-user\\",\\"Secret\\":\\"pw-for-$server\\"}"');
  writeHelper(bin, 'shiptoken', 'read server; echo \'{"Username":"<token>","Secret":"refresh-token"}\'');
  writeHelper(bin, 'shipnone', 'read server; echo "credentials not found in native keychain"; exit 1');
  writeHelper(bin, 'shipbroken', 'read server; echo "the keyring is locked" >&2; exit 4');
  const cfg = tempDir();
  fs.writeFileSync(path.join(cfg, 'config.json'), JSON.stringify({
    credHelpers: { '127.0.0.1:5001': 'shiptest', '127.0.0.1:5002': 'shiptoken', '127.0.0.1:5003': 'shipnone', '127.0.0.1:5004': 'shipbroken', '127.0.0.1:5005': 'missing' },
  }));
  const env = { DOCKER_CONFIG: cfg, PATH: `${bin}:${process.env.PATH}` };
  t.deepEqual(await resolveCredentials({ host: '127.0.0.1:5001', user: null, env }), {
    username: 'helper-user', password: 'pw-for-127.0.0.1:5001', source: 'docker-credential-shiptest',
  });
  t.deepEqual(await resolveCredentials({ host: '127.0.0.1:5002', user: null, env }), { identitytoken: 'refresh-token', source: 'docker-credential-shiptoken' });
  t.is(await resolveCredentials({ host: '127.0.0.1:5003', user: null, env }), null);
  const broken = await t.throwsAsync(resolveCredentials({ host: '127.0.0.1:5004', user: null, env }));
  t.regex(broken!.message, /docker-credential-shipbroken \(credHelpers\["127\.0\.0\.1:5004"\] in .*config\.json\) failed with exit code 4: the keyring is locked/);
  const missing = await t.throwsAsync(resolveCredentials({ host: '127.0.0.1:5005', user: null, env }));
  t.regex(missing!.message, /the credential helper docker-credential-missing .* is not installed/);
  fs.writeFileSync(path.join(cfg, 'config.json'), JSON.stringify({ credsStore: '../evil' }));
  t.regex((await t.throwsAsync(resolveCredentials({ host: 'x', user: null, env })))!.message, /not a program name/);
});

test('plain http only where the engine allows it: loopback, insecure-registries, insecure CIDRs', (t) => {
  t.true(engineTreatsInsecure(undefined, '127.0.0.1:5000', []));
  t.true(engineTreatsInsecure(undefined, 'localhost:5000', []));
  t.false(engineTreatsInsecure(undefined, 'registry.example.com', ['10.0.0.5']));
  const config = { InsecureRegistryCIDRs: ['127.0.0.0/8', '10.84.0.0/16'], IndexConfigs: { 'lab.example.com:5000': { Secure: false }, 'docker.io': { Secure: true } } };
  t.true(engineTreatsInsecure(config, 'lab.example.com:5000', []));
  t.true(engineTreatsInsecure(config, '10.84.34.155:5000', []));
  t.true(engineTreatsInsecure(config, 'build.example.com:5000', ['10.84.1.1']));
  t.false(engineTreatsInsecure(config, '10.85.0.1:5000', []));
  t.false(engineTreatsInsecure(config, 'docker.io', []));
});

test('a registry written with user:password@ is refused without repeating the password', (t) => {
  for (const value of ['alice:hunter2@127.0.0.1:5000', 'alice@registry.example.com/contrail']) {
    const e = t.throws(() => parseRegistry(value, 'flag --registry'));
    t.regex(e!.message, /flag --registry holds credentials/);
    t.is((e as any).kind, 'input');
    t.notRegex(`${e!.message} ${(e as any).hint}`, /hunter2|alice/);
  }
});

test('up to `jobs` at once: mapLimit never runs more, runs every item, keeps the order', async (t) => {
  let running = 0;
  let most = 0;
  const out = await mapLimit([5, 1, 4, 2, 3, 1, 2], 3, async (ms, i) => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, ms * 5));
    running--;
    return i;
  });
  t.deepEqual(out, [0, 1, 2, 3, 4, 5, 6]);
  t.is(most, 3);
  t.deepEqual(await mapLimit([], 3, async () => 1), []);
});

/**
 * Token auth (what most hosted registries use) needs a token service, which Debian's
 * docker-registry does not include: this one speaks the distribution token protocol.
 */
async function tokenRegistry(): Promise<{ host: string; close: () => void; seen: string[] }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const auth = req.headers.authorization ?? '';
    seen.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === '/token') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const ok = auth === `Basic ${Buffer.from('tok-user:tok-pass').toString('base64')}`
          || (req.method === 'POST' && form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === 'refresh-1');
        if (!ok) return res.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: `T:${url.searchParams.get('scope') ?? form.get('scope') ?? ''}` }));
      });
      return;
    }
    if (!auth.startsWith('Bearer T:')) {
      return res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${host}/token",service="test-registry"` }).end();
    }
    if (url.pathname === '/v2/') return res.writeHead(200).end('{}');
    if (url.pathname === '/v2/ns/contrail-x/manifests/1' && auth === 'Bearer T:repository:ns/contrail-x:pull') {
      return res.writeHead(200, { 'Docker-Content-Digest': `sha256:${'a'.repeat(64)}` }).end('{}');
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return { host, close: () => server.close(), seen };
}

test('bearer tokens: the password is exchanged at the realm the registry names; a refused one is CredentialsRejected', async (t) => {
  const reg = await tokenRegistry();
  try {
    const good = new RegistryClient({ host: reg.host, scheme: 'http', credentials: { username: 'tok-user', password: 'tok-pass', source: 't' } });
    await good.ping();
    t.is(await good.manifestDigest('ns/contrail-x', '1'), `sha256:${'a'.repeat(64)}`);
    t.is(await good.manifestDigest('ns/contrail-x', '2'), null);
    t.true(reg.seen.includes('GET /token?service=test-registry&scope=repository%3Ans%2Fcontrail-x%3Apull&account=tok-user'));
    const token = new RegistryClient({ host: reg.host, scheme: 'http', credentials: { identitytoken: 'refresh-1', source: 't' } });
    await token.ping();
    const bad = new RegistryClient({ host: reg.host, scheme: 'http', credentials: { username: 'tok-user', password: 'nope', source: 't' } });
    await t.throwsAsync(bad.ping(), { instanceOf: CredentialsRejected });
    const none = new RegistryClient({ host: reg.host, scheme: 'http', credentials: null });
    await t.throwsAsync(none.ping(), { instanceOf: LoginRequired });
  } finally {
    reg.close();
  }
});

test('bearer tokens: credentials are not sent to a plain-http token service on another host; the realm is named', async (t) => {
  const asked: string[] = [];
  const tokens = http.createServer((req, res) => {
    asked.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token":"T:"}');
  });
  await new Promise<void>((r) => tokens.listen(0, '127.0.0.1', r));
  // "localhost" is another host name than the registry's 127.0.0.1: to the client, another machine
  const realm = `http://localhost:${(tokens.address() as { port: number }).port}/token?sig=hidden`;
  const registry = http.createServer((_req, res) => res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${realm}",service="x"` }).end());
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(registry.address() as { port: number }).port}`;
  try {
    const client = new RegistryClient({ host, scheme: 'http', credentials: { username: 'u', password: 'p4ss', source: 't' } });
    const e = await t.throwsAsync(client.ping(), { instanceOf: PipelineError });
    t.is(e!.kind, 'input');
    t.regex(e!.message, new RegExp(`registry ${host} names the token service "http://localhost:\\d+/token\\?\\*\\*\\*", which is neither https nor on the registry's own host`));
    t.deepEqual(asked, [], 'the token service heard nothing');
    // without credentials there is nothing to protect: the anonymous token is fetched
    await new RegistryClient({ host, scheme: 'http', credentials: null }).ping().catch(() => undefined);
    t.is(asked.length, 1);
    t.false(asked[0].includes('Basic'), 'no credentials in the anonymous request');
  } finally {
    registry.close();
    tokens.close();
  }
});
