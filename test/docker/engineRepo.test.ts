/**
 * Prep once over several engines (issue 19): the packages are built once, on the first engine; the
 * repo image goes to a real registry (htpasswd) under its `src-` tag; every other engine pulls it
 * by that tag and serves the same index from a repo container of its own, on a port of its own.
 * Three real dockerd on 127.0.0.1:22201-22203 (test/helpers/engine.ts), the registry on 22210,
 * repo ports 22220-22222, version t-engrepo-42: this file's own.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import test from 'ava';
import type Docker from 'dockerode';
import { resolveConfig, type ResolvedConfig } from '../../lib/config/load';
import { sourcesTag } from '../../lib/cache/identity';
import { LABELS, SOURCES_KEY_LABEL } from '../../lib/docker/labels';
import { interruptedError } from '../../lib/interrupt';
import { memoryLogger, type MemoryLogger } from '../../lib/log';
import { builderImageRef, repoContainerName, repoImageRef } from '../../lib/naming';
import { createRun, type LiveEngine, type Run } from '../../lib/run';
import { runStep } from '../../lib/step';
import * as steps from '../../steps';
import { repoOnEngine as repoOnEngineOf, type EngineRepo } from '../../steps/engineRepo';
import { demoBaseImage, docker as mainDocker } from '../helpers/docker';
import { copyImage, startTestEngine, type TestEngine } from '../helpers/engine';
import { ROOT, runGulp } from '../helpers/gulp';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { tempDir, writeJson } from '../helpers/temp';

const VERSION = 't-engrepo-42';
const OS = 'debian12';
const REPO_PORT = 22220;
const PORTS = [22220, 22221, 22222];
const USER = 'prep';
const PASSWORD = 'Prep-Pa55-not-logged';
const REPO = `contrail-repo-${OS}`;
const echo = !!process.env.TEST_ECHO;

let engines: TestEngine[];
let registry: TestRegistry;
let configFile: string;
let workDir: string;
let dir: string;

/** Every container and image of this version on `d` (a fresh engine for this file), but the builder image (minutes to make). */
async function wipe(d: Docker): Promise<void> {
  for (const c of await d.listContainers({ all: true, filters: { label: [`${LABELS.version}=${VERSION}`] } })) await d.getContainer(c.Id).remove({ force: true });
  for (const port of PORTS) await d.getContainer(repoContainerName(OS, port)).remove({ force: true }).catch(() => {});
  await d.getImage(repoImageRef(OS, VERSION)).remove({ force: true }).catch(() => {});
}

/**
 * The builder image (the base OS with the build tools, minutes of apt to make) copied from the
 * main engine when it has the demo's: its hash (recipe and base image) does not name the version,
 * so packageBuild takes it as current. The packages themselves are built here all the same.
 */
async function builderOnFirstEngine(d: Docker): Promise<void> {
  const mine = builderImageRef(OS, VERSION);
  if (await d.getImage(mine).inspect().then(() => true, () => false)) return;
  const demo = (await mainDocker.listImages({ filters: { reference: [`contrail-builder-${OS}`] } }))[0]?.RepoTags?.[0];
  if (!demo) return;
  await copyImage(mainDocker, d, demo);
  await d.getImage(demo).tag({ repo: mine.split(':')[0], tag: VERSION });
  if (demo !== mine) await d.getImage(demo).remove();
}

test.before(async () => {
  registry = await startRegistry(22210, { auth: { user: USER, password: PASSWORD } });
  engines = await Promise.all([22201, 22202, 22203].map((p) => startTestEngine(p)));
  await Promise.all(engines.map((e) => wipe(e.docker)));
  await demoBaseImage();
  // only the first engine gets the base OS image: the others never build anything from it here
  await copyImage(mainDocker, engines[0].docker, 'debian:bookworm');
  await builderOnFirstEngine(engines[0].docker);
  dir = tempDir('ep-engrepo-');
  workDir = path.join(dir, 'work');
  for (const s of ['contrail-lib', 'contrail-utils']) fs.cpSync(path.join(ROOT, 'test/fixtures/packages', s), path.join(dir, 'packages', s), { recursive: true });
  configFile = writeJson(path.join(dir, 'config.json'), {
    version: VERSION, os: OS, baseImage: 'debian:bookworm', bootstrap: { suite: 'bookworm' },
    packages: { build: { sources: [{ name: 'contrail-lib', path: 'packages/contrail-lib' }, { name: 'contrail-utils', path: 'packages/contrail-utils' }] } },
    repo: { port: REPO_PORT },
    images: { base: { packages: ['contrail-utils'] } },
  });
  // the registry's password reaches the engines only with each pull and push request
  process.env.CONTAINER_REGISTRY_PASSWORD = PASSWORD;
  process.env.DOCKER_CONFIG = tempDir('ep-docker-config-');
});

