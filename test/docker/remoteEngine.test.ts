/**
 * Scale past one machine: the whole demo pipeline, through the real CLI, against a second dockerd
 * reached only by DOCKER_HOST=tcp://127.0.0.1:18720 (its own data root, persisted, so later runs
 * are warm). packageBuild's builder, contrailAnsible's galaxy container, the contrail-repo
 * container, the family builds, save and push all happen there; the main engine gets nothing.
 *
 * The base image debian:bookworm is copied into that engine (docker save | docker load), as a user
 * with a remote engine would load it; bootstrapping it there goes through the same engine API call
 * (docker import of a stream) that the local bootstrap tests already cover, and would add minutes.
 * Version t-remote, repo port 18650, registry 18560.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import * as tar from 'tar';
import type Docker from 'dockerode';
import { demuxBuffer } from '../../lib/docker/exec';
import { LABELS } from '../../lib/docker/labels';
import type { Summary } from '../../lib/images/summary';
import type { SaveManifest } from '../../lib/save/manifest';
import { demoBaseImage, docker as mainDocker } from '../helpers/docker';
import { copyImage, startTestEngine, type TestEngine } from '../helpers/engine';
import { runGulp } from '../helpers/gulp';
import { demoSources } from '../helpers/demoSources';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { tempDir } from '../helpers/temp';
import { inspectOrNull } from '../../lib/docker/notFound';

const VERSION = 't-remote';
const PORT = 18720;
const REPO_PORT = 18650;
const OS = 'debian12';
const COMPONENTS = ['base', 'controller', 'analytics', 'analyticsdb', 'agent', 'lb', 'kube-manager', 'mesos-manager',
  'ceph-controller', 'kubernetes-agent', 'vcenter-plugin'];
/** kept between runs, like the engine's data root: the packages and the artifact are reused */
const WORK_DIR = path.join(os.tmpdir(), 'contrail-docker-test-remote-work');

let engine: TestEngine;
let registry: TestRegistry;
const saveDir = tempDir('contrail-remote-save-');
const env = () => ({ DOCKER_HOST: engine.host });
const cli = (task: string, ...more: string[]) => [task, '--config', 'examples/demo/config.json', '--contrail-version', VERSION,
  '--work-dir', WORK_DIR, '--repo-port', String(REPO_PORT), '--jobs', '2', '--wait', ...more];

const refOf = (component: string) => `contrail-${component}-${OS}:${VERSION}`;
/** component -> the digest the registry has, filled only when the push through the remote engine is verified */
const pushed = new Map<string, string>();

const imageOrNull = (d: Docker, ref: string) => inspectOrNull(d.getImage(ref).inspect());

/** Runs `cmd` in a fresh container from `image` on `d`; its output and exit code. */
async function runIn(d: Docker, image: string, cmd: string[]): Promise<{ code: number; output: string }> {
  const c = await d.createContainer({ Image: image, Cmd: cmd, HostConfig: { NetworkMode: 'host' } });
  try {
    await c.start();
    const { StatusCode } = await c.wait();
    const logs = (await c.logs({ stdout: true, stderr: true })) as unknown as Buffer;
    return { code: StatusCode, output: demuxBuffer(logs) };
  } finally {
    await c.remove({ force: true });
  }
}

test.before(async () => {
  fs.mkdirSync(WORK_DIR, { recursive: true });
  [engine, registry] = await Promise.all([startTestEngine(PORT), startRegistry(18560)]);
  // the sandbox's fetch step, in a builder container on that engine, downloads from the demo's site
  await Promise.all([demoBaseImage(), demoSources()]);
  await copyImage(mainDocker, engine.docker, 'debian:bookworm');
});

test.after.always(async () => {
  await registry?.stop();
  // the repo container stops with its engine and is started again by the next run
  await engine?.stop();
});

