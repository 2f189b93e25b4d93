/**
 * contrailAnsible against real git repositories made here (file://), real ansible-galaxy in the
 * galaxy helper image, and the real engine. Every test makes its own copy of the repositories
 * (contrail-ansible, role A whose meta depends on B, A's own requirements naming C, C's
 * collection), so moving a branch in one test does not disturb another.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import test from 'ava';
import * as tar from 'tar';
import type { AnsibleManifest } from '../../lib/ansible/manifest';
import { LABELS } from '../../lib/docker/labels';
import { PipelineError } from '../../lib/errors';
import { exitCodeFor } from '../../lib/exit';
import { sha256File } from '../../lib/hash';
import { galaxyImageRef } from '../../lib/naming';
import { DEMO_SOURCES, gitIn, makeDemoRepos } from '../../scripts/demo-git';
import { contrailAnsible } from '../helpers/steps';
import { demoBaseImage, demoConfig, docker, imageLabels, testRun } from '../helpers/docker';
import { runGulp } from '../helpers/gulp';
import { tempDir } from '../helpers/temp';
import { oneOf, removeDanglingAfter } from '../helpers/leftovers';

removeDanglingAfter(test, oneOf('t-ansible'));

const VERSION = 't-ansible';
const GALAXY = galaxyImageRef('debian12', VERSION);

interface Fixture {
  git: string;
  repo: string;
  /** the first commit: tag v1.0.0 and branch stable point here */
  first: string;
  /** master, one commit later */
  second: string;
}

function commitFile(repo: string, file: string, text: string, date: string): string {
  fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  fs.writeFileSync(path.join(repo, file), text);
  gitIn(repo, ['add', '--all']);
  gitIn(repo, ['commit', '--quiet', '-m', `change ${file}`], date);
  return gitIn(repo, ['rev-parse', 'HEAD']);
}

/** The demo repositories, made afresh by this test, plus a branch and a second commit. */
function fixture(): Fixture {
  const git = path.join(tempDir('contrail-ansible-git-'), 'git');
  makeDemoRepos(DEMO_SOURCES, git);
  const repo = path.join(git, 'contrail-ansible');
  const first = gitIn(repo, ['rev-parse', 'HEAD']);
  gitIn(repo, ['branch', 'stable']);
  const second = commitFile(repo, 'NEWS', 'second commit\n', '2017-07-01T00:00:00Z');
  return { git, repo, first, second };
}

function runFor(f: Fixture | null, ref: string, extra: string[] = [], workDir = tempDir('contrail-ansible-work-')) {
  const args = f ? ['--ansible-repo', f.repo, '--ansible-ref', ref, ...extra] : extra;
  return testRun(demoConfig({ version: VERSION, workDir, args }));
}

async function listTar(file: string): Promise<string[]> {
  const out: string[] = [];
  await tar.t({ file, strict: true, onReadEntry: (e) => void out.push(e.path) });
  return out;
}

/** A loopback port nothing listens on. */
async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const readManifest = (file: string): AnsibleManifest => JSON.parse(fs.readFileSync(file, 'utf8'));

const EXPECTED = [
  'contrail-ansible/requirements.yml',
  'contrail-ansible/playbooks/site.yml',
  'contrail-ansible/playbooks/roles/contrail_provision/tasks/main.yml',
  'contrail-ansible/playbooks/roles/contrail_common/meta/main.yml',
  'contrail-ansible/playbooks/roles/contrail_common/requirements.yml',
  'contrail-ansible/playbooks/roles/contrail_facts/tasks/main.yml',
  'contrail-ansible/playbooks/roles/contrail_logging/requirements.yml',
  'contrail-ansible/playbooks/collections/ansible_collections/contrail/demo/plugins/filter/banner.py',
  'contrail-ansible/playbooks/collections/ansible_collections/contrail/demo/MANIFEST.json',
];

test.before(async () => {
  await demoBaseImage();
});

