/** Where the engine is: DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, read as the docker CLI reads them. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { redactUrl } from '../../lib/redact';
import {
  checkEngine, dockerClient, engineAddress, engineHint, engineIsRemote, engineTarget, loopbackOnTwoMachines,
} from '../../lib/docker/engine';
import { PipelineError } from '../../lib/errors';
import { tempDir } from '../helpers/temp';

const none = () => false;
const all = () => true;

function certDir(files = ['ca.pem', 'cert.pem', 'key.pem']): string {
  const dir = tempDir('contrail-certs-');
  for (const f of files) fs.writeFileSync(path.join(dir, f), `not a real ${f}\n`);
  return dir;
}

test('no DOCKER_HOST: the default unix socket', (t) => {
  for (const env of [{}, { DOCKER_HOST: '' }, { DOCKER_HOST: '  ' }]) {
    const target = engineTarget(env, none);
    t.is(target.address, 'unix:///var/run/docker.sock');
    t.deepEqual(target.options, { socketPath: '/var/run/docker.sock' });
    t.is(target.tls, null);
  }
});

test('unix://PATH: that socket', (t) => {
  t.deepEqual(engineTarget({ DOCKER_HOST: 'unix:///run/user/0/docker.sock' }, none).options, { socketPath: '/run/user/0/docker.sock' });
  t.is(engineTarget({ DOCKER_HOST: 'unix://' }, none).address, 'unix:///var/run/docker.sock');
});

test('tcp://HOST:PORT, HOST:PORT, IPv6: plain http without DOCKER_TLS_VERIFY', (t) => {
  t.deepEqual(engineTarget({ DOCKER_HOST: 'tcp://build-host:18720' }, none),
    { address: 'tcp://build-host:18720', tls: null, options: { host: 'build-host', port: 18720, protocol: 'http' } });
  t.deepEqual(engineTarget({ DOCKER_HOST: '127.0.0.1:2375' }, none).options, { host: '127.0.0.1', port: 2375, protocol: 'http' });
  t.deepEqual(engineTarget({ DOCKER_HOST: 'tcp://[::1]:2375' }, none).options, { host: '::1', port: 2375, protocol: 'http' });
  t.is(engineTarget({ DOCKER_HOST: 'tcp://[::1]:2375' }, none).address, 'tcp://[::1]:2375');
  t.is(engineTarget({ DOCKER_HOST: 'tcp://build-host/' }, none).address, 'tcp://build-host:2375');
});

test('a tcp address without a port: 2375, or 2376 with TLS (as docker)', (t) => {
  t.is(engineTarget({ DOCKER_HOST: 'tcp://build-host' }, none).options.port, 2375);
  t.is(engineTarget({ DOCKER_HOST: 'tcp://build-host', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }, all).options.port, 2376);
});

test('DOCKER_TLS_VERIFY: https with the certificates of DOCKER_CERT_PATH; any non-empty value turns it on, as docker', (t) => {
  for (const v of ['1', 'true', 'yes']) {
    const target = engineTarget({ DOCKER_HOST: 'tcp://build-host:2376', DOCKER_TLS_VERIFY: v, DOCKER_CERT_PATH: '/etc/contrail/certs' }, all);
    t.deepEqual(target, {
      address: 'tcp://build-host:2376', tls: { certPath: '/etc/contrail/certs' },
      options: { host: 'build-host', port: 2376, protocol: 'https' },
    });
  }
  t.is(engineTarget({ DOCKER_HOST: 'tcp://build-host:2376', DOCKER_TLS_VERIFY: '' }, all).tls, null);
});

test('DOCKER_CERT_PATH defaults to $DOCKER_CONFIG, else ~/.docker', (t) => {
  const seen: string[] = [];
  const exists = (f: string) => (seen.push(f), true);
  t.deepEqual(engineTarget({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: '/cfg' }, exists).tls, { certPath: '/cfg' });
  t.deepEqual(engineTarget({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', HOME: '/home/builder' }, exists).tls, { certPath: '/home/builder/.docker' });
  t.true(seen.includes('/home/builder/.docker/key.pem'));
});

test('TLS without the certificate files: one input error naming the variable, the folder and the missing files', (t) => {
  const dir = certDir(['ca.pem']);
  const e = t.throws(() => engineTarget({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }), { instanceOf: PipelineError })!;
  t.is((e as PipelineError).kind, 'input');
  t.regex(e.message, /DOCKER_CERT_PATH/);
  t.true(e.message.includes(dir));
  t.regex(e.message, /cert\.pem, key\.pem$/);
  t.notRegex(e.message, /ca\.pem/);
  t.regex((e as PipelineError).hint!, /ca\.pem.*cert\.pem, key\.pem/);

  const home = t.throws(() => engineTarget({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', HOME: '/nowhere' }, none))!;
  t.regex(home.message, /default ~\/\.docker .*\/nowhere\/\.docker.* has no ca\.pem, cert\.pem, key\.pem/);
});

test('DOCKER_CERT_PATH alone does not turn TLS on, but its files must be there (docker-modem reads them)', (t) => {
  const dir = certDir();
  t.deepEqual(engineTarget({ DOCKER_HOST: 'tcp://h:2375', DOCKER_CERT_PATH: dir }).options, { host: 'h', port: 2375, protocol: 'http' });
  const e = t.throws(() => engineTarget({ DOCKER_HOST: 'tcp://h:2375', DOCKER_CERT_PATH: '/no/such/certs' }))!;
  t.regex(e.message, /^DOCKER_CERT_PATH "\/no\/such\/certs" has no ca\.pem, cert\.pem, key\.pem/);
  t.regex((e as PipelineError).hint!, /unset it/);
});

test('bad DOCKER_HOST values: one input error naming DOCKER_HOST and showing the forms', (t) => {
  for (const [value, words] of [
    ['http://build-host:2375', /http:\/\/ is not a way to reach a Docker engine/],
    ['https://build-host:2376', /https:\/\/ is not/],
    ['tcp://', /not an engine address/],
    ['tcp://build-host:2375/v1.41', /tcp:\/\/HOST\[:PORT\] only/],
    ['tcp://user@build-host:2375', /tcp:\/\/HOST\[:PORT\] only/],
    ['tcp://build-host:99999', /not an engine address/],
    ['build host', /not an engine address/],
  ] as const) {
    const e = t.throws(() => engineTarget({ DOCKER_HOST: value }, all), { instanceOf: PipelineError }, value)!;
    t.is((e as PipelineError).kind, 'input', value);
    // shown as the user wrote it, but with any userinfo redacted
    t.true(e.message.startsWith(`DOCKER_HOST "${redactUrl(value)}"`), e.message);
    t.false(e.message.includes('user@'), 'no userinfo in the message');
    t.regex(e.message, words, value);
    t.regex((e as PipelineError).hint!, /tcp:\/\/build-host:2376 with DOCKER_TLS_VERIFY=1/);
  }
});

test('engineAddress names the TLS folder', (t) => {
  t.is(engineAddress({ DOCKER_HOST: 'tcp://127.0.0.1:18720' }), 'tcp://127.0.0.1:18720');
  const dir = certDir();
  t.is(engineAddress({ DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }), `tcp://h:2376 (TLS, certificates from ${dir})`);
});

test('engineHint: what to do depends on where the engine is and how it failed', (t) => {
  const local = engineTarget({}, none);
  t.regex(engineHint(local, 'ENOENT'), /ensure-engine\.sh/);
  t.regex(engineHint(engineTarget({ DOCKER_HOST: 'unix:///run/other.sock' }, none), 'ENOENT'), /unset DOCKER_HOST/);
  const plain = engineTarget({ DOCKER_HOST: 'tcp://h:2376' }, none);
  t.regex(engineHint(plain, 'status code 400 Client sent an HTTP request to an HTTPS server.'), /set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH/);
  t.regex(engineHint(plain, 'ECONNREFUSED'), /dockerd -H tcp/);
  const tls = engineTarget({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/c' }, all);
  for (const why of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'EPROTO']) {
    t.regex(engineHint(tls, why), /ca\.pem in \/c must have signed/, why);
  }
  t.regex(engineHint(tls, 'ECONNREFUSED'), /dockerd -H tcp/);
});

test('dockerClient passes the certificates to the client; a bad DOCKER_HOST fails before any connection', (t) => {
  const dir = certDir();
  const docker = dockerClient({ DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
  const modem = docker.modem as unknown as { host: string; port: number; protocol: string; ca: Buffer; cert: Buffer; key: Buffer };
  t.is(modem.host, '127.0.0.1');
  t.is(Number(modem.port), 2376);
  t.is(modem.protocol, 'https');
  t.is(String(modem.ca), 'not a real ca.pem\n');
  t.is(String(modem.key), 'not a real key.pem\n');
  t.throws(() => dockerClient({ DOCKER_HOST: 'http://127.0.0.1:2375' }), { message: /^DOCKER_HOST/ });
});

test('checkEngine: nothing listening at DOCKER_HOST is one build error naming the address', async (t) => {
  const env = { DOCKER_HOST: 'tcp://127.0.0.1:1' };
  const e = await t.throwsAsync(checkEngine(dockerClient(env), engineTarget(env), 3000), { instanceOf: PipelineError });
  t.is((e as PipelineError).kind, 'build');
  t.regex(e!.message, /^no Docker engine answers at tcp:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/);
  t.regex((e as PipelineError).hint!, /DOCKER_HOST/);
});

test('engineIsRemote: a tcp engine off this machine\'s loopback, or ssh', (t) => {
  const at = (DOCKER_HOST: string) => engineIsRemote(engineTarget({ DOCKER_HOST }, all));
  t.false(engineIsRemote(engineTarget({}, none)));
  t.false(at('unix:///run/docker.sock'));
  t.false(at('tcp://127.0.0.1:18720'));
  t.false(at('tcp://localhost:2375'));
  t.false(at('tcp://[::1]:2375'));
  t.true(at('tcp://build-host:2375'));
  t.true(at('tcp://10.1.2.3:2375'));
  t.true(at('ssh://builder@build-host'));
});

test('loopbackOnTwoMachines: a loopback registry or repo with a remote engine is a warning naming both', (t) => {
  const remote = engineTarget({ DOCKER_HOST: 'tcp://build-host:2375' }, none);
  const local = engineTarget({ DOCKER_HOST: 'tcp://127.0.0.1:18720' }, none);
  for (const host of ['127.0.0.1:5000', 'localhost:5000', '[::1]:5000', '::1', '127.0.0.1']) {
    t.regex(loopbackOnTwoMachines(remote, 'the registry X', host) ?? '', /^the registry X is on a loopback address, but the engine is at tcp:\/\/build-host:2375/, host);
    t.is(loopbackOnTwoMachines(local, 'the registry X', host), null, host);
  }
  t.is(loopbackOnTwoMachines(remote, 'the registry X', 'registry.example.com:5000'), null);
  t.is(loopbackOnTwoMachines(engineTarget({}, none), 'the registry X', '127.0.0.1:5000'), null);
});