test.serial('gulp push with DOCKER_HOST=tcp://: packages, repo, contrail-ansible and the family are made on the remote engine and pushed', async (t) => {
  const r = await runGulp(cli('push', '--registry', registry.address), env(), 900_000);
  t.is(r.code, 0, r.stdout + r.stderr);

  // the helper images of prep were built there
  for (const ref of [`contrail-builder-${OS}:${VERSION}`, `contrail-galaxy-${OS}:${VERSION}`, `contrail-repo-${OS}:${VERSION}`]) {
    t.truthy(await imageOrNull(engine.docker, ref), `${ref} on the remote engine`);
  }

  // the family, labelled, on the remote engine
  const summary: Summary = JSON.parse(fs.readFileSync(path.join(WORK_DIR, 'summary.json'), 'utf8'));
  t.is(summary.counts.built + summary.counts.skipped, COMPONENTS.length, JSON.stringify(summary.counts));
  for (const c of COMPONENTS) {
    const image = await imageOrNull(engine.docker, refOf(c));
    t.truthy(image, `${refOf(c)} on the remote engine`);
    const labels = image!.Config.Labels ?? {};
    t.is(labels[LABELS.component], c);
    t.is(labels[LABELS.version], VERSION);
    t.is(labels[LABELS.role], 'family');
    t.is(labels['org.opencontainers.image.version'], VERSION);
    t.is(summary.images.find((i) => i.component === c)?.id, image!.Id);
  }

  // the repo container runs there, serving on the engine's loopback (host networking)
  const repo = await engine.docker.getContainer(`contrail-repo-${OS}-${REPO_PORT}`).inspect();
  t.true(repo.State.Running);
  t.is(repo.HostConfig.NetworkMode, 'host');
  t.is(repo.Config.Labels[LABELS.version], VERSION);

  // a package's program, built by packageBuild in the remote builder, runs in a container there
  const control = await runIn(engine.docker, refOf('controller'), ['contrail-control', '--version']);
  t.is(control.code, 0, control.output);
  t.regex(control.output, /contrail-control/);
  const agent = await runIn(engine.docker, refOf('agent'), ['dpkg-query', '-W', '-f', '${Package} ${Version}\n', 'contrail-vrouter-agent']);
  t.regex(agent.output, /^contrail-vrouter-agent \S+/m);
  // contrail-ansible (made by ansible-galaxy in the remote galaxy container) is in contrail-base
  const ansible = await runIn(engine.docker, refOf('base'), ['test', '-f', '/contrail-ansible/playbooks/site.yml']);
  t.is(ansible.code, 0, ansible.output);

  // pushed from the remote engine: the registry has every image at the digest the engine reports
  for (const c of COMPONENTS) {
    const digest = await registry.manifestDigest(`contrail-${c}-${OS}`, VERSION);
    t.truthy(digest, `contrail-${c}-${OS}:${VERSION} in the registry`);
    // the registry holds the remote engine's image itself: its config digest is that image's id
    // (the push leaves no registry-named tag on the engine to compare digests with)
    const there = await imageOrNull(engine.docker, refOf(c));
    const config = await registry.configDigest(`contrail-${c}-${OS}`, VERSION);
    const matches = !!there && config === there.Id;
    t.true(matches, `${c}: registry config ${config}, remote image ${there?.Id}`);
    if (digest && matches) pushed.set(c, digest);
  }
});

test.serial('gulp save with DOCKER_HOST=tcp://: nothing is rebuilt; the archive holds the remote images', async (t) => {
  const r = await runGulp(cli('save', '--save-dir', saveDir), env());
  t.is(r.code, 0, r.stdout + r.stderr);
  const summary: Summary = JSON.parse(fs.readFileSync(path.join(WORK_DIR, 'summary.json'), 'utf8'));
  t.deepEqual([summary.counts.built, summary.counts.skipped], [0, COMPONENTS.length]);
  t.regex(r.stdout, /contrail-repo: \S+ already serves/);

  const manifest: SaveManifest = JSON.parse(fs.readFileSync(path.join(saveDir, 'manifest.json'), 'utf8'));
  for (const c of COMPONENTS) {
    const remote = await imageOrNull(engine.docker, refOf(c));
    t.is(manifest.images.find((i) => i.ref === refOf(c))?.id, remote?.Id);
  }
  let text = '';
  await tar.t({
    file: path.join(saveDir, `contrail-images-${OS}-${VERSION}.tar.gz`),
    onReadEntry: (e) => {
      if (e.path === 'manifest.json') e.on('data', (d: Buffer) => (text += d.toString()));
      else e.resume();
    },
  });
  const tags = (JSON.parse(text) as { RepoTags: string[] }[]).flatMap((m) => m.RepoTags);
  t.deepEqual(tags.sort(), [...COMPONENTS.map(refOf), `contrail-repo-${OS}:${VERSION}`].sort());
});

test.serial('the main engine got none of it: no image, no container of version t-remote', async (t) => {
  // only meaningful after the family was built and pushed through the remote engine: when that
  // failed, "nothing here" would pass for the wrong reason
  t.deepEqual([...pushed.keys()].sort(), [...COMPONENTS].sort(), 'every image was pushed from the remote engine first');
  for (const c of COMPONENTS) t.truthy(await imageOrNull(engine.docker, refOf(c)), `${refOf(c)} is on the remote engine`);
  const images = await mainDocker.listImages({ filters: { label: [`${LABELS.version}=${VERSION}`] } });
  t.deepEqual(images.map((i) => i.RepoTags), []);
  for (const ref of [...COMPONENTS.map(refOf), `contrail-builder-${OS}:${VERSION}`, `contrail-galaxy-${OS}:${VERSION}`]) {
    t.is(await imageOrNull(mainDocker, ref), null, ref);
  }
  const containers = await mainDocker.listContainers({ all: true, filters: { name: [`contrail-repo-${OS}-${REPO_PORT}`] } });
  t.deepEqual(containers.map((c) => c.Names), []);
});
