/**
 * push against a real registry (Debian's docker-registry on 127.0.0.1), open and with htpasswd
 * auth, and through the real engine (also behind a proxy that drops connections). Version t-ship-push
 * and ports 18501-18509 are this file's own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { memoryLogger } from '../../lib/log';
import { connectRegistry, type ConnectRequest } from '../../lib/push/connect';
import { pushAll } from '../../lib/push/pushAll';
import { backoffDelay } from '../../lib/push/retry';
import type { ShipImage } from '../../lib/ship';
import { docker, removeImage } from '../helpers/docker';
import { startFlakyProxy } from '../helpers/flakyProxy';
import { runGulp } from '../helpers/gulp';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { tempDir } from '../helpers/temp';
import { buildTinyImage } from '../helpers/tinyImages';
import { parseRegistry } from '../../lib/config/checks';
import { oneOf, removeDanglingAfter } from '../helpers/leftovers';

removeDanglingAfter(test, oneOf('t-ship-push'));

const VERSION = 't-ship-push';
const USER = 'shipper';
const PASSWORD = 'Pa55-not-in-any-log';
let images: ShipImage[] = [];
let open: TestRegistry;
let locked: TestRegistry;
const fast = { baseMs: 50, maxMs: 200 };

test.before(async () => {
  [open, locked] = await Promise.all([startRegistry(18501), startRegistry(18502, { auth: { user: USER, password: PASSWORD } })]);
  images = [];
  for (const component of ['base', 'controller']) images.push(await buildTinyImage({ component, version: VERSION }));
  images.push(await buildTinyImage({ component: 'repo', version: VERSION, role: 'repo' }));
});

test.after.always(async () => {
  await Promise.all([open?.stop(), locked?.stop()]);
  for (const i of images) {
    await removeImage(i.ref);
    for (const port of [18501, 18502, 18503]) await removeImage(`127.0.0.1:${port}/${i.ref}`);
  }
  await removeImage(`127.0.0.1:18501/contrail-base-debian12:not-asked-for`);
});

/** A DOCKER_CONFIG folder as `docker login` leaves it. */
function dockerConfig(auths: Record<string, unknown> = {}): string {
  const dir = tempDir('contrail-docker-config-');
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths }));
  return dir;
}

const connect = (registry: string, over: Partial<ConnectRequest> = {}) => connectRegistry({
  registry: parseRegistry(registry, 'registry'), user: null, env: { DOCKER_CONFIG: dockerConfig() }, retries: 2, log: memoryLogger(!!process.env.TEST_ECHO), backoff: fast, ...over,
});

const name = (i: ShipImage) => i.ref.split(':')[0];

test.serial('open registry: pushed with the tag given, catalog and manifest digests read back match', async (t) => {
  // a second local tag of the same repository must not be pushed along
  await docker.getImage(images[0].id).tag({ repo: `${open.address}/contrail-base-debian12`, tag: 'not-asked-for' });
  const target = await connect(open.address);
  t.deepEqual(target.auth, {}, 'no credentials: {} for X-Registry-Auth');
  const log = memoryLogger(!!process.env.TEST_ECHO);
  const outcomes = await pushAll(docker, { target, images, version: VERSION, jobs: 2, retries: 2, log, backoff: fast });
  t.deepEqual(outcomes.map((o) => [o.ref, o.status]), images.map((i) => [`${open.address}/${i.ref}`, 'pushed']));
  t.deepEqual((await open.catalog()).sort(), images.map(name).sort());
  for (const [i, o] of images.map((img, k) => [img, outcomes[k]] as const)) {
    t.regex(o.digest!, /^sha256:[0-9a-f]{64}$/);
    t.is(await open.manifestDigest(name(i), VERSION), o.digest);
    // the version tag, and the identity it was moved to
    t.deepEqual((await open.tags(name(i))).sort(), [`h-${i.inputHash}`, VERSION].sort());
    t.is(await open.manifestDigest(name(i), `h-${i.inputHash}`), o.digest);
    t.is(o.version, 'moved');
  }
  t.regex(log.text(), new RegExp(`pushed +${open.address}/contrail-base-debian12:${VERSION} +sha256:`));

  const again = await pushAll(docker, { target, images, version: VERSION, jobs: 2, retries: 2, log: memoryLogger(), backoff: fast });
  t.deepEqual(again.map((o) => o.status), images.map(() => 'already there'));
  t.deepEqual(again.map((o) => o.version), images.map(() => 'unchanged'));
  t.deepEqual(again.map((o) => o.digest), outcomes.map((o) => o.digest));
});

