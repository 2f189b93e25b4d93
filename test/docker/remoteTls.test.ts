/**
 * A remote engine behind TLS, as a user would point at it: DOCKER_HOST=tcp://host:2376 with
 * DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH. A real dockerd with --tlsverify on 127.0.0.1:18721
 * (certificates from openssl, a CA of the test's own); the real CLI (`gulp clean`) reaches it,
 * and each way of getting TLS wrong is one clear error naming the address.
 * Version t-remote-tls; nothing of the main engine is touched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import * as tar from 'tar';
import { LABELS, projectLabels } from '../../lib/docker/labels';
import { importStream } from '../../lib/docker/images';
import { followJsonStream } from '../../lib/docker/stream';
import { makeEngineCerts } from '../helpers/certs';
import { startTestEngine, type TestEngine } from '../helpers/engine';
import { runGulp } from '../helpers/gulp';
import { tempDir } from '../helpers/temp';
import { oneOf, removeDanglingAfter } from '../helpers/leftovers';

removeDanglingAfter(test, oneOf('t-remote-tls'));

const PORT = 18721;
const VERSION = 't-remote-tls';
const REPO_CONTAINER = 'contrail-repo-debian12-18651';
let engine: TestEngine;
let certs: string;

const clean = (workDir: string) => ['clean', '--config', 'examples/demo/config.json', '--contrail-version', VERSION,
  '--work-dir', workDir, '--keep-images', '--wait'];

test.before(async () => {
  certs = makeEngineCerts();
  engine = await startTestEngine(PORT, { tlsDir: certs });
  // a one-file image made on that engine (no base image needed), for a container that is ours
  const dir = tempDir('contrail-tls-image-');
  fs.writeFileSync(path.join(dir, 'probe'), 'probe\n');
  const stream = await importStream(engine.docker, tar.c({ cwd: dir }, ['probe']) as unknown as NodeJS.ReadableStream, 'contrail-tls-probe', VERSION, []);
  const outcome = await followJsonStream(stream);
  if (outcome.error) throw new Error(outcome.error);
});

test.after.always(async () => {
  await engine?.stop();
});

test.serial('gulp clean over TLS (DOCKER_TLS_VERIFY=1, DOCKER_CERT_PATH) removes the repo container on that engine', async (t) => {
  // the engine's data root persists: a run that failed before the clean may have left it
  await engine.docker.getContainer(REPO_CONTAINER).remove({ force: true }).catch(() => {});
  await engine.docker.createContainer({
    name: REPO_CONTAINER, Image: `contrail-tls-probe:${VERSION}`, Cmd: ['/probe'],
    Labels: projectLabels('repo', { [LABELS.version]: VERSION, [LABELS.os]: 'debian12' }),
  });
  const r = await runGulp(clean(tempDir()), { DOCKER_HOST: `tcp://127.0.0.1:${PORT}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, new RegExp(`removed container ${REPO_CONTAINER} \\(`));
  const left = await engine.docker.listContainers({ all: true, filters: { name: [REPO_CONTAINER] } });
  t.deepEqual(left, []);
});

test.serial('a CA that did not sign the engine certificate: exit 1, the address and the TLS folder named, a TLS hint', async (t) => {
  const other = makeEngineCerts();
  const r = await runGulp(clean(tempDir()), { DOCKER_HOST: `tcp://127.0.0.1:${PORT}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: other });
  t.is(r.code, 1, r.stdout + r.stderr);
  t.true(r.stderr.includes(`no Docker engine answers at tcp://127.0.0.1:${PORT} (TLS, certificates from ${other})`), r.stderr);
  t.regex(r.stderr, /hint: the TLS handshake failed: ca\.pem in .* must have signed the engine's certificate/);
});

test.serial('plain http to the TLS engine: exit 1, the hint says to set DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', async (t) => {
  const r = await runGulp(clean(tempDir()), { DOCKER_HOST: `tcp://127.0.0.1:${PORT}`, DOCKER_TLS_VERIFY: '', DOCKER_CERT_PATH: '' });
  t.is(r.code, 1, r.stdout + r.stderr);
  t.true(r.stderr.includes(`no Docker engine answers at tcp://127.0.0.1:${PORT} (`), r.stderr);
  t.regex(r.stderr, /hint: the engine speaks TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH/);
});

test.serial('DOCKER_TLS_VERIFY with a DOCKER_CERT_PATH lacking the client key: exit 2 naming the folder and key.pem, before any connection', async (t) => {
  const partial = tempDir('contrail-certs-partial-');
  for (const f of ['ca.pem', 'cert.pem']) fs.copyFileSync(path.join(certs, f), path.join(partial, f));
  const r = await runGulp(clean(tempDir()), { DOCKER_HOST: `tcp://127.0.0.1:${PORT}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: partial });
  t.is(r.code, 2, r.stdout + r.stderr);
  t.true(r.stderr.includes(`DOCKER_TLS_VERIFY is set, and DOCKER_CERT_PATH "${partial}" has no key.pem`), r.stderr);
});

test.serial('a bad DOCKER_HOST: exit 2 naming DOCKER_HOST', async (t) => {
  const r = await runGulp(clean(tempDir()), { DOCKER_HOST: `https://127.0.0.1:${PORT}` });
  t.is(r.code, 2, r.stdout + r.stderr);
  t.regex(r.stderr, /DOCKER_HOST "https:\/\/127\.0\.0\.1:18721": https:\/\/ is not a way to reach a Docker engine/);
});