test.after.always(async () => {
  await Promise.all((engines ?? []).map(async (e) => {
    await wipe(e.docker).catch(() => {});
    await e.stop();
  }));
  await registry?.stop();
});

const engineArgs = () => ['--engines', engines.map((e) => e.host).join(','), '--cache-registry', registry.address, '--registry-user', USER];

function config(): ResolvedConfig {
  return resolveConfig({ args: ['--config', configFile, '--work-dir', workDir, ...engineArgs()], env: {}, cwd: ROOT });
}

/** repoOnEngine with the run's own repo, as buildImages calls it (after prep). */
const repoOnEngine = async (run: Run, engine: LiveEngine) => repoOnEngineOf(run, engine, await runStep(run, steps.contrailRepo));

function newRun(): Run & { log: MemoryLogger } {
  return createRun({ config: config(), log: memoryLogger(echo) }) as Run & { log: MemoryLogger };
}

/** The engine's own events since `since` (seconds), up to now: what it was asked to do. */
async function eventsSince(d: Docker, since: number): Promise<{ Type: string; Action: string; Actor: { Attributes: Record<string, string> } }[]> {
  const stream = await d.getEvents({ since, until: Math.ceil(Date.now() / 1000) + 1 });
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

function fetch(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${url}: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const text = (run: Run & { log: MemoryLogger }) => run.log.text();

async function repoContainer(d: Docker, port: number) {
  return d.getContainer(repoContainerName(OS, port)).inspect().catch(() => null);
}

test.serial('each engine serves the packages from its own repo container, on its own port, pulled by the src- tag; the packages are built once', async (t) => {
  const since = Math.floor(Date.now() / 1000);
  const run = newRun();
  const live = await run.liveEngines();
  t.deepEqual(live.map((e) => e.target.address), engines.map((e) => e.host));
  const repos: EngineRepo[] = await Promise.all(live.map((e) => repoOnEngine(run, e)));
  const out = text(run);
  if (echo) console.log(out);

  t.deepEqual(repos, PORTS.map((port) => ({ url: `http://127.0.0.1:${port}`, port })));
  // memoised per engine: the same answer, no second container
  t.is(await repoOnEngine(run, live[2]), await repoOnEngine(run, live[2]));

  // built once: two sources built on the first engine only; no builder anywhere else
  t.is(out.match(/packageBuild: contrail-lib \(1\/2\): building/g)?.length, 1, out);
  t.is(out.match(/packageBuild: contrail-utils \(2\/2\): building/g)?.length, 1, out);
  for (const e of engines.slice(1)) {
    const created = (await eventsSince(e.docker, since)).filter((ev) => ev.Type === 'container' && ev.Action === 'create').map((ev) => ev.Actor.Attributes.name);
    t.deepEqual(created, [repoContainerName(OS, PORTS[engines.indexOf(e)])], `${e.host}: only its repo container was created there`);
    t.deepEqual(await e.docker.listImages({ filters: { reference: ['contrail-builder-*'] } }), [], `${e.host} has no builder`);
  }

  // one image: the registry's src- tag, run on every engine as its own container
  const first = await engines[0].docker.getImage(repoImageRef(OS, VERSION)).inspect();
  const tag = sourcesTag(first.Config.Labels![SOURCES_KEY_LABEL]);
  t.is(await registry.configDigest(REPO, tag), first.Id, 'the registry holds the run\'s repo image under its src- tag');
  const indexes: string[] = [];
  for (const [i, e] of engines.entries()) {
    const c = await repoContainer(e.docker, PORTS[i]);
    t.truthy(c, `${e.host} runs ${repoContainerName(OS, PORTS[i])}`);
    t.true(c!.State.Running);
    t.is(c!.Image, first.Id, `${e.host} serves the same image`);
    t.deepEqual((await e.docker.getImage(first.Id).inspect()).RepoTags, [repoImageRef(OS, VERSION)], 'the registry\'s name is not left on the engine');
    const packages = await fetch(`${repos[i].url}/Packages`);
    t.regex(packages.toString('utf8'), /^Package: contrail-utils$/m);
    indexes.push(`${sha(packages)} ${sha(await fetch(`${repos[i].url}/Packages.gz`))}`);
  }
  t.is(new Set(indexes).size, 1, `the same Packages and Packages.gz everywhere: ${indexes.join(', ')}`);
  t.regex(out, new RegExp(`contrail-repo on ${engines[1].host}: http://127\\.0\\.0\\.1:22221 serves \\d+ packages \\(pulled by :src-[0-9a-f]{12}…, created`));
  t.false(out.includes(PASSWORD), 'no secret in the log');
});

test.serial('a second run reuses every engine\'s container: nothing pulled, nothing built, nothing created', async (t) => {
  const since = Math.floor(Date.now() / 1000);
  const run = newRun();
  const live = await run.liveEngines();
  const repos = await Promise.all(live.map((e) => repoOnEngine(run, e)));
  t.deepEqual(repos.map((r) => r.port), PORTS);
  const out = text(run);
  t.notRegex(out, /building|pulled by/, out);
  t.regex(out, /contrail-repo on tcp:\/\/127\.0\.0\.1:22203: http:\/\/127\.0\.0\.1:22222 serves \d+ packages \(reused/);
  for (const [i, e] of engines.entries()) {
    // the first engine reads the base image's os-release through a container it never starts (osFamily)
    const watched = i === 0 ? ['pull', 'start', 'push'] : ['create', 'pull', 'start', 'push'];
    const acts = (await eventsSince(e.docker, since)).filter((ev) => watched.includes(ev.Action));
    t.deepEqual(acts.map((ev) => `${ev.Type} ${ev.Action}`), [], `${e.host}: nothing ${i === 0 ? '' : 'created, '}pulled, pushed or started`);
  }
});

test.serial('an interrupt while an engine\'s repo container starts leaves no container there; the next run serves again', async (t) => {
  const [, , third] = engines;
  await third.docker.getContainer(repoContainerName(OS, PORTS[2])).remove({ force: true });
  const run = newRun();
  const live = await run.liveEngines();
  await Promise.all(live.slice(0, 2).map((e) => repoOnEngine(run, e)));
  // interrupted the moment the engine creates the container: before it serves
  const events = await third.docker.getEvents({ filters: { type: ['container'], event: ['create'] } });
  events.once('data', () => run.stop(interruptedError('SIGINT')));
  try {
    const e = await t.throwsAsync(repoOnEngine(run, live[2] as LiveEngine));
    t.regex(e!.message, /interrupted by SIGINT/);
  } finally {
    (events as unknown as { destroy(): void }).destroy();
  }
  t.is(await repoContainer(third.docker, PORTS[2]), null, 'no repo container left on the interrupted engine');
  t.deepEqual(await third.docker.listContainers({ all: true, filters: { label: [`${LABELS.version}=${VERSION}`] } }), []);

  const again = newRun();
  t.is((await repoOnEngine(again, (await again.liveEngines())[2])).port, PORTS[2]);
  t.true((await repoContainer(third.docker, PORTS[2]))!.State.Running);
});

test.serial('packages changed: the first engine rebuilds the repo, every other engine pulls the new one and replaces its container; no old image left', async (t) => {
  const before = (await engines[0].docker.getImage(repoImageRef(OS, VERSION)).inspect()).Id;
  const oldIndex = sha(await fetch(`http://127.0.0.1:${PORTS[1]}/Packages`));
  fs.appendFileSync(path.join(dir, 'packages/contrail-utils/conf/contrail-utils.conf'), `# changed by ${t.title.slice(0, 16)}\n`);
  const run = newRun();
  const live = await run.liveEngines();
  const repos = await Promise.all(live.map((e) => repoOnEngine(run, e)));
  const out = text(run);
  // the changed source alone is built again, once
  t.is(out.match(/packageBuild: contrail-utils \(1\/1\): building/g)?.length, 1, out);
  t.regex(out, /packageBuild: contrail-lib: unchanged, skipped/);
  t.regex(out, /contrail-repo on tcp:\/\/127\.0\.0\.1:22202: http:\/\/127\.0\.0\.1:22221 serves \d+ packages \(pulled by :src-[0-9a-f]{12}…, created/);
  const after = (await engines[0].docker.getImage(repoImageRef(OS, VERSION)).inspect()).Id;
  t.not(after, before);
  const indexes = new Set<string>();
  for (const [i, e] of engines.entries()) {
    t.is((await repoContainer(e.docker, PORTS[i]))!.Image, after, `${e.host} serves the new image`);
    t.is(await e.docker.getImage(before).inspect().then(() => 'there', () => 'gone'), 'gone', `${e.host}: the old repo image is removed`);
    indexes.add(sha(await fetch(`${repos[i].url}/Packages`)));
  }
  t.deepEqual([...indexes].length, 1);
  t.not([...indexes][0], oldIndex, 'the new index is served');
});

test.serial('clean over the engines removes every engine\'s repo container', async (t) => {
  for (const [i, e] of engines.entries()) t.truthy(await repoContainer(e.docker, PORTS[i]));
  const r = await runGulp(['clean', '--config', configFile, '--work-dir', workDir, '--keep-images', ...engineArgs()],
    { CONTAINER_REGISTRY_PASSWORD: PASSWORD, DOCKER_CONFIG: tempDir('ep-docker-config-') });
  t.is(r.code, 0, r.stdout + r.stderr);
  for (const [i, e] of engines.entries()) t.is(await repoContainer(e.docker, PORTS[i]), null, `${e.host}: ${repoContainerName(OS, PORTS[i])} removed`);
});
