/**
 * The generated GitHub workflow run as runners would run it: each job's commands in dependency
 * order, every job in a fresh clone of this repository's committed HEAD (node_modules linked in
 * place of `npm ci`) with its own empty work folder and no image of the family on the engine,
 * against a real registry with htpasswd whose address and credentials come from the workflow's
 * secrets. Checks: the family ends under its version tags, each image built once across the
 * jobs, no job rebuilds a parent; the whole pipeline again builds nothing; a failing job leaves
 * every version tag where it was. Ports 19652 (repo) and 19653 (registry) are this file's own.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import * as tar from 'tar';
import { parse } from 'yaml';
import type { Summary } from '../../lib/images/summary';
import { docker, demoBaseImage } from '../helpers/docker';
import { writeDeb } from '../helpers/deb';
import { ROOT } from '../helpers/gulp';
import { startRegistry, type TestRegistry } from '../helpers/registry';
import { tempDir } from '../helpers/temp';

const VERSION = 't-ci-38';
const OS = 'cipipe';
const REPO_PORT = 19652;
const FAMILY = ['base', 'web', 'webx'];
const SECRETS = { CONTRAIL_REGISTRY: '', CONTRAIL_REGISTRY_USER: 'ci-user', CONTRAIL_REGISTRY_PASSWORD: 'ci-pass-8f2c' };

let registry: TestRegistry;
let dir: string;

interface JobRun {
  id: string;
  code: number | null;
  output: string;
  summary: Summary | null;
}

/** What the repository holds for this family: its config and Dockerfiles, under ci-test/. */
function projectFiles(webx = 'RUN echo webx > /etc/ci-webx', web = 'RUN echo web > /etc/ci-web'): Record<string, string> {
  const from = (parent: string) => `ARG OS\nARG CONTRAIL_VERSION\nFROM contrail-${parent}-\${OS}:\${CONTRAIL_VERSION}\n`;
  return {
    'ci-test/dockerfiles/base/Dockerfile': 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nARG PACKAGES\nRUN echo "base: $PACKAGES" > /etc/ci-base\n',
    'ci-test/dockerfiles/web/Dockerfile': `${from('base')}${web}\n`,
    'ci-test/dockerfiles/webx/Dockerfile': `${from('web')}${webx}\n`,
    'ci-test/config.json': JSON.stringify({
      version: VERSION, os: OS, osFamily: 'deb', baseImage: 'debian:bookworm', bootstrap: { suite: 'bookworm' }, workDir: '.build',
      packages: { dir: path.join(dir, 'debs') }, repo: { host: '127.0.0.1', port: REPO_PORT }, ansible: { artifact: path.join(dir, 'contrail-ansible.tar.gz') },
      images: Object.fromEntries(FAMILY.map((n) => [n, { packages: n === 'base' ? ['ci-hello'] : [], dockerfile: `dockerfiles/${n}/Dockerfile` }])),
      jobs: 2,
    }, null, 2),
  };
}