test.serial('auth registry: credentials from a DOCKER_CONFIG auths entry; digests match; the password is nowhere in the log', async (t) => {
  const env = { DOCKER_CONFIG: dockerConfig({ [locked.address]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } }) };
  const log = memoryLogger(!!process.env.TEST_ECHO);
  const target = await connect(locked.address, { env, log });
  t.is(target.user, USER);
  const outcomes = await pushAll(docker, { target, images, version: VERSION, jobs: 2, retries: 2, log, backoff: fast });
  t.true(outcomes.every((o) => o.status === 'pushed'));
  t.deepEqual((await locked.catalog()).sort(), images.map(name).sort());
  for (const [k, i] of images.entries()) t.is(await locked.manifestDigest(name(i), VERSION), outcomes[k].digest);
  t.regex(log.text(), /credentials of user "shipper" \(from .*config\.json\) accepted/);
  t.false(log.text().includes(PASSWORD));
});

test.serial('auth registry: a wrong password, or none, is refused at once (no retry) with an input error', async (t) => {
  const log = memoryLogger();
  const wrong = await t.throwsAsync(connect(locked.address, { user: USER, env: { DOCKER_CONFIG: dockerConfig(), CONTAINER_REGISTRY_PASSWORD: 'wrong-one' }, log }));
  t.is((wrong as any).kind, 'input');
  t.is(wrong!.message, `registry ${locked.address} refused the credentials of user "shipper" (from CONTAINER_REGISTRY_PASSWORD)`);
  t.false(`${wrong!.message}${(wrong as any).hint}`.includes('wrong-one'));
  const none = await t.throwsAsync(connect(locked.address, { log }));
  t.regex(none!.message, /requires a login, and no credentials for it were found/);
  t.regex((none as any).hint, /docker login 127\.0\.0\.1:18502/);
  t.false(/retry/.test(log.text()), 'a refusal is not retried');
});

