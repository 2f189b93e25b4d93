/**
 * The image builds through the engine's BuildKit: the demo family for real (its layers made by
 * BuildKit) and with `builder: classic`, and each failure case of buildImages-failures.test.ts on
 * the BuildKit path. Versions 11.0.0-<n> of this file's own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import test from 'ava';
import { resolveConfig, type ResolvedConfig } from '../../lib/config/load';
import { LABELS } from '../../lib/docker/labels';
import { isPipelineError, type PipelineError } from '../../lib/errors';
import { interruptedError } from '../../lib/interrupt';
import type { Summary } from '../../lib/images/summary';
import { memoryLogger } from '../../lib/log';
import { imageRef } from '../../lib/naming';
import { createRun } from '../../lib/run';
import { buildImages } from '../helpers/steps';
import { demoConfig, docker, removeImage } from '../helpers/docker';
import { countingDocker, DEMO_VERSION, demoFamily, runWithDemoPrep } from '../helpers/family';
import { tempDir, writeJson } from '../helpers/temp';
import * as steps from '../../steps';

const OS = 'debian12';
const COMPONENTS = ['base', 'controller', 'analytics', 'analyticsdb', 'agent', 'lb', 'kube-manager', 'mesos-manager',
  'ceph-controller', 'kubernetes-agent', 'vcenter-plugin'];

function family(version: string, images: Record<string, string | { dockerfile: string; packages: string[] }>, files: Record<string, string> = {}) {
  const dir = tempDir('t-buildkit-');
  const recipes: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(images)) {
    const { dockerfile, packages } = typeof spec === 'string' ? { dockerfile: spec, packages: [] } : spec;
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'Dockerfile'), dockerfile);
    recipes[name] = { dockerfile: `${name}/Dockerfile`, packages };
  }
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
  const file = writeJson(path.join(dir, 'config.json'), {
    version, os: OS, baseImage: 'debian:bookworm', workDir: 'work', jobs: 2, images: recipes, builder: 'buildkit',
  });
  return { dir, config: resolveConfig({ args: ['--config', file], env: {}, cwd: dir }) };
}

const fromFamily = (parent: string) => `ARG OS\nARG CONTRAIL_VERSION\nFROM contrail-${parent}-\${OS}:\${CONTRAIL_VERSION}\n`;

async function cleanup(version: string, names: string[]) {
  for (const n of names) await removeImage(imageRef(n, OS, version));
}

/** the comments of an image's own layers (BuildKit writes buildkit.dockerfile.v0; the classic builder nothing) */
async function layerComments(ref: string, parent: string): Promise<string[]> {
  const own = await docker.getImage(ref).history();
  const inherited = (await docker.getImage(parent).history()).length;
  return own.slice(0, own.length - inherited).map((h: { Comment: string }) => h.Comment);
}

/** tags this test process's builds made to pin parents, left on the engine */
async function pinTags(): Promise<string[]> {
  return (await docker.listImages({ all: true })).flatMap((i) => i.RepoTags ?? []).filter((t) => new RegExp(`:pin-[0-9a-f]{12}-${process.pid}-\\d+$`).test(t));
}

/** host processes whose command line has `token` (BuildKit runs RUN steps without a container) */
function processesWith(token: string): number[] {
  const out: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(token)) out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out.filter((p) => p !== process.pid);
}

async function runIn(ref: string, cmd: string[]): Promise<{ code: number; out: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const [result] = await docker.run(ref, cmd, out, { Tty: true, HostConfig: { NetworkMode: 'host', AutoRemove: true } });
  return { code: result.StatusCode, out: text.replace(/\r/g, '') };
}

async function demoWith(version: string, builder: string): Promise<ResolvedConfig> {
  return demoConfig({ version, args: ['--builder', builder] });
}