test.serial('builds at a tag: the whole dependency tree, no .git, and a manifest naming every source', async (t) => {
  const f = fixture();
  const run = runFor(f, 'v1.0.0');
  const result = await contrailAnsible(run);
  t.is(path.basename(result.artifact), `contrail-ansible-${VERSION}.tar.gz`);
  t.is(result.commit, f.first);
  t.is(result.sha256, await sha256File(result.artifact));
  const files = await listTar(result.artifact);
  for (const e of EXPECTED) t.true(files.includes(e), `${e} in the artifact`);
  t.false(files.includes('contrail-ansible/NEWS'), 'the tag, not master');
  t.false(files.some((p) => p.split('/').includes('.git')), 'no .git folders');

  const m = readManifest(result.manifest);
  t.is(result.manifest, path.join(path.dirname(result.artifact), `contrail-ansible-${VERSION}.manifest.json`));
  t.like(m, { source: 'git', repo: f.repo, ref: 'v1.0.0', commit: f.first, sha256: result.sha256, rolesPath: 'contrail-ansible/playbooks/roles' });
  const head = (name: string) => gitIn(path.join(f.git, name), ['rev-parse', 'HEAD']);
  t.deepEqual(m.roles.map((r) => [r.name, r.src, r.version, r.commit, r.from, r.dependency]), [
    ['contrail_common', `file://${f.git}/ansible-role-contrail-common`, 'v1.0.0', head('ansible-role-contrail-common'), 'requirements.yml line 4', false],
    ['contrail_facts', `file://${f.git}/ansible-role-contrail-facts`, 'master', head('ansible-role-contrail-facts'), 'playbooks/roles/contrail_common/meta/main.yml line 8', true],
    ['contrail_logging', `file://${f.git}/ansible-role-contrail-logging`, 'master', head('ansible-role-contrail-logging'), 'playbooks/roles/contrail_common/requirements.yml line 2', false],
  ]);
  t.deepEqual(m.collections.map((c) => [c.name, c.version, c.src, c.requested, c.commit, c.from]), [
    ['contrail.demo', '1.0.0', `file://${f.git}/contrail-demo-collection`, 'master', head('contrail-demo-collection'), 'playbooks/roles/contrail_logging/requirements.yml line 2'],
  ]);
  t.deepEqual(m.warnings, []);
  // the helper image is labelled as ours and reused
  const labels = await imageLabels(GALAXY);
  t.is(labels[LABELS.role], 'galaxy');
  t.truthy(labels[LABELS.inputHash]);
  // nothing left behind: no temporary files, no galaxy container
  t.deepEqual(fs.readdirSync(path.dirname(result.artifact)).sort(), [path.basename(result.artifact), path.basename(result.manifest)].sort());
  t.deepEqual(fs.readdirSync(path.join(run.config.workDir, 'tmp')), []);
  const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.workDir}=${run.config.workDir}`] } });
  t.is(left.length, 0);
});

test.serial('builds at a branch, a full commit id and an abbreviated one', async (t) => {
  const f = fixture();
  for (const [ref, commit, news] of [
    ['stable', f.first, false],
    ['master', f.second, true],
    [f.first, f.first, false],
    [f.second.slice(0, 9), f.second, true],
  ] as const) {
    const result = await contrailAnsible(runFor(f, ref));
    t.is(result.commit, commit, ref);
    const m = readManifest(result.manifest);
    t.is(m.ref, ref);
    t.is(m.commit, commit);
    t.is((await listTar(result.artifact)).includes('contrail-ansible/NEWS'), news, `${ref}: NEWS`);
    t.true((await listTar(result.artifact)).includes(EXPECTED[7]), `${ref}: the collection`);
  }
});

test.serial('the same inputs twice give byte-identical artifacts; a rerun reuses the artifact without rewriting it; moves rebuild', async (t) => {
  const f = fixture();
  const a = await contrailAnsible(runFor(f, 'master'));
  const b = await contrailAnsible(runFor(f, 'master'));
  t.not(a.artifact, b.artifact, 'two separate work folders');
  t.is(a.sha256, b.sha256);
  t.is(await sha256File(a.artifact), await sha256File(b.artifact));
  t.deepEqual(fs.readFileSync(a.manifest), fs.readFileSync(b.manifest));

  // every entry carries the commit's time and owner root
  const entries: tar.ReadEntry[] = [];
  await tar.t({ file: a.artifact, onReadEntry: (e) => void entries.push(e) });
  const when = Number(gitIn(f.repo, ['log', '-1', '--format=%ct']));
  t.true(entries.every((e) => e.mtime!.getTime() === when * 1000 && e.uid === 0 && e.gid === 0));

  const workDir = path.dirname(path.dirname(a.artifact));
  const before = fs.statSync(a.artifact).mtimeMs;
  const again = runFor(f, 'master', [], workDir);
  const reused = await contrailAnsible(again);
  t.deepEqual(reused, a);
  t.is(fs.statSync(a.artifact).mtimeMs, before, 'not rewritten');
  t.regex(again.log.text(), /is current/);

  // master moves: rebuilt
  const third = commitFile(f.repo, 'NEWS', 'third commit\n', '2017-08-01T00:00:00Z');
  const moved = runFor(f, 'master', [], workDir);
  const rebuilt = await contrailAnsible(moved);
  t.is(rebuilt.commit, third);
  t.not(rebuilt.sha256, a.sha256);
  t.regex(moved.log.text(), /master moved from/);

  // a requirement source moves (role C's master): rebuilt, with C's new content
  const c = path.join(f.git, 'ansible-role-contrail-logging');
  const cNow = commitFile(c, 'defaults/main.yml', 'contrail_logging_level: debug\n', '2017-09-01T00:00:00Z');
  const sourceMoved = runFor(f, 'master', [], workDir);
  const rebuilt2 = await contrailAnsible(sourceMoved);
  t.regex(sourceMoved.log.text(), /ansible-role-contrail-logging master moved/);
  t.true((await listTar(rebuilt2.artifact)).includes('contrail-ansible/playbooks/roles/contrail_logging/defaults/main.yml'));
  t.is(readManifest(rebuilt2.manifest).roles.find((r) => r.name === 'contrail_logging')!.commit, cNow);
});

test.serial('the artifact provisions a container: site.yml runs with the installed roles and collection', async (t) => {
  const f = fixture();
  const result = await contrailAnsible(runFor(f, 'master'));
  const container = await docker.createContainer({
    Image: GALAXY,
    Cmd: ['sh', '-c', 'tar -xzf /tmp/contrail-ansible.tar.gz -C / && ansible-playbook -i localhost, -c local /contrail-ansible/playbooks/site.yml -e contrail_role=controller -e contrail_version=4.0.0.0-20 >/tmp/play.log 2>&1 || { cat /tmp/play.log; exit 1; }; cat /etc/contrail/provisioned'],
    HostConfig: { NetworkMode: 'host' },
  });
  try {
    // in through the engine's archive API, as buildImages does (no bind mounts)
    const renamed = tempDir();
    fs.copyFileSync(result.artifact, path.join(renamed, 'contrail-ansible.tar.gz'));
    await container.putArchive(tar.c({ cwd: renamed, portable: true }, ['contrail-ansible.tar.gz']) as any, { path: '/tmp' });
    await container.start();
    const { StatusCode } = await container.wait();
    const logs = (await container.logs({ stdout: true, stderr: true })).toString();
    t.is(StatusCode, 0, logs);
    t.regex(logs, /role=controller/);
    t.regex(logs, /version=4\.0\.0\.0-20/);
    t.regex(logs, /facts=contrail_facts/, 'role B ran (meta dependency of A)');
    t.regex(logs, /logging=\[contrail controller\]/, "role C ran, with the collection's filter");
  } finally {
    await container.remove({ force: true });
  }
});

test.serial('a given artifact (path, http URL) is copied under the versioned name; its manifest travels with it', async (t) => {
  const f = fixture();
  const made = await contrailAnsible(runFor(f, 'v1.0.0'));
  // a path, with our manifest beside it: the commit is carried over
  const byPath = runFor(null, '', ['--ansible-artifact', made.artifact]);
  const fromPath = await contrailAnsible(byPath);
  t.is(fromPath.sha256, made.sha256);
  t.is(fromPath.commit, f.first);
  t.is(path.basename(fromPath.artifact), `contrail-ansible-${VERSION}.tar.gz`);
  t.like(readManifest(fromPath.manifest), { source: 'artifact', given: made.artifact, commit: f.first, sha256: made.sha256 });

  // an http URL (no manifest travels)
  const server = http.createServer((req, res) => {
    if (req.url === '/contrail-ansible.tar.gz') fs.createReadStream(made.artifact).pipe(res);
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const byUrl = runFor(null, '', ['--ansible-artifact', `http://127.0.0.1:${port}/contrail-ansible.tar.gz`]);
    const fromUrl = await contrailAnsible(byUrl);
    t.is(fromUrl.sha256, made.sha256);
    t.is(fromUrl.commit, '');
    t.like(readManifest(fromUrl.manifest), { source: 'artifact', commit: '', sha256: made.sha256 });

    // a URL that answers 404 is not reachable: warning, then a build from git
    const missing = runFor(f, 'v1.0.0', ['--ansible-artifact', `http://127.0.0.1:${port}/nothing.tar.gz`]);
    const built = await contrailAnsible(missing);
    t.regex(missing.log.text(), /warn: ansible\.artifact http:\/\/127\.0\.0\.1:\d+\/nothing\.tar\.gz is not reachable \(HTTP 404.*\); building contrail-ansible from .* at v1\.0\.0 instead/);
    t.is(built.commit, f.first);
    t.is(built.sha256, made.sha256, 'the build from git gives the same bytes');
  } finally {
    server.close();
  }
});

