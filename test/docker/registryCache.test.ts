/**
 * The registry as the family's cache, and the all-or-nothing publish, through the gulp CLI against
 * a real docker-registry with htpasswd auth: push, wipe the host (images, repo container, builder
 * and work folder; the base OS image stays, as the engine does), push again: nothing is built and
 * the version tags stay at their digests; one Dockerfile changed: that image alone is built;
 * a failing image: exit 1, no version tag moved; a package source changed: the repo and the image
 * installing it are rebuilt; the cache registry down during a plain build: a warning, the build
 * goes on. Versions 12.0.0-<n> and ports 21200-21299 are this file's own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import type { Summary } from '../../lib/images/summary';
import { imageRef, repoContainerName, repoImageRef } from '../../lib/naming';
import { docker, removeImage } from '../helpers/docker';
import { DEMO_WORK_DIR, demoFamily } from '../helpers/family';
import { startFlakyProxy } from '../helpers/flakyProxy';
import { ROOT, runGulp, startGulp, type GulpResult } from '../helpers/gulp';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { tempDir, writeJson } from '../helpers/temp';

const VERSION = '12.0.0-1';
const OS = 'debian12';
const REPO_PORT = 21201;
const USER = 'nightly';
const PASSWORD = 'Cache-Pa55-not-logged';
const NAMES = ['base', 'lb', 'analyticsdb'];
const echo = !!process.env.TEST_ECHO;

let registry: TestRegistry;
let dir: string;
let config: string;
let workDir: string;

test.before(async () => {
  registry = await startRegistry(21210, { auth: { user: USER, password: PASSWORD } });
  let artifact = path.join(DEMO_WORK_DIR, 'artifacts', 'contrail-ansible-4.0.0.0-20.tar.gz');
  if (!fs.existsSync(artifact)) artifact = (await demoFamily()).ansible.artifact;
  dir = tempDir('contrail-cache-');
  workDir = path.join(dir, 'work');
  for (const s of ['contrail-lib', 'contrail-utils']) fs.cpSync(path.join(ROOT, 'test/fixtures/packages', s), path.join(dir, 'packages', s), { recursive: true });
  fs.mkdirSync(path.join(dir, 'lb'));
  fs.copyFileSync(path.join(ROOT, 'dockerfiles/lb/Dockerfile'), path.join(dir, 'lb/Dockerfile'));
  fs.copyFileSync(artifact, path.join(dir, 'contrail-ansible.tar.gz'));
  config = writeJson(path.join(dir, 'config.json'), {
    version: VERSION, os: OS, baseImage: 'debian:bookworm', bootstrap: { suite: 'bookworm' },
    packages: { build: { sources: [{ name: 'contrail-lib', path: 'packages/contrail-lib' }, { name: 'contrail-utils', path: 'packages/contrail-utils' }] } },
    repo: { port: REPO_PORT },
    ansible: { artifact: 'contrail-ansible.tar.gz' },
    images: {
      base: { packages: [] },
      lb: { packages: ['contrail-utils'], dockerfile: 'lb/Dockerfile' },
      analyticsdb: { packages: ['contrail-lib'] },
    },
    jobs: 2,
  });
});

const refs = () => [...NAMES.map((n) => imageRef(n, OS, VERSION)), repoImageRef(OS, VERSION)];

/** Everything of this version on this engine, and the work folder: a fresh host (with the base OS image). */
async function wipeHost(): Promise<void> {
  await docker.getContainer(repoContainerName(OS, REPO_PORT)).remove({ force: true }).catch(() => {});
  for (const r of [...refs(), `contrail-builder-${OS}:${VERSION}`]) await removeImage(r);
  fs.rmSync(workDir, { recursive: true, force: true });
}

test.after.always(async () => {
  await registry?.stop();
  await wipeHost();
});

const gulpArgs = (task: string, address: string) => [task, '--config', config, '--work-dir', workDir, '--registry', address, '--registry-user', USER];
const gulpEnv = () => ({ CONTAINER_REGISTRY_PASSWORD: PASSWORD, DOCKER_CONFIG: tempDir('contrail-docker-config-') });
const gulp = async (task: string, address = registry.address): Promise<GulpResult & { out: string }> => {
  const r = await runGulp(gulpArgs(task, address), gulpEnv());
  const out = r.stdout + r.stderr;
  if (echo) console.log(out);
  t_noSecret(out);
  return { ...r, out };
};
const t_noSecret = (out: string) => {
  if (out.includes(PASSWORD)) throw new Error('the registry password was printed');
};

