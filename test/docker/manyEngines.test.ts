/**
 * One family over three engines (issue 19): three real dockerd on 127.0.0.1:22101-22103 (each its
 * own data root, test/helpers/engine.ts) and a registry with htpasswd on 22110 that hands the
 * images from one engine to another. Prep runs on the first engine; the images spread over all
 * three, each built once, each stored under its h- tag as it is made, a child on another engine
 * pulling its parent by that tag. Then: push moves the version tags without a second upload, a
 * second run (save) builds nothing and writes one archive that loads back with the same ids, and
 * an engine killed mid-build leaves a whole family. Version t-many-19, repo ports 22120-22122 (one
 * repo container per engine, steps/engineRepo.ts).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import test from 'ava';
import type Docker from 'dockerode';
import { LABELS } from '../../lib/docker/labels';
import type { Summary } from '../../lib/images/summary';
import { OCI_INDEX, referrersTag } from '../../lib/push/referrers';
import { SBOM_MEDIA_TYPE } from '../../lib/sbom/cyclonedx';
import { PROVENANCE_MEDIA_TYPE } from '../../lib/sbom/provenance';
import { demoBaseImage, docker as mainDocker } from '../helpers/docker';
import { copyImage, startTestEngine, type TestEngine } from '../helpers/engine';
import { runGulp, startGulp } from '../helpers/gulp';
import { demoSources } from '../helpers/demoSources';
import { MANIFEST_TYPES, startRegistry, type TestRegistry } from '../helpers/registry';
import { tempDir } from '../helpers/temp';
import { inspectOrNull } from '../../lib/docker/notFound';

const VERSION = 't-many-19';
const OS = 'debian12';
const REPO_PORT = 22120;
const COMPONENTS = ['base', 'controller', 'analytics', 'analyticsdb', 'agent', 'lb', 'kube-manager', 'mesos-manager',
  'ceph-controller', 'kubernetes-agent', 'vcenter-plugin'];
/** kept between runs: the packages are built once, on the first engine */
const WORK_DIR = '/tmp/eb-many-work';
const USER = 'builder';
const PASSWORD = 'many-engines-secret';

let engines: TestEngine[];
let registry: TestRegistry;
const refOf = (component: string) => `contrail-${component}-${OS}:${VERSION}`;
const env = { CONTAINER_REGISTRY_PASSWORD: PASSWORD };
const cli = (task: string, ...more: string[]) => [task, '--config', 'examples/demo/config.json', '--contrail-version', VERSION,
  '--work-dir', WORK_DIR, '--repo-port', String(REPO_PORT), '--jobs', '2', '--engines', engines.map((e) => e.host).join(','),
  '--registry-user', USER, ...more];
const summary = (): Summary => JSON.parse(fs.readFileSync(path.join(WORK_DIR, 'summary.json'), 'utf8'));

const imageOn = (d: Docker, ref: string) => inspectOrNull(d.getImage(ref).inspect());