test.serial('an unreachable artifact (no such file, nothing listening) warns and builds from git', async (t) => {
  const f = fixture();
  const closed = await freePort();
  for (const given of [path.join(tempDir(), 'missing.tar.gz'), `http://127.0.0.1:${closed}/contrail-ansible.tar.gz`]) {
    const run = runFor(f, 'stable', ['--ansible-artifact', given]);
    const result = await contrailAnsible(run);
    t.regex(run.log.text(), /warn: ansible\.artifact .* is not reachable \((no such file|ECONNREFUSED)\); building contrail-ansible from/);
    t.is(result.commit, f.first);
    t.is(readManifest(result.manifest).source, 'git');
  }
});

test.serial('an artifact that is not a gzip tar is an error, and nothing is written', async (t) => {
  const dir = tempDir();
  const plain = path.join(dir, 'plain.tar.gz');
  fs.writeFileSync(plain, 'this is not an archive\n');
  const gzNotTar = path.join(dir, 'gz.tar.gz');
  fs.writeFileSync(gzNotTar, zlib.gzipSync(Buffer.alloc(2048, 7)));
  const truncated = path.join(dir, 'cut.tar.gz');
  const f = fixture();
  const good = await contrailAnsible(runFor(f, 'stable'));
  fs.writeFileSync(truncated, fs.readFileSync(good.artifact).subarray(0, 200));
  for (const [file, why] of [[plain, /it is not gzip-compressed/], [gzNotTar, /it is not a valid gzip tar/], [truncated, /it is not a valid gzip tar/]] as const) {
    const run = runFor(null, '', ['--ansible-artifact', file]);
    const e = await t.throwsAsync(contrailAnsible(run), { instanceOf: PipelineError });
    t.regex(e!.message, new RegExp(`ansible\\.artifact ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is reachable, but `));
    t.regex(e!.message, why);
    t.is(exitCodeFor(e), 2);
    const artifacts = path.join(run.config.workDir, 'artifacts');
    t.deepEqual(fs.existsSync(artifacts) ? fs.readdirSync(artifacts) : [], [], 'no artifact, no temporary file');
  }
});