test.serial('the demo family built by BuildKit: layers made by BuildKit, labels, packages from the repo over host networking, a rerun skips all', async (t) => {
  const demo = await demoFamily();
  const version = '11.0.0-1';
  t.teardown(() => cleanup(version, [...COMPONENTS].reverse()));
  const config = await demoWith(version, 'buildkit');
  // without the layer cache: every step runs, its output is in the log
  const run = runWithDemoPrep({ ...config, noCache: true }, demo);
  const result = await buildImages(run);
  t.deepEqual(result.images.map((i) => i.status), COMPONENTS.map(() => 'built'));
  t.regex(run.log.text(), /images build with BuildKit: flag --builder asks for BuildKit/);
  const base = imageRef('base', OS, version);
  t.true((await layerComments(base, 'debian:bookworm')).every((c) => c === 'buildkit.dockerfile.v0'));
  for (const c of COMPONENTS.filter((n) => n !== 'base')) {
    const ref = imageRef(c, OS, version);
    const comments = await layerComments(ref, base);
    t.true(comments.length > 0 && comments.every((x) => x === 'buildkit.dockerfile.v0'), `${c}: ${comments.join(", ")}`);
    const l = (await docker.getImage(ref).inspect()).Config.Labels ?? {};
    t.is(l[LABELS.component], c);
    t.is(l[LABELS.version], version);
    t.is(l[LABELS.inputHash], result.images.find((i) => i.component === c)!.inputHash);
  }
  // the package came from the contrail repo (host networking to 127.0.0.1:port during the build)
  const control = await runIn(imageRef('controller', OS, version), ['contrail-control', '--version']);
  t.is(control.code, 0, control.out);
  t.regex(control.out, /contrail-control 4\.0\.0\.0-20/);
  // the log: BuildKit's steps and the RUN's own output, readable
  const log = fs.readFileSync(result.images.find((i) => i.component === 'controller')!.log, 'utf8');
  t.regex(log, /^#\d+ \[\d+\/\d+\] RUN .*contrail-install contrail-config contrail-control/m);
  t.regex(log, /^#\d+ Unpacking contrail-control \(4\.0\.0\.0-20\)/m);
  t.regex(log, /^#\d+ DONE \d+\.\ds$/m);
  t.deepEqual(await pinTags(), []);

  const counting = countingDocker();
  const again = await buildImages(runWithDemoPrep(config, demo, counting.docker));
  t.deepEqual(again.images.map((i) => i.status), COMPONENTS.map(() => 'skipped'));
  t.is(counting.builds(), 0);
});

test.serial('the demo family with builder classic: the classic builder made the layers, the same labels', async (t) => {
  const demo = await demoFamily();
  const version = '11.0.0-2';
  t.teardown(() => cleanup(version, [...COMPONENTS].reverse()));
  const config = await demoWith(version, 'classic');
  const run = runWithDemoPrep(config, demo);
  const result = await buildImages(run);
  t.deepEqual(result.images.map((i) => i.status), COMPONENTS.map(() => 'built'));
  t.regex(run.log.text(), /images build with the classic builder: flag --builder asks for the classic builder/);
  const comments = await layerComments(imageRef('controller', OS, version), imageRef('base', OS, version));
  t.true(comments.length > 0 && comments.every((c) => c === ''), comments.join(", "));
  const log = fs.readFileSync(result.images.find((i) => i.component === 'controller')!.log, 'utf8');
  t.regex(log, /^Step \d+\/\d+ : RUN .*contrail-install \$PACKAGES/m);
  // the classic builder, too, was handed the parent by id
  t.regex(log, new RegExp(`^Step \\d+/\\d+ : FROM contrail-base-${OS}:pin-${result.images[0].id!.slice(7, 19)}-\\d+-\\d+$`, 'm'));
  const l = (await docker.getImage(imageRef('controller', OS, version)).inspect()).Config.Labels ?? {};
  t.is(l[LABELS.component], 'controller');
  t.deepEqual(await pinTags(), []);
});

test.serial('BuildKit: each broken image fails alone with the engine\'s reason and a readable log; descendants blocked; nothing partial left', async (t) => {
  const demo = await demoFamily();
  const version = '11.0.0-3';
  const names = ['root', 'sibling', 'broken', 'child', 'missingfile', 'badsyntax', 'lookalike', 'unpullable', 'nopkg', 'withpkg', 'unreadable'];
  t.teardown(() => cleanup(version, names));
  const fromDemoBase = (packages: string) => [
    `FROM contrail-base-${OS}:${DEMO_VERSION}`,
    'ARG CONTRAIL_REPO_URL', 'ARG CONTRAIL_REPO_HOST', 'ARG CONTRAIL_REPO_PRIORITY', 'ARG PACKAGES',
    `RUN contrail-install $PACKAGES${packages}`, '',
  ].join('\n');
  const { config } = family(version, {
    root: 'FROM debian:bookworm\nARG GREETING=hello\nRUN echo "root says $GREETING" > /root.txt && cat /root.txt\n',
    sibling: `${fromFamily('root')}RUN test -f /root.txt\n`,
    broken: `${fromFamily('root')}RUN echo about to fail && exit 3\n`,
    child: `${fromFamily('broken')}RUN true\n`,
    // the engine's own refusal, found mid-stream: a file the context does not have
    missingfile: 'FROM debian:bookworm\nCOPY not-in-the-context /x\n',
    badsyntax: 'FROM debian:bookworm\nFORM oops\n',
    lookalike: `${fromFamily('nothere')}RUN true\n`,
    unpullable: 'FROM 127.0.0.1:9/contrail-test-none:1\nRUN true\n',
    nopkg: { dockerfile: fromDemoBase(''), packages: ['contrail-utils', 'contrail-no-such-package'] },
    withpkg: { dockerfile: fromDemoBase(' && contrail-utils --version'), packages: ['contrail-utils'] },
    unreadable: 'FROM debian:bookworm\n',
  });
  fs.rmSync(config.images.unreadable.dockerfile);
  const counting = countingDocker();
  // without the layer cache: every step runs and its output is in the log
  const run = runWithDemoPrep({ ...config, noCache: true }, demo, counting.docker);
  const e = await t.throwsAsync(buildImages(run));
  t.true(isPipelineError(e));
  t.is((e as PipelineError).kind, 'build');
  t.regex(e!.message, /^7 images failed to build, 1 blocked by them$/);

  const summary: Summary = JSON.parse(fs.readFileSync(path.join(config.workDir, 'summary.json'), 'utf8'));
  const by = Object.fromEntries(summary.images.map((i) => [i.component, i]));
  t.deepEqual(summary.counts, { built: 3, skipped: 0, failed: 7, blocked: 1 });
  for (const n of ['root', 'sibling', 'withpkg']) t.is(by[n].status, 'built', `${n}: ${by[n].reason}`);
  t.is(by.broken.status, 'failed');
  t.regex(by.broken.reason!, /docker build: .*echo about to fail && exit 3.*exit code: 3/);
  t.is(by.child.reason, `blocked by ${imageRef('broken', OS, version)}`);
  t.is(by.missingfile.status, 'failed');
  t.regex(by.missingfile.reason!, /not-in-the-context.*not found|not found.*not-in-the-context/);
  t.regex(by.badsyntax.reason!, /badsyntax\/Dockerfile line 2: unknown instruction FORM/);
  t.regex(by.lookalike.reason!, /is an image of this family that the config does not define \(no images\.nothere\)/);
  t.regex(by.unpullable.reason!, /parent 127\.0\.0\.1:9\/contrail-test-none:1 .* is not local and cannot be pulled/);
  t.regex(fs.readFileSync(by.nopkg.log, 'utf8'), /not found in the contrail repo .*: contrail-no-such-package/);
  t.regex(by.unreadable.reason!, /unreadable\/Dockerfile does not exist/);
  t.is(counting.builds(), 6, 'root, sibling, broken, missingfile, nopkg, withpkg went to the engine');

  // logs: BuildKit's steps with the RUN output; the failing step's output and error
  t.regex(fs.readFileSync(by.root.log, 'utf8'), /^#\d+ root says hello$/m);
  const brokenLog = fs.readFileSync(by.broken.log, 'utf8');
  t.regex(brokenLog, /^#(\d+) \[2\/2\] RUN echo about to fail && exit 3\n#\1 about to fail\n#\1 ERROR: .*exit code: 3$/m);
  t.regex(run.log.text(), /error: {5}#\d+ about to fail/);
  t.regex(fs.readFileSync(by.withpkg.log, 'utf8'), /^#\d+ contrail-utils 4\.0\.0\.0-20$/m);

  // BuildKit layers, our labels; nothing left of the failures: no image, no container, no pin tag
  const sibling = await layerComments(imageRef('sibling', OS, version), imageRef('root', OS, version));
  t.true(sibling.length > 0 && sibling.every((c) => c === 'buildkit.dockerfile.v0'), sibling.join(', '));
  t.is((await docker.getImage(imageRef('root', OS, version)).inspect()).Config.Labels?.[LABELS.component], 'root');
  for (const n of ['broken', 'missingfile', 'nopkg']) {
    const gone = await t.throwsAsync(docker.getImage(imageRef(n, OS, version)).inspect());
    t.is((gone as { statusCode?: number }).statusCode, 404, n);
  }
  const containers = await docker.listContainers({ all: true, filters: { ancestor: [imageRef('root', OS, version)] } });
  t.deepEqual(containers.map((c) => c.Names), []);
  t.deepEqual(await pinTags(), []);
});

test.serial('BuildKit: an interrupt cancels the running build: its process ends, no image, the summary says interrupted', async (t) => {
  const demo = await demoFamily();
  const version = '11.0.0-4';
  t.teardown(() => cleanup(version, ['slow', 'after']));
  const token = 't-buildkit-interrupt-11';
  const { config } = family(version, {
    slow: `FROM debian:bookworm\nRUN echo ${token} && sleep 37 && echo ${token}\n`,
    after: `${fromFamily('slow')}RUN true\n`,
  });
  const controller = new AbortController();
  const log = memoryLogger(!!process.env.TEST_ECHO);
  const run = createRun({ config, log, docker, signal: controller.signal });
  void run.once(steps.contrailRepo, async () => demo.repo);
  void run.once(steps.contrailAnsible, async () => demo.ansible);
  const building = buildImages(run);
  const started = Date.now();
  while (processesWith(token).length === 0 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 200));
  t.true(processesWith(token).length > 0, 'the RUN step is running');
  controller.abort(interruptedError('SIGINT'));
  const e = await t.throwsAsync(building);
  t.is((e as PipelineError).kind, 'interrupted');
  for (let i = 0; i < 100 && processesWith(token).length; i++) await new Promise((r) => setTimeout(r, 200));
  t.deepEqual(processesWith(token), [], 'BuildKit cancelled the step');
  t.true(Date.now() - started < 37_000, 'did not wait for the step to finish');
  const gone = await t.throwsAsync(docker.getImage(imageRef('slow', OS, version)).inspect());
  t.is((gone as { statusCode?: number }).statusCode, 404);
  const summary: Summary = JSON.parse(fs.readFileSync(path.join(config.workDir, 'summary.json'), 'utf8'));
  t.deepEqual(summary.images.map((i) => [i.component, i.status, i.reason]), [
    ['slow', 'failed', 'interrupted'], ['after', 'blocked', `blocked by ${imageRef('slow', OS, version)}`],
  ]);
  t.deepEqual(await pinTags(), []);
});

test.serial('BuildKit: a parent is named by a tag that carries the id its hash was computed with, and the tag is gone afterwards', async (t) => {
  const demo = await demoFamily();
  const version = '11.0.0-5';
  t.teardown(() => cleanup(version, ['leaf', 'root']));
  const { config } = family(version, {
    root: 'FROM debian:bookworm\nRUN echo first > /which\n',
    leaf: `${fromFamily('root')}RUN cat /which\n`,
  });
  const result = await buildImages(runWithDemoPrep({ ...config, noCache: true }, demo));
  const [root, leaf] = result.images;
  t.deepEqual([root.status, leaf.status], ['built', 'built']);
  const debianId = (await docker.getImage('debian:bookworm').inspect()).Id;
  // BuildKit's own account of what it resolved: the pin tags, by id, not the tags that may move
  t.regex(fs.readFileSync(root.log, 'utf8'), new RegExp(`FROM \\S*debian:pin-${debianId.slice(7, 19)}-\\d+-\\d+`));
  t.regex(fs.readFileSync(leaf.log, 'utf8'), new RegExp(`FROM \\S*contrail-root-${OS}:pin-${root.id!.slice(7, 19)}-\\d+-\\d+`));
  t.regex(fs.readFileSync(leaf.log, 'utf8'), /^#\d+ first$/m);
  t.deepEqual(await pinTags(), []);
  // the user's Dockerfile is untouched
  t.regex(fs.readFileSync(config.images.leaf.dockerfile, 'utf8'), /FROM contrail-root-\$\{OS\}:\$\{CONTRAIL_VERSION\}/);
});