/** GET from the registry with the push credentials: status, body and the content digest. */
function registryGet(urlPath: string, accept: string): Promise<{ status: number; body: string; digest: string }> {
  const auth = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: registry.port, path: urlPath, agent: false, headers: { Authorization: auth, Accept: accept } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, digest: String(res.headers['docker-content-digest'] ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The layer digests of `name:tag`'s manifest in the registry, lowest first. */
async function layers(name: string, tag: string): Promise<string[]> {
  const r = await registryGet(`/v2/${name}/manifests/${tag}`, MANIFEST_TYPES.join(', '));
  if (r.status !== 200) throw new Error(`manifest ${name}:${tag}: HTTP ${r.status} ${r.body}`);
  return ((JSON.parse(r.body) as { layers?: { digest: string }[] }).layers ?? []).map((l) => l.digest);
}

test.before(async () => {
  fs.mkdirSync(WORK_DIR, { recursive: true });
  [engines, registry] = await Promise.all([
    Promise.all([22101, 22102, 22103].map((p) => startTestEngine(p))),
    startRegistry(22110, { auth: { user: USER, password: PASSWORD } }),
  ]);
  // the sandbox's fetch step (packageBuild on the first engine) downloads from the demo's site
  await Promise.all([demoBaseImage(), demoSources()]);
  for (const e of engines) await copyImage(mainDocker, e.docker, 'debian:bookworm');
  // cold: no engine holds the family, the registry (its storage is new) holds nothing
  for (const e of engines) for (const c of COMPONENTS) await e.docker.getImage(refOf(c)).remove({ force: true }).catch(() => undefined);
});

test.after.always(async () => {
  await registry?.stop();
  await Promise.all((engines ?? []).map((e) => e.stop()));
});

test.serial('push over three engines: every engine builds, each image once, children on their parents\' layers; the version tags move without a second upload', async (t) => {
  const r = await runGulp(cli('push', '--registry', registry.address), env, 1_200_000);
  const out = r.stdout + r.stderr;
  t.is(r.code, 0, out);
  t.notRegex(out, new RegExp(PASSWORD), 'the password is in no output');

  const s = summary();
  t.is(s.images.length, COMPONENTS.length);
  t.deepEqual(s.counts, { built: COMPONENTS.length, skipped: 0, failed: 0, blocked: 0 }, out);
  const names = engines.map((e) => e.host);
  // every engine built at least one image
  t.deepEqual([...new Set(s.images.map((i) => i.engine ?? ''))].sort((a, b) => a.localeCompare(b)), [...names].sort((a, b) => a.localeCompare(b)), JSON.stringify(s.images.map((i) => [i.component, i.engine])));
  for (const i of s.images) {
    // built once: one build line per image, on the engine its row names
    t.is(out.match(new RegExp(`: built ${i.ref.replace(/[.]/g, '\\.')} in `, 'g'))?.length, 1, `${i.ref} built once`);
    const engine = engines[names.indexOf(i.engine!)];
    const there = await imageOn(engine.docker, i.ref);
    t.is(there?.Id, i.id!, `${i.ref} on ${i.engine}`);
    t.is(there?.Config.Labels[LABELS.inputHash], i.inputHash);
    // the engines that did not build it have it only when they pulled it as a parent: same id
    for (const other of engines.filter((e) => e !== engine)) {
      const copy = await imageOn(other.docker, i.ref);
      if (copy) t.is(copy.Id, i.id!, `${i.ref} pulled onto ${other.host} is the same image`);
    }
    // in the registry under its identity tag and, after push, its version tag: the same image
    const name = `contrail-${i.component}-${OS}`;
    t.is(await registry.configDigest(name, `h-${i.inputHash}`), i.id);
    t.is(await registry.configDigest(name, VERSION), i.id);
  }
  // push found every family image stored already: nothing uploaded twice
  for (const c of COMPONENTS) t.regex(out, new RegExp(`already there\\s+127\\.0\\.0\\.1:22110/contrail-${c}-${OS}:${VERSION.replace(/[.]/g, '\\.')}\\s`));
  // every pushed image has its SBOM and provenance attached, also those built on another engine
  // than the first (read there after a pull): the referrers tag schema's index names both
  for (const c of COMPONENTS) {
    const name = `contrail-${c}-${OS}`;
    const manifest = await registryGet(`/v2/${name}/manifests/${VERSION}`, MANIFEST_TYPES.join(', '));
    t.is(manifest.status, 200);
    const index = await registryGet(`/v2/${name}/manifests/${referrersTag(manifest.digest)}`, OCI_INDEX);
    t.is(index.status, 200, `${name}: no referrers index (${index.body})`);
    const types = ((JSON.parse(index.body) as { manifests?: { artifactType?: string }[] }).manifests ?? []).map((m) => m.artifactType ?? '').sort((a, b) => a.localeCompare(b));
    t.deepEqual(types, [SBOM_MEDIA_TYPE, PROVENANCE_MEDIA_TYPE].sort((a, b) => a.localeCompare(b)), name);
  }
  // each child's layers start with its parent's own layer digests
  const base = await layers(`contrail-base-${OS}`, VERSION);
  t.true(base.length > 0);
  for (const c of COMPONENTS.filter((x) => x !== 'base')) {
    const child = await layers(`contrail-${c}-${OS}`, VERSION);
    t.deepEqual(child.slice(0, base.length), base, `${c} on base's layers`);
    t.true(child.length > base.length);
  }
  // every engine's builds installed from a repo container of its own (host networking: a port each)
  for (const [k, e] of engines.entries()) {
    const repo = await e.docker.getContainer(`contrail-repo-${OS}-${REPO_PORT + k}`).inspect();
    t.true(repo.State.Running, `${e.host} serves its own repo on ${REPO_PORT + k}`);
  }
  for (const i of s.images.filter((x) => x.engine !== engines[0].host)) {
    const port = REPO_PORT + names.indexOf(i.engine!);
    const history = await engines[names.indexOf(i.engine!)].docker.getImage(i.ref).history();
    t.true(history.some((h: { CreatedBy: string }) => h.CreatedBy.includes(`CONTRAIL_REPO_URL=http://127.0.0.1:${port}`)), `${i.ref} installed from 127.0.0.1:${port}`);
  }
  // a child built on another engine than its parent pulled the parent by its h- tag
  const baseEngine = s.images.find((i) => i.component === 'base')!.engine;
  const elsewhere = s.images.filter((i) => i.component !== 'base' && i.engine !== baseEngine);
  t.true(elsewhere.length > 0);
  for (const i of elsewhere) t.regex(out, new RegExp(`pulled parent ${refOf('base').replace(/[.]/g, '\\.')} onto engine ${i.engine!.replace(/[.]/g, '\\.')} by its h-`));
});

test.serial('a second run builds nothing on any engine; its save, written on the first engine, loads back with the same ids', async (t) => {
  const before = summary();
  const dir = tempDir('eb-many-save-');
  const r = await runGulp(cli('save', '--save-dir', dir, '--cache-registry', registry.address), env, 900_000);
  const out = r.stdout + r.stderr;
  t.is(r.code, 0, out);
  const s = summary();
  t.is(s.counts.built, 0, out);
  t.notRegex(out, /: building contrail-/);
  for (const i of s.images) t.is(i.id, before.images.find((b) => b.component === i.component)!.id, `${i.ref}: the same image`);

  const archive = path.join(dir, `contrail-images-${OS}-${VERSION}.tar.gz`);
  t.true(fs.existsSync(archive), fs.readdirSync(dir).join(', '));
  // loaded into the third engine, whose family is removed first
  const third = engines[2];
  for (const c of COMPONENTS) await third.docker.getImage(refOf(c)).remove({ force: true }).catch(() => undefined);
  const load = spawnSync('docker', ['-H', third.host, 'load', '-i', archive], { encoding: 'utf8' });
  t.is(load.status, 0, load.stderr);
  for (const i of s.images) t.is((await imageOn(third.docker, i.ref))?.Id, i.id!, `${i.ref} from the archive`);
});

test.serial('plan over three engines says which engine would build each image', async (t) => {
  // plan decides the images' inputs once the repo serves (prep on the first engine)
  const prep = await runGulp(cli('prep', '--cache-registry', registry.address), env, 900_000);
  t.is(prep.code, 0, prep.stdout + prep.stderr);
  const r = await runGulp(cli('plan', '--no-cache', '--cache-registry', registry.address), env);
  const out = r.stdout + r.stderr;
  t.is(r.code, 0, out);
  const lines = COMPONENTS.map((c) => out.split('\n').find((l) => new RegExp(`^.*build\\s+${refOf(c).replace(/[.]/g, '\\.')}\\s`).test(l)) ?? '');
  const placed = lines.map((l) => /\(on engine (tcp:\/\/127\.0\.0\.1:2210[123])\)$/.exec(l)?.[1]);
  t.true(placed.every((e) => e !== undefined), out);
  t.true(new Set(placed).size > 1, lines.join('\n'));
});

test.serial('Ctrl-C while several engines build: exit 130, every engine\'s build stopped, no build container left on any engine', async (t) => {
  const [, second, third] = engines;
  // the classic builder runs each step in a container: a build still going would keep one
  const run = startGulp(cli('buildImages', '--no-cache', '--builder', 'classic', '--cache-registry', registry.address), env, 900_000);
  await run.waitForOutput(new RegExp(`: building \\S+ \\(.*\\) on engine ${second.host.replace(/[.]/g, '\\.')}`), 600_000);
  await run.waitForOutput(new RegExp(`: building \\S+ \\(.*\\) on engine ${third.host.replace(/[.]/g, '\\.')}`), 600_000);
  run.child.kill('SIGINT');
  const r = await run.done;
  const out = r.stdout + r.stderr;
  t.is(r.code, 130, out);
  const s = summary();
  const stopped = s.images.filter((i) => i.reason === 'interrupted');
  t.true(stopped.length >= 2, out);
  for (const e of engines) {
    const left = async () => (await e.docker.listContainers({ all: true })).filter((c) => !c.Names.some((n) => n.startsWith('/contrail-repo-')));
    for (let i = 0; i < 50 && (await left()).length; i++) await new Promise((res) => setTimeout(res, 200));
    t.deepEqual((await left()).map((c) => `${c.Image} ${c.Command}`), [], `no build container left on ${e.host}`);
  }
});

test.serial('an engine killed (kill -9) while the family builds: its image builds on another engine, the run completes, the family is whole', async (t) => {
  const victim = engines[2];
  const run = startGulp(cli('buildImages', '--no-cache', '--cache-registry', registry.address), env, 1_200_000);
  const m = await run.waitForOutput(new RegExp(`(\\S+): building \\S+ \\(.*\\) on engine ${victim.host.replace(/[.]/g, '\\.')}`), 900_000);
  await victim.kill();
  const r = await run.done;
  const out = r.stdout + r.stderr;
  t.is(r.code, 0, out);
  t.regex(out, new RegExp(`${m[1]}: engine ${victim.host.replace(/[.]/g, '\\.')} stopped answering while it had ${m[1]}; ${m[1]} goes back to the queue`));
  t.regex(out, /stopped answering during the run; the other engines built what it had in flight: the family is whole/);
  const s = summary();
  t.deepEqual(s.counts, { built: COMPONENTS.length, skipped: 0, failed: 0, blocked: 0 }, out);
  const moved = s.images.find((i) => i.component === m[1])!;
  t.not(moved.engine, victim.host, `${m[1]} was built again elsewhere`);
  for (const i of s.images) {
    const name = `contrail-${i.component}-${OS}`;
    t.is(await registry.configDigest(name, `h-${i.inputHash}`), i.id, `${i.ref} in the registry`);
    if (i.engine !== victim.host) t.is((await imageOn(engines.find((e) => e.host === i.engine)!.docker, i.ref))?.Id, i.id!);
  }
});