test.serial('bad refs and repositories: clear errors before anything is built', async (t) => {
  const f = fixture();
  const cases: [string, string, RegExp][] = [
    [f.repo, 'no-such-branch', /ansible\.ref "no-such-branch" is not a branch, tag or commit id of /],
    [f.repo, 'stabel', /did you mean "stable"\?/],
    [f.repo, 'f'.repeat(40), new RegExp(`ansible\\.ref "${'f'.repeat(40)}": .* has no commit`)],
    [f.repo, 'fffffff', /ansible\.ref "fffffff": .* has no commit fffffff/],
    [path.join(f.git, 'nothing-here'), 'master', /ansible\.repo .*nothing-here does not answer/],
    [`http://127.0.0.1:${await freePort()}/contrail-ansible.git`, 'master', /ansible\.repo http:\/\/127\.0\.0\.1:\d+\/contrail-ansible\.git does not answer/],
  ];
  for (const [repo, ref, pattern] of cases) {
    const run = testRun(demoConfig({ version: VERSION, args: ['--ansible-repo', repo, '--ansible-ref', ref] }));
    const e = await t.throwsAsync(contrailAnsible(run), { instanceOf: PipelineError });
    t.regex(e!.toString(), pattern);
    t.is(e!.kind, 'input');
    t.false(fs.existsSync(path.join(run.config.workDir, 'artifacts', `contrail-ansible-${VERSION}.tar.gz`)));
  }
});