test.serial('registry dropping connections mid-upload: the engine\'s retries are shown and the push succeeds; dropping every connection fails after the bounded attempts', async (t) => {
  const reg = await startRegistry(18508);
  const proxy = await startFlakyProxy(reg.port);
  const address = `127.0.0.1:${proxy.port}`;
  t.teardown(async () => {
    await proxy.close();
    await reg.stop();
    for (const i of images) await removeImage(`${address}/${i.ref}`);
  });
  const target = await connect(address);
  const image = images[1];

  // the connections that carry a layer (64 KiB and more) are reset until one has been
  proxy.setDropping(true, 64 << 10);
  const healed = setInterval(() => proxy.dropped >= 1 && proxy.setDropping(false), 5);
  t.teardown(() => clearInterval(healed));
  const log = memoryLogger(!!process.env.TEST_ECHO);
  const [outcome] = await pushAll(docker, { target, images: [image], version: VERSION, jobs: 1, retries: 2, log, backoff: fast });
  t.true(proxy.dropped >= 1);
  t.is(outcome.status, 'pushed');
  t.is(await reg.manifestDigest(name(image), VERSION), outcome.digest);
  const retried = log.lines.filter((l) => l.level === 'warn' && / failed to upload; the engine retries it \(retrying in \d+ seconds?\)$/.test(l.message));
  t.true(retried.length >= 1 && retried.length <= 4, log.text());
  t.true(retried[0].message.startsWith(`push of ${address}/${image.ref}: layer `), retried[0].message);

  // every connection reset as it opens: each attempt fails, retried twice, then one clear failure
  clearInterval(healed);
  proxy.setDropping(true);
  const dropped = proxy.dropped;
  const all = memoryLogger(!!process.env.TEST_ECHO);
  const started = Date.now();
  const e = await t.throwsAsync(pushAll(docker, { target, images: [images[0]], version: VERSION, jobs: 1, retries: 2, log: all, backoff: fast }));
  t.is(e!.message, `push failed for 1 of 1 images: ${address}/${images[0].ref}; every version tag on ${address} is where it was (nothing of this run is published under :${VERSION})`);
  t.true(proxy.dropped >= dropped + 3);
  const retries = all.lines.filter((l) => /: retry \d of 2 in \d+ ms$/.test(l.message)).map((l) => l.message);
  t.deepEqual(retries.map((m) => m.replace(/ \(.*\)/, '')), [1, 2].map((n) => `push of ${address}/${images[0].ref} failed: retry ${n} of 2 in ${backoffDelay(n, fast)} ms`));
  t.regex(retries[0], /\((?:[^)]*)(ECONNRESET|connection reset|socket hang up)/i);
  t.regex(all.text(), new RegExp(`failed +${address}/${images[0].ref} +failed: .* \\(3 attempts\\)`));
  t.true(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
});

test.serial('registry gone during the push: transient failures retried, bounded, and the summary says failed', async (t) => {
  const reg = await startRegistry(18503);
  const target = await connect(reg.address);
  await reg.stop();
  const log = memoryLogger(!!process.env.TEST_ECHO);
  const e = await t.throwsAsync(pushAll(docker, { target, images: images.slice(0, 1), version: VERSION, jobs: 1, retries: 2, log, backoff: fast }));
  t.regex(e!.message, /push failed for 1 of 1 images: 127\.0\.0\.1:18503\/contrail-base-debian12:t-ship-push/);
  const retries = log.lines.filter((l) => /retry \d of 2/.test(l.message)).map((l) => l.message);
  t.is(retries.length, 2, log.text());
  t.regex(retries[0], /push of 127\.0\.0\.1:18503\/contrail-base-debian12:t-ship-push failed \(.*(ECONNREFUSED|connection refused).*\): retry 1 of 2 in 50 ms/i);
  t.regex(log.text(), /failed +127\.0\.0\.1:18503\/contrail-base-debian12:t-ship-push +failed: .*(ECONNREFUSED|connection refused).* \(3 attempts\)/i);
});

const gulpArgs = (registry: string, ...more: string[]) =>
  ['push', '--config', 'examples/demo/config.json', '--contrail-version', VERSION, '--work-dir', tempDir(), '--registry', registry, ...more];

test.serial('gulp push: a wrong password fails before any build, exit 2, and the password is never printed', async (t) => {
  const r = await runGulp(gulpArgs(locked.address, '--registry-user', USER), { CONTAINER_REGISTRY_PASSWORD: 'wrong-one', DOCKER_CONFIG: dockerConfig() });
  const out = r.stdout + r.stderr;
  t.is(r.code, 2, out);
  t.regex(out, /registry 127\.0\.0\.1:18502 refused the credentials of user "shipper"/);
  t.notRegex(out, /Starting '(contrailRepo|contrailAnsible|buildImages|packageBuild)'/);
  t.false(out.includes('wrong-one'));
  t.true(r.ms < 15_000, `took ${r.ms} ms`);
});

test.serial('gulp push: a registry that is down fails before any build, after bounded retries shown in the log', async (t) => {
  const r = await runGulp(gulpArgs('127.0.0.1:18509'), { DOCKER_CONFIG: dockerConfig() });
  const out = r.stdout + r.stderr;
  t.is(r.code, 1, out);
  for (let n = 1; n <= 4; n++) t.regex(out, new RegExp(`reaching registry 127\\.0\\.0\\.1:18509 failed \\(.*ECONNREFUSED.*\\): retry ${n} of 4`));
  t.notRegex(out, /retry 5 of/);
  t.regex(out, /registry 127\.0\.0\.1:18509 does not answer at \/v2\/ \(.*ECONNREFUSED.*\) after 5 attempts/);
  t.notRegex(out, /Starting '(contrailRepo|contrailAnsible|buildImages)'/);
  t.true(r.ms > 7000 && r.ms < 30_000, `took ${r.ms} ms (0.5 + 1 + 2 + 4 s of backoff)`);
});

test.serial('gulp push: no registry given is one input error saying how to give one', async (t) => {
  const r = await runGulp(['push', '--config', 'examples/demo/config.json', '--contrail-version', VERSION, '--work-dir', tempDir()], { CONTAINER_REGISTRY: '' });
  t.is(r.code, 2);
  t.regex(r.stdout + r.stderr, /push needs a registry, and none is given/);
  t.regex(r.stdout + r.stderr, /--registry host\[:port\]\[\/namespace\], the environment variable CONTAINER_REGISTRY, or "registry"/);
});