/** `name:version` -> the registry's digest of each version tag. */
async function versionTags(): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const r of refs()) out[r] = await registry.manifestDigest(r.split(':')[0], VERSION);
  return out;
}

const summary = (): Summary => JSON.parse(fs.readFileSync(path.join(workDir, 'summary.json'), 'utf8'));
const local = async (ref: string) => docker.getImage(ref).inspect().then(() => true, () => false);
const built = (out: string) => [...out.matchAll(/(\S+): building contrail-/g)].map((m) => m[1]).filter((n) => n !== 'contrail-repo').sort();
const pulled = (out: string) => [...out.matchAll(/(\S+): pulled contrail-\S+ from the registry/g)].map((m) => m[1]).sort();

let published: Record<string, string | null> = {};

test.serial('push, wipe the host, push again: no package or image build, nothing pulled but the repo, version tags at the same digests', async (t) => {
  const first = await gulp('push');
  t.is(first.code, 0, first.out);
  published = await versionTags();
  for (const [ref, digest] of Object.entries(published)) t.regex(digest ?? '', /^sha256:/, `${ref} has a version tag`);
  // every image is also there under its identity, the repo also under its sources' key
  for (const row of summary().images) t.is(await registry.manifestDigest(row.ref.split(':')[0], `h-${row.inputHash}`), published[row.ref]);
  t.true((await registry.tags(`contrail-repo-${OS}`)).some((tag) => /^src-[0-9a-f]{64}$/.test(tag)));

  await wipeHost();
  for (const r of refs()) t.false(await local(r));
  const again = await gulp('push');
  t.is(again.code, 0, again.out);
  t.notRegex(again.out, /packageBuild: .*: building|building the builder image/);
  t.regex(again.out, /packageBuild: from the registry: contrail-repo-debian12:12\.0\.0-1 \(sources key [0-9a-f]{12}\), 2 sources' packages restored/);
  t.deepEqual(built(again.out), []);
  const rows = new Map(summary().images.map((i) => [i.component, [i.status, i.how]]));
  for (const n of NAMES) t.deepEqual(rows.get(n), ['skipped', 'from the registry'], n);
  for (const n of NAMES) t.regex(again.out, new RegExp(`${n}: from the registry \\(input hash [0-9a-f]{12}\\)`));
  // a run that only pushes leaves the family in the registry; the repo is served from its image
  for (const n of NAMES) t.false(await local(imageRef(n, OS, VERSION)), `${n} was not pulled`);
  t.true(await local(repoImageRef(OS, VERSION)));
  t.true(fs.existsSync(path.join(workDir, 'packages', 'manifest.json')));
  t.regex(again.out, /version tags :12\.0\.0-1: 0 moved, 4 already there/);
  t.deepEqual(await versionTags(), published);

  // plan on the wiped host says the same words
  const plan = await gulp('plan');
  t.is(plan.code, 0, plan.out);
  for (const n of NAMES) t.regex(plan.out, new RegExp(`fetch +contrail-${n}-debian12:12\\.0\\.0-1 +from the registry \\(input hash`));
});

test.serial('one Dockerfile changed: that image alone is built (from its parent, pulled) and its version tag alone moves', async (t) => {
  fs.appendFileSync(path.join(dir, 'lb/Dockerfile'), '\nLABEL test.changed="lb"\n');
  const r = await gulp('push');
  t.is(r.code, 0, r.out);
  t.deepEqual(built(r.out), ['lb']);
  t.deepEqual(pulled(r.out), ['base'], 'the parent lb is built from, nothing else');
  t.false(await local(imageRef('analyticsdb', OS, VERSION)));
  const now = await versionTags();
  const lb = imageRef('lb', OS, VERSION);
  t.not(now[lb], published[lb]);
  for (const ref of refs().filter((x) => x !== lb)) t.is(now[ref], published[ref], `${ref} unchanged`);
  t.regex(r.out, /version tags :12\.0\.0-1: 1 moved, 3 already there/);
  published = now;
});

test.serial('a component that fails to build: exit 1, and every version tag stays where it was', async (t) => {
  const file = path.join(dir, 'lb/Dockerfile');
  const good = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, `${good}\nRUN echo broken on purpose && false\n`);
  t.teardown(() => fs.writeFileSync(file, good));
  const r = await gulp('push');
  t.is(r.code, 1, r.out);
  t.regex(r.out, /lb: FAILED/);
  t.regex(r.out, /nothing was pushed: every version tag in the registry is where it was/);
  t.deepEqual(await versionTags(), published);
});