test.serial("refs and URLs git would read as options are refused before git runs (config, and the step's own check)", async (t) => {
  const marker = path.join(tempDir(), 'pwned');
  const f = fixture();
  // through the CLI: the config refuses them, exit 2
  for (const args of [
    ['--ansible-ref', `--upload-pack=touch ${marker}`],
    ['--ansible-repo', `--upload-pack=touch ${marker}`],
    ['--ansible-ref', '-c'],
  ]) {
    const r = await runGulp(['contrailAnsible', '--config', 'examples/demo/config.json', '--contrail-version', VERSION, '--work-dir', tempDir(), `${args[0]}=${args[1]}`]);
    t.is(r.code, 2, r.stdout + r.stderr);
    t.regex(r.stdout + r.stderr, /starts with '-', which git would read as an option/);
  }
  // a config object that did not come through resolveConfig: the step checks again
  for (const [repo, ref] of [[f.repo, `--upload-pack=touch ${marker}`], [`--upload-pack=touch ${marker}`, 'master'], [`ext::sh%20-c%20touch%20${marker}`, 'master']]) {
    const run = runFor(f, 'master');
    (run.config.ansible as { repo: string; ref: string }) = { ...run.config.ansible, repo, ref };
    const e = await t.throwsAsync(contrailAnsible(run), { instanceOf: PipelineError });
    t.regex(e!.message, repo.startsWith('ext::') ? /ansible\.repo .* uses a git remote helper/ : /ansible\.(ref|repo) .* starts with '-'/);
  }
  t.false(fs.existsSync(marker), 'git never ran the option');
});

test.serial('a malformed requirements.yml names the file and the line', async (t) => {
  const f = fixture();
  commitFile(f.repo, 'playbooks/requirements.yml', 'roles:\n  - src: git+file:///x\n    version: [oops\n', '2017-10-01T00:00:00Z');
  const e = await t.throwsAsync(contrailAnsible(runFor(f, 'master')), { instanceOf: PipelineError });
  t.regex(e!.message, /playbooks\/requirements\.yml line 3 is not valid YAML/);
  t.is(e!.kind, 'input');
  // inside an installed role too
  const g = fixture();
  commitFile(path.join(g.git, 'ansible-role-contrail-logging'), 'requirements.yml', 'collections:\n  - name: [\n', '2017-10-01T00:00:00Z');
  const e2 = await t.throwsAsync(contrailAnsible(runFor(g, 'master')), { instanceOf: PipelineError });
  t.regex(e2!.message, /playbooks\/roles\/contrail_logging\/requirements\.yml line \d is not valid YAML/);
});

test.serial('a requirement that cannot be fetched fails the step, naming the requirement and the file that asked for it', async (t) => {
  // role A at a version that does not exist, asked for by the top requirements.yml
  const f = fixture();
  const req = fs.readFileSync(path.join(f.repo, 'requirements.yml'), 'utf8').replace('version: v1.0.0', 'version: v9.9.9');
  commitFile(f.repo, 'requirements.yml', req, '2017-10-01T00:00:00Z');
  const run = runFor(f, 'master');
  const e = await t.throwsAsync(contrailAnsible(run), { instanceOf: PipelineError });
  t.regex(e!.message, /ansible-galaxy could not install role "contrail_common" \(git\+file:\/\/.*ansible-role-contrail-common, version v9\.9\.9\), asked for by requirements\.yml line 4/);
  t.true(e!.details.length > 0, 'with the output of ansible-galaxy');
  t.is(e!.kind, 'build');
  t.false(fs.existsSync(path.join(run.config.workDir, 'artifacts', `contrail-ansible-${VERSION}.tar.gz`)));

  // the collection's repository is gone: named, with the role requirements file that asked for it
  const g = fixture();
  fs.rmSync(path.join(g.git, 'contrail-demo-collection'), { recursive: true });
  const e2 = await t.throwsAsync(contrailAnsible(runFor(g, 'master')), { instanceOf: PipelineError });
  t.regex(e2!.message, /ansible-galaxy could not install collection "file:\/\/.*contrail-demo-collection" \(git, version master\), asked for by playbooks\/roles\/contrail_logging\/requirements\.yml line 2/);
});

