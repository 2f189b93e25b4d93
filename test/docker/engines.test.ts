/**
 * Many engines (issue 19), what is done of it: the engines of a run read from addresses and Docker
 * contexts, each checked at the start (a silent one a warning), clean cleaning every engine, and
 * bad engine values failing with exit 2 before any Docker work. Two real dockerd on 19440 and
 * 19441 (test/helpers/engine.ts), nothing on 19449; version t-engines-33.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import type Docker from 'dockerode';
import { makeEngineCerts } from '../helpers/certs';
import { docker as mainDocker, removeImage } from '../helpers/docker';
import { copyImage, startTestEngine, type TestEngine } from '../helpers/engine';
import { runGulp } from '../helpers/gulp';
import { buildTinyImage } from '../helpers/tinyImages';
import { tempDir } from '../helpers/temp';

const VERSION = 't-engines-33';
const SILENT = 'tcp://127.0.0.1:19449';
let a: TestEngine;
let b: TestEngine;

/**
 * A docker config folder with one context, as `docker context create NAME --docker host=HOST
 * [,ca=,cert=,key=]` writes it: its TLS files (from `certs`) under contexts/tls/<id>/docker.
 */
function contextConfig(name: string, host: string, certs?: string): string {
  const dir = tempDir('contrail-engines-docker-config-');
  const id = createHash('sha256').update(name).digest('hex');
  const meta = path.join(dir, 'contexts', 'meta', id, 'meta.json');
  fs.mkdirSync(path.dirname(meta), { recursive: true });
  fs.writeFileSync(meta, JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
  if (certs) {
    const tls = path.join(dir, 'contexts', 'tls', id, 'docker');
    fs.mkdirSync(tls, { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.copyFileSync(path.join(certs, f), path.join(tls, f));
  }
  return dir;
}

async function has(d: Docker, ref: string): Promise<boolean> {
  try {
    await d.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

const cli = (task: string, workDir: string, ...more: string[]) =>
  [task, '--config', 'examples/demo/config.json', '--contrail-version', VERSION, '--work-dir', workDir, ...more];

test.before(async () => {
  [a, b] = await Promise.all([startTestEngine(19440), startTestEngine(19441)]);
});

test.after.always(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

test.serial('clean over three engines, one named by a Docker context and one silent: each live engine is checked, described and cleaned', async (t) => {
  const ref = `contrail-controller-debian12:${VERSION}`;
  await buildTinyImage({ component: 'controller', version: VERSION });
  await copyImage(mainDocker, a.docker, ref);
  await copyImage(mainDocker, b.docker, ref);
  await removeImage(ref);
  t.true(await has(a.docker, ref));
  t.true(await has(b.docker, ref));

  const DOCKER_CONFIG = contextConfig('engines-b', b.host);
  const r = await runGulp(cli('clean', tempDir('contrail-engines-work-'), '--engines', `${a.host},engines-b,${SILENT}`, '--cache-registry', '127.0.0.1:19400'), { DOCKER_CONFIG });
  const out = r.stdout + r.stderr;
  t.is(r.code, 0, out);
  t.regex(out, /engine tcp:\/\/127\.0\.0\.1:19440: Docker \S+, API \S+, (BuildKit|no BuildKit.*), \S+ \S+ free/);
  t.regex(out, /engine engines-b \(tcp:\/\/127\.0\.0\.1:19441\): Docker /);
  t.regex(out, /engine tcp:\/\/127\.0\.0\.1:19449 does not answer, the run goes on without it/);
  t.regex(out, new RegExp(`engine engines-b: removed image ${ref}`));
  t.false(await has(a.docker, ref), 'cleaned on the first engine');
  t.false(await has(b.docker, ref), 'cleaned on the engine named by the context');
});

test.serial('no engines: the context DOCKER_CONTEXT names is the one engine, as for the docker CLI', async (t) => {
  const ref = `contrail-analytics-debian12:${VERSION}`;
  await buildTinyImage({ component: 'analytics', version: VERSION });
  await copyImage(mainDocker, b.docker, ref);
  await removeImage(ref);
  const DOCKER_CONFIG = contextConfig('engines-b', b.host);
  const r = await runGulp(cli('clean', tempDir('contrail-engines-work-')), { DOCKER_CONFIG, DOCKER_CONTEXT: 'engines-b', DOCKER_HOST: '' });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout + r.stderr, new RegExp(`removed image ${ref}`));
  t.false(await has(b.docker, ref), 'cleaned on the context\'s engine');
  const gone = await runGulp(cli('clean', tempDir('contrail-engines-work-')), { DOCKER_CONFIG, DOCKER_CONTEXT: 'engines-gone', DOCKER_HOST: '' });
  t.is(gone.code, 2, gone.stdout + gone.stderr);
  t.regex(gone.stdout + gone.stderr, /environment variable DOCKER_CONTEXT "engines-gone": there is no Docker context "engines-gone"/);
});

test.serial('a context with TLS files reaches a --tlsverify engine; the same context with another CA does not', async (t) => {
  const certs = makeEngineCerts();
  const tlsEngine = await startTestEngine(19442, { tlsDir: certs });
  try {
    const DOCKER_CONFIG = contextConfig('engines-tls', tlsEngine.host, certs);
    const r = await runGulp(cli('clean', tempDir('contrail-engines-work-'), '--engines', 'engines-tls'), { DOCKER_CONFIG });
    t.is(r.code, 0, r.stdout + r.stderr);
    t.regex(r.stdout + r.stderr, /engine engines-tls \(tcp:\/\/127\.0\.0\.1:19442\): Docker /);

    const other = makeEngineCerts();
    const wrong = await runGulp(cli('clean', tempDir('contrail-engines-work-'), '--engines', 'engines-tls'), { DOCKER_CONFIG: contextConfig('engines-tls', tlsEngine.host, other) });
    t.is(wrong.code, 1, wrong.stdout + wrong.stderr);
    t.regex(wrong.stdout + wrong.stderr, /none of the 1 engines answers[\s\S]*engines-tls: no Docker engine answers at tcp:\/\/127\.0\.0\.1:19442 \(TLS, certificates from .*contexts\/tls\//);
  } finally {
    await tlsEngine.stop();
  }
});

test.serial('no engine answering: one error naming each, exit 1', async (t) => {
  const r = await runGulp(cli('clean', tempDir('contrail-engines-work-'), '--engines', `${SILENT},tcp://127.0.0.1:19448`, '--cache-registry', '127.0.0.1:19400'));
  t.is(r.code, 1, r.stdout + r.stderr);
  t.regex(r.stdout + r.stderr, /none of the 2 engines answers/);
});

test.serial('bad engine values exit 2 naming the entry, before any engine is asked', async (t) => {
  const DOCKER_CONFIG = contextConfig('engines-b', b.host);
  const cases: [string[], RegExp][] = [
    [['--engines', `${a.host},engines-nope`], /flag --engines entry 2 "engines-nope": there is no Docker context "engines-nope"/],
    [['--engines', `${a.host},http://127.0.0.1:19441`], /flag --engines entry 2 "http:\/\/127\.0\.0\.1:19441": http:\/\/ is not a way to reach a Docker engine/],
    [['--engines', `${b.host},engines-b`], /flag --engines names the engine tcp:\/\/127\.0\.0\.1:19441 twice: entry 1 .* and entry 2 "engines-b"/],
    [['--engines', `${a.host},${b.host}`, '--cache-registry', 'none'], /flag --engines lists 2 engines, but there is no registry/],
  ];
  for (const [flags, pattern] of cases) {
    const r = await runGulp(cli('clean', tempDir('contrail-engines-work-'), ...flags), { DOCKER_CONFIG });
    const out = r.stdout + r.stderr;
    t.is(r.code, 2, out);
    t.regex(out, pattern);
    t.notRegex(out, /engine \S+.*: Docker |removed|nothing to remove/, 'no engine was asked anything');
  }
});