/** A runner's checkout: a fresh clone of HEAD, node_modules linked instead of installed, the project's files. */
function checkout(name: string, files: Record<string, string>): string {
  const clone = path.join(dir, 'runs', name);
  const r = spawnSync('git', ['clone', '-q', '--no-hardlinks', ROOT, clone], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git clone: ${r.stderr}`);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(clone, p)), { recursive: true });
    fs.writeFileSync(path.join(clone, p), text);
  }
  return clone;
}

/** A fresh runner: no image of this family (nor its repo image or container) on the engine; only this test's names. */
async function freshEngine(): Promise<void> {
  await docker.getContainer(`contrail-repo-${OS}-${REPO_PORT}`).remove({ force: true }).catch(() => undefined);
  const mine = (tag: string) => new RegExp(`^(127\\.0\\.0\\.1:${registry.port}/)?contrail-[a-z-]+-${OS}:`).test(tag);
  for (const image of await docker.listImages()) {
    if ((image.RepoTags ?? []).some(mine)) await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
  }
}

function run(cmd: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', cmd], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The workflow's environment with each secret by its name from SECRETS; a secret it names that is not there fails. */
function jobEnv(workflow: { env: Record<string, string> }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (/^(CONTRAIL_|CONTAINER_)/.test(k) && !k.startsWith('CONTRAIL_TEST_')) delete env[k];
  for (const [k, v] of Object.entries(workflow.env)) {
    env[k] = v.replace(/\$\{\{\s*secrets\.([A-Za-z_0-9]+)\s*\}\}/g, (_, name: keyof typeof SECRETS) => {
      if (!(name in SECRETS)) throw new Error(`the workflow names secret ${name}, which the CI does not have`);
      return SECRETS[name];
    });
  }
  return env;
}

/**
 * Runs every job whose needs all succeeded, in dependency order, as runners would; a job whose
 * needs failed is skipped, as the CI skips it. `only`: these jobs alone.
 */
async function runPipeline(label: string, files: Record<string, string>, only?: string[]): Promise<Map<string, JobRun>> {
  const generator = checkout(`${label}-generate`, files);
  const gen = await run('npx gulp ci --format github --config ci-test/config.json --out .github/workflows/contrail-images.yml', generator, jobEnv({ env: {} }));
  if (gen.code !== 0) throw new Error(`gulp ci failed:\n${gen.output}`);
  const workflow = parse(fs.readFileSync(path.join(generator, '.github/workflows/contrail-images.yml'), 'utf8')) as {
    env: Record<string, string>; jobs: Record<string, { needs?: string[]; steps: { uses?: string; run?: string }[] }>;
  };
  const done = new Map<string, JobRun>();
  const pending = Object.keys(workflow.jobs).filter((id) => !only || only.includes(id));
  while (pending.length) {
    const k = pending.findIndex((id) => (workflow.jobs[id].needs ?? []).every((n) => done.has(n) || (only && !only.includes(n))));
    if (k < 0) {
      const failed = [...done.values()].filter((j) => j.code !== 0).map((j) => `${j.id} (exit ${j.code}):\n${j.output.split('\n').slice(-40).join('\n')}`);
      throw new Error(`no job can start: ${pending.join(', ')}${failed.length ? `; failed: ${failed.join('\n')}` : ''}`);
    }
    const id = pending.splice(k, 1)[0];
    if ((workflow.jobs[id].needs ?? []).some((n) => done.get(n) && done.get(n)!.code !== 0)) continue; // skipped: a need failed
    await freshEngine();
    const clone = checkout(`${label}-${id}`, files);
    let result = { code: 0 as number | null, output: '' };
    for (const step of workflow.jobs[id].steps) {
      if (step.uses) continue; // checkout and setup-node: the clone, and this Node
      if (/^npm ci\b/.test(step.run!)) continue; // node_modules is linked
      const r = await run(step.run!, clone, jobEnv(workflow));
      result = { code: r.code, output: result.output + r.output };
      if (r.code !== 0) break;
    }
    const summaryFile = path.join(clone, 'ci-test', '.build', 'summary.json');
    done.set(id, { id, ...result, summary: fs.existsSync(summaryFile) ? JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Summary : null });
  }
  return done;
}

const name = (c: string) => `contrail-${c}-${OS}`;
const versionDigests = async () => Object.fromEntries(await Promise.all([...FAMILY, 'repo'].map(async (c) => [c, await registry.manifestDigest(name(c), VERSION)] as const)));
const built = (jobs: Map<string, JobRun>) => [...jobs.values()].flatMap((j) => (j.summary?.images ?? []).filter((i) => i.status === 'built').map((i) => `${j.id}: ${i.component}`));
const failure = (jobs: Map<string, JobRun>) => [...jobs.values()].filter((j) => j.code !== 0).map((j) => `${j.id} (exit ${j.code}):\n${j.output.slice(-3000)}`).join('\n');

test.before(async () => {
  dir = tempDir('ci-pipeline-');
  registry = await startRegistry(19653, { auth: { user: SECRETS.CONTRAIL_REGISTRY_USER, password: SECRETS.CONTRAIL_REGISTRY_PASSWORD } });
  SECRETS.CONTRAIL_REGISTRY = registry.address;
  await demoBaseImage();
  writeDeb(path.join(dir, 'debs'), { package: 'ci-hello', version: '1.0', files: { '/usr/bin/ci-hello': '#!/bin/sh\necho hello\n' } });
  fs.mkdirSync(path.join(dir, 'ansible', 'playbooks'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'ansible', 'playbooks', 'site.yml'), '- hosts: all\n  tasks: []\n');
  tar.c({ cwd: path.join(dir, 'ansible'), gzip: true, portable: true, sync: true, file: path.join(dir, 'contrail-ansible.tar.gz') }, ['playbooks']);
});

test.after.always(async () => {
  if (registry) await freshEngine();
  await registry?.stop();
});

let first: Record<string, string | null>;

test.serial('the pipeline on fresh runners: the family ends under its version tags, each image built once across the jobs, no job rebuilding a parent', async (t) => {
  const jobs = await runPipeline('first', projectFiles());
  t.deepEqual([...jobs.keys()], ['prep', 'image-base', 'image-web', 'image-webx', 'publish']);
  t.is(failure(jobs), '');
  t.deepEqual(built(jobs).sort(), ['image-base: base', 'image-web: web', 'image-webx: webx']);
  // each image job took its parents from the registry (by input hash), never from a build
  for (const [job, parents] of [['image-web', ['base']], ['image-webx', ['base', 'web']]] as const) {
    for (const p of parents) t.is(jobs.get(job)!.summary!.images.find((i) => i.component === p)?.how, 'from the registry', `${job}: ${p}`);
  }
  first = await versionDigests();
  for (const c of [...FAMILY, 'repo']) t.truthy(first[c], `${c} is under :${VERSION}`);
  // the version tag is the very image the image's job built (its config digest is the image id)
  for (const c of FAMILY) {
    const row = jobs.get(`image-${c}`)!.summary!.images.find((i) => i.component === c)!;
    t.is(await registry.configDigest(name(c), VERSION), row.id, c);
    t.is(await registry.manifestDigest(name(c), `h-${row.inputHash}`), first[c], `${c}: version tag = h- tag`);
  }
  const text = fs.readFileSync(path.join(dir, 'runs', 'first-generate', '.github/workflows/contrail-images.yml'), 'utf8');
  t.false(text.includes(SECRETS.CONTRAIL_REGISTRY_PASSWORD) || text.includes(SECRETS.CONTRAIL_REGISTRY_USER), 'no secret value in the workflow');
  t.false([...jobs.values()].some((j) => j.output.includes(SECRETS.CONTRAIL_REGISTRY_PASSWORD)), 'nor in any job\'s output');
});

test.serial('the whole pipeline again builds nothing and moves no tag', async (t) => {
  t.truthy(first, 'the first run passed');
  const jobs = await runPipeline('again', projectFiles());
  t.is(failure(jobs), '');
  t.deepEqual(built(jobs), []);
  t.deepEqual(await versionDigests(), first);
});

test.serial('a failing job: the jobs after it do not run, publish refuses by hand too, and every version tag stays where it was', async (t) => {
  t.truthy(first, 'the first run passed');
  const files = projectFiles('RUN echo webx fails on purpose && false', 'RUN echo web changed > /etc/ci-web');
  // out of order: webx's parent (web, changed) is not in the registry yet: refused, nothing built
  const early = await runPipeline('early', files, ['prep', 'image-webx']);
  t.is(early.get('image-webx')!.code, 1, early.get('image-webx')!.output.slice(-3000));
  t.regex(early.get('image-webx')!.output, /--cache-only never rebuilds a parent, but contrail-web-cipipe:t-ci-38 is not in the cache registry/);
  t.deepEqual(built(early), []);

  const jobs = await runPipeline('failing', files);
  t.is(jobs.get('image-web')!.code, 0, jobs.get('image-web')!.output.slice(-3000));
  t.is(jobs.get('image-webx')!.code, 1);
  t.false(jobs.has('publish'), 'publish does not run after a failed job');
  t.deepEqual(built(jobs), ['image-web: web']);
  t.deepEqual(await versionDigests(), first);

  const byHand = await runPipeline('publish-by-hand', files, ['publish']);
  t.is(byHand.get('publish')!.code, 1, byHand.get('publish')!.output.slice(-3000));
  t.regex(byHand.get('publish')!.output, /cannot publish :t-ci-38: .* has no image under its input hash for webx; every version tag .* is where it was/);
  t.deepEqual(await versionDigests(), first);
});