test.serial('conflicting versions of a role: the first wins, and the warning names both', async (t) => {
  const f = fixture();
  // the top requirements.yml also asks for role C, at its tag: it comes first, so A's "master" loses
  const req = `${fs.readFileSync(path.join(f.repo, 'requirements.yml'), 'utf8')}  - src: git+file://${f.git}/ansible-role-contrail-logging\n    version: v1.0.0\n    name: contrail_logging\n`;
  commitFile(f.repo, 'requirements.yml', req, '2017-10-01T00:00:00Z');
  const run = runFor(f, 'master');
  const result = await contrailAnsible(run);
  t.regex(run.log.text(), /warn: contrail-ansible: role "contrail_logging": git\+file:\/\/.*@master asked for by playbooks\/roles\/contrail_common\/requirements\.yml line 2 conflicts with git\+file:\/\/.*@v1\.0\.0 asked for by requirements\.yml line 7; keeping the first/);
  const m = readManifest(result.manifest);
  t.is(m.roles.find((r) => r.name === 'contrail_logging')!.version, 'v1.0.0');
  t.is(m.warnings.length, 1);
});

test.serial("a role the repository carries gets its meta dependencies installed too", async (t) => {
  const f = fixture();
  commitFile(f.repo, 'playbooks/roles/contrail_provision/meta/main.yml', [
    'galaxy_info: {author: test, description: own role, license: Apache-2.0, min_ansible_version: "2.9", platforms: []}',
    'dependencies:',
    `  - src: git+file://${f.git}/ansible-role-contrail-facts`,
    '    version: v1.0.0',
    '    name: extra_facts',
    '',
  ].join('\n'), '2017-10-01T00:00:00Z');
  const result = await contrailAnsible(runFor(f, 'master'));
  const extra = readManifest(result.manifest).roles.find((r) => r.name === 'extra_facts');
  t.like(extra, { version: 'v1.0.0', from: 'playbooks/roles/contrail_provision/meta/main.yml line 3', dependency: false });
  t.true((await listTar(result.artifact)).includes('contrail-ansible/playbooks/roles/extra_facts/tasks/main.yml'));
});

test.serial('the demo, through the gulp CLI: npm run demo makes the repositories, contrailAnsible makes the artifact', async (t) => {
  const repos = makeDemoRepos();
  t.is(repos.length, 5);
  t.false(makeDemoRepos().some((r) => r.changed), 'a rerun changes nothing');
  const workDir = tempDir('contrail-ansible-demo-');
  const r = await runGulp(['contrailAnsible', '--config', 'examples/demo/config.json', '--contrail-version', VERSION, '--work-dir', workDir]);
  t.is(r.code, 0, r.stdout + r.stderr);
  const m = readManifest(path.join(workDir, 'artifacts', `contrail-ansible-${VERSION}.manifest.json`));
  t.is(m.commit, repos.find((x) => x.name === 'contrail-ansible')!.commit);
  t.deepEqual(m.roles.map((x) => x.name), ['contrail_common', 'contrail_facts', 'contrail_logging']);
  t.deepEqual(m.collections.map((x) => x.name), ['contrail.demo']);
  const again = await runGulp(['contrailAnsible', '--config', 'examples/demo/config.json', '--contrail-version', VERSION, '--work-dir', workDir]);
  t.is(again.code, 0);
  t.regex(again.stdout + again.stderr, /is current/);
});