test.serial('a package source changed: the repo and the image installing it are rebuilt, the others come from the registry', async (t) => {
  fs.appendFileSync(path.join(dir, 'packages/contrail-utils/conf/contrail-utils.conf'), '# changed by the cache test\n');
  const r = await gulp('push');
  t.is(r.code, 0, r.out);
  t.regex(r.out, /packageBuild: contrail-utils \(1\/1\): building/);
  t.regex(r.out, /contrail-repo: building contrail-repo-debian12:12\.0\.0-1/);
  t.deepEqual(built(r.out), ['lb']);
  const now = await versionTags();
  for (const ref of [imageRef('lb', OS, VERSION), repoImageRef(OS, VERSION)]) t.not(now[ref], published[ref], `${ref} moved`);
  for (const ref of [imageRef('base', OS, VERSION), imageRef('analyticsdb', OS, VERSION)]) t.is(now[ref], published[ref], `${ref} unchanged`);
  published = now;
});

test.serial('an interrupted push: no version tag moves; the rerun uploads only what is not there yet', async (t) => {
  // the registry behind a proxy that resets every connection carrying a layer: lb's new layer
  // cannot be uploaded, the engine retries it, and the run is interrupted there
  const proxy = await startFlakyProxy(registry.port);
  t.teardown(() => proxy.close());
  const address = `127.0.0.1:${proxy.port}`;
  fs.appendFileSync(path.join(dir, 'lb/Dockerfile'), '\nRUN head -c 2000000 /dev/urandom > /interrupt-test.bin\n');
  proxy.setDropping(true, 64 << 10);
  const p = startGulp(gulpArgs('push', address), gulpEnv());
  await p.waitForOutput(/contrail-lb-debian12:12\.0\.0-1: layer \S+ failed to upload; the engine retries it/, 900_000);
  p.child.kill('SIGINT');
  const stopped = await p.done;
  const out = stopped.stdout + stopped.stderr;
  if (echo) console.log(out);
  t.is(stopped.code, 130, out);
  t.regex(out, new RegExp(`push interrupted before the version tags were moved: every version tag on ${address.replace(/\./g, '\\.')} is where it was`));
  t.deepEqual(await versionTags(), published);

  proxy.setDropping(false);
  const again = await gulp('push', address);
  t.is(again.code, 0, again.out);
  t.deepEqual(built(again.out), [], 'lb was built before the interrupt');
  t.regex(again.out, new RegExp(`pushed +${address.replace(/\./g, '\\.')}/contrail-lb-debian12:12[.]0[.]0-1 `));
  t.is([...again.out.matchAll(/already there +127\.0\.0\.1:\d+\/contrail-(base|analyticsdb|repo)-debian12:12\.0\.0-1 /g)].length, 3, 'the others are not uploaded again');
  const now = await versionTags();
  const lb = imageRef('lb', OS, VERSION);
  t.not(now[lb], published[lb]);
  for (const ref of refs().filter((x) => x !== lb)) t.is(now[ref], published[ref]);
  published = now;
});

test.serial('the cache registry down during a plain build: a warning, and the build goes on', async (t) => {
  fs.appendFileSync(path.join(dir, 'lb/Dockerfile'), '\nLABEL test.changed-again="lb"\n');
  const r = await runGulp(['buildImages', '--config', config, '--work-dir', workDir, '--cache-registry', '127.0.0.1:21219'], { DOCKER_CONFIG: tempDir('contrail-docker-config-') });
  const out = r.stdout + r.stderr;
  t.is(r.code, 0, out);
  t.regex(out, /cache: registry 127\.0\.0\.1:21219 cannot be used \(.*(ECONNREFUSED|does not answer).*\); everything is built here/);
  // lb changed; analyticsdb was left in the registry by the push-only runs, and the registry is not there now
  t.deepEqual(built(out), ['analyticsdb', 'lb']);
  t.is(summary().images.find((i) => i.component === 'base')!.how, 'up to date locally');
});
