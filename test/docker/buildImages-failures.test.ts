/**
 * Small synthetic families (tiny Dockerfiles FROM debian:bookworm, versions of their own) for what
 * must fail, and how: each broken image fails alone, its descendants are blocked, the rest builds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { resolveConfig } from '../../lib/config/load';
import { isPipelineError, type PipelineError } from '../../lib/errors';
import { interruptedError } from '../../lib/interrupt';
import { memoryLogger } from '../../lib/log';
import { createRun } from '../../lib/run';
import type { Summary } from '../../lib/images/summary';
import { imageRef } from '../../lib/naming';
import { buildImages } from '../helpers/steps';
import { planImages } from '../helpers/steps';
import { demoBaseImage, docker, removeImage } from '../helpers/docker';
import { countingDocker, DEMO_VERSION, demoFamily, runWith, runWithDemoPrep } from '../helpers/family';
import { tempDir, writeJson } from '../helpers/temp';
import * as steps from '../../steps';
import { oneOf, removeDanglingAfter } from '../helpers/leftovers';

removeDanglingAfter(test, oneOf('t-images-fail', 't-images-nocache', 't-images-cycle', 't-images-none', 't-images-interrupt'));

const OS = 'debian12';

/**
 * A config of tiny images: name -> Dockerfile text (and packages), in a folder of its own. This file
 * checks the classic builder (its messages, its containers); buildImages-buildkit.test.ts the same
 * cases with BuildKit.
 */
function family(version: string, images: Record<string, string | { dockerfile: string; packages: string[] }>, extra: Record<string, unknown> = {}) {
  const dir = tempDir('t-images-');
  const recipes: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(images)) {
    const { dockerfile, packages } = typeof spec === 'string' ? { dockerfile: spec, packages: [] } : spec;
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'Dockerfile'), dockerfile);
    recipes[name] = { dockerfile: `${name}/Dockerfile`, packages };
  }
  const file = writeJson(path.join(dir, 'config.json'), {
    version, os: OS, baseImage: 'debian:bookworm', workDir: 'work', jobs: 2, images: recipes, builder: 'classic', ...extra,
  });
  return { dir, config: resolveConfig({ args: ['--config', file], env: {}, cwd: dir }) };
}

const fromFamily = (parent: string) => `ARG OS\nARG CONTRAIL_VERSION\nFROM contrail-${parent}-\${OS}:\${CONTRAIL_VERSION}\n`;

async function cleanup(version: string, names: string[]) {
  for (const n of names) await removeImage(imageRef(n, OS, version));
}

test('a failing image fails alone: its descendants are blocked, other branches build; all failures listed at the end', async (t) => {
  const demo = await demoFamily();
  const version = 't-images-fail';
  const names = ['root', 'sibling', 'broken', 'child', 'badsyntax', 'lookalike', 'unpullable', 'nopkg', 'unreadable'];
  t.teardown(() => cleanup(version, names));
  const { config } = family(version, {
    root: 'FROM debian:bookworm\nRUN echo root > /root.txt\n',
    sibling: `${fromFamily('root')}RUN test -f /root.txt\n`,
    broken: `${fromFamily('root')}RUN echo about to fail && exit 3\n`,
    child: `${fromFamily('broken')}RUN true\n`,
    badsyntax: 'FROM debian:bookworm\nFORM oops\n',
    lookalike: `${fromFamily('nothere')}RUN true\n`,
    unpullable: 'FROM 127.0.0.1:9/contrail-test-none:1\nRUN true\n',
    nopkg: {
      dockerfile: [
        `FROM contrail-base-${OS}:${DEMO_VERSION}`,
        'ARG CONTRAIL_REPO_URL', 'ARG CONTRAIL_REPO_HOST', 'ARG CONTRAIL_REPO_PRIORITY', 'ARG PACKAGES',
        'RUN contrail-install $PACKAGES', '',
      ].join('\n'),
      packages: ['contrail-utils', 'contrail-no-such-package'],
    },
    unreadable: 'FROM debian:bookworm\n',
  });
  fs.rmSync(config.images.unreadable.dockerfile);
  const counting = countingDocker();
  const run = runWithDemoPrep(config, demo, counting.docker);
  const e = await t.throwsAsync(buildImages(run));
  t.true(isPipelineError(e));
  t.is((e as PipelineError).kind, 'build');
  t.regex(e!.message, /^6 images failed to build, 1 blocked by them$/);
  const details = (e as PipelineError).details.join('\n');
  for (const n of ['broken', 'child', 'badsyntax', 'lookalike', 'unpullable', 'nopkg', 'unreadable']) t.regex(details, new RegExp(`contrail-${n}-`));

  const summary: Summary = JSON.parse(fs.readFileSync(path.join(config.workDir, 'summary.json'), 'utf8'));
  const by = Object.fromEntries(summary.images.map((i) => [i.component, i]));
  t.is(by.root.status, 'built');
  t.is(by.sibling.status, 'built');
  t.is(by.broken.status, 'failed');
  t.regex(by.broken.reason!, /returned a non-zero code: 3/);
  t.is(by.child.status, 'blocked');
  t.is(by.child.reason, `blocked by ${imageRef('broken', OS, version)}`);
  t.is(by.badsyntax.status, 'failed');
  t.regex(by.badsyntax.reason!, /badsyntax\/Dockerfile line 2: unknown instruction FORM/);
  t.is(by.lookalike.status, 'failed');
  t.regex(by.lookalike.reason!, /parent contrail-nothere-debian12:t-images-fail .*Dockerfile:3\) is an image of this family that the config does not define \(no images\.nothere\)/);
  t.is(by.unpullable.status, 'failed');
  t.regex(by.unpullable.reason!, /parent 127\.0\.0\.1:9\/contrail-test-none:1 .* is not local and cannot be pulled/);
  t.is(by.nopkg.status, 'failed');
  t.regex(fs.readFileSync(by.nopkg.log, 'utf8'), /not found in the contrail repo .*: contrail-no-such-package/);
  t.is(by.unreadable.status, 'failed');
  t.regex(by.unreadable.reason!, /Dockerfile .*unreadable\/Dockerfile does not exist \(images\.unreadable\.dockerfile/);
  t.false(summary.ok);
  t.deepEqual(summary.counts, { built: 2, skipped: 0, failed: 6, blocked: 1 });

  // the engine was asked only for what could be built: root, sibling, broken, nopkg
  t.is(counting.builds(), 4);
  // the console: the failure with the end of its log and the log's path
  const text = run.log.text();
  t.regex(text, /error: broken: FAILED after [\d.]+ (ms|s): docker build: .*non-zero code: 3/);
  t.regex(text, /error: {5}.*about to fail/);
  t.regex(text, new RegExp(`error:     log: ${by.broken.log.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  t.regex(text, /warn: child: blocked by contrail-broken-debian12:t-images-fail, which failed/);
  t.regex(fs.readFileSync(by.broken.log, 'utf8'), /Step \d+\/\d+ : RUN echo about to fail && exit 3[\s\S]*ERROR: The command/);
  // forcerm: the failed RUN left no container behind
  const leftovers = await docker.listContainers({ all: true, filters: { ancestor: [imageRef('root', OS, version)] } });
  t.deepEqual(leftovers.map((c) => c.Names), []);
  const demoBase = await docker.listContainers({ all: true, filters: { ancestor: [`contrail-base-${OS}:${DEMO_VERSION}`] } });
  t.deepEqual(demoBase.filter((c) => c.State !== 'running').map((c) => c.Names), []);

  // plan now: what was built is skipped, the failures are still failures, and why
  const planRun = runWithDemoPrep(config, demo);
  const plan = await planImages(planRun);
  const p = Object.fromEntries(plan.entries.map((x) => [x.component, x]));
  t.is(p.root.action, 'skip');
  t.is(p.sibling.action, 'skip');
  t.deepEqual([p.broken.action, p.broken.reason], ['build', 'not built yet']);
  t.deepEqual([p.child.action, p.child.reason], ['build', `parent ${imageRef('broken', OS, version)} would be rebuilt`]);
  t.is(p.badsyntax.action, 'fail');
  t.is(p.lookalike.action, 'fail');
  t.deepEqual([p.unpullable.action, p.unpullable.reason], ['build', 'parent 127.0.0.1:9/contrail-test-none:1 (not local; the build would pull it) would be pulled']);
  t.regex(planRun.log.text(), /4 to build, 2 to skip, 3 would fail/);
});

test('--no-cache rebuilds what is current, without the layer cache', async (t) => {
  const demo = await demoFamily();
  const version = 't-images-nocache';
  t.teardown(() => cleanup(version, ['root', 'leaf']));
  const { config } = family(version, {
    root: 'FROM debian:bookworm\nRUN echo one > /one\n',
    leaf: `${fromFamily('root')}RUN echo two > /two\n`,
  });
  const first = await buildImages(runWithDemoPrep(config, demo));
  t.deepEqual(first.images.map((i) => i.status), ['built', 'built']);
  const again = await buildImages(runWithDemoPrep(config, demo));
  t.deepEqual(again.images.map((i) => i.status), ['skipped', 'skipped']);
  const forced = await buildImages(runWithDemoPrep({ ...config, noCache: true }, demo));
  // a built image keeps why it was built (the report and summary.json show it)
  t.deepEqual(forced.images.map((i) => [i.status, i.reason]), [['built', 'forced by --no-cache'], ['built', 'forced by --no-cache']]);
  t.notRegex(fs.readFileSync(forced.images[0].log, 'utf8'), /Using cache/);
  t.not(forced.images[0].id, first.images[0].id);
  // the images the rebuild replaced are gone, not left dangling
  for (const old of first.images) {
    const e = await t.throwsAsync(docker.getImage(old.id!).inspect());
    t.is((e as any).statusCode, 404);
  }
});

test('FROM lines that form a cycle: one input error before any build', async (t) => {
  const demo = await demoFamily();
  const { config } = family('t-images-cycle', {
    a: `${fromFamily('b')}RUN true\n`,
    b: `${fromFamily('a')}RUN true\n`,
  });
  const counting = countingDocker();
  const e = await t.throwsAsync(buildImages(runWithDemoPrep(config, demo, counting.docker)));
  t.is((e as PipelineError).kind, 'input');
  t.regex(e!.message, /form a cycle: contrail-a-debian12:t-images-cycle -> contrail-b-debian12:t-images-cycle -> contrail-a-debian12:t-images-cycle/);
  t.is(counting.builds(), 0);
});

test('a config without images is one input error', async (t) => {
  await demoBaseImage();
  const { config } = family('t-images-none', {});
  const e = await t.throwsAsync(buildImages(runWith(config)));
  t.is((e as PipelineError).kind, 'input');
  t.regex(e!.message, /defines no images/);
});

test('an interrupt cancels the running build: no container left, the run ends interrupted, the summary says so', async (t) => {
  const demo = await demoFamily();
  const version = 't-images-interrupt';
  t.teardown(() => cleanup(version, ['slow', 'after']));
  const { config } = family(version, {
    slow: 'FROM debian:bookworm\nRUN sleep 37 && echo t-images-interrupt\n',
    after: `${fromFamily('slow')}RUN true\n`,
  });
  const controller = new AbortController();
  const log = memoryLogger(!!process.env.TEST_ECHO);
  const run = createRun({ config, log, docker, signal: controller.signal });
  void run.once(steps.contrailRepo, async () => demo.repo);
  void run.once(steps.contrailAnsible, async () => demo.ansible);
  const building = buildImages(run);
  const sleeping = async () => (await docker.listContainers({ all: true })).filter((c) => c.Command.includes('sleep 37'));
  const started = Date.now();
  while ((await sleeping()).length === 0 && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 200));
  t.is((await sleeping()).length, 1, 'the build is running');
  controller.abort(interruptedError('SIGINT'));
  const e = await t.throwsAsync(building);
  t.is((e as PipelineError).kind, 'interrupted');
  t.true(Date.now() - started < 30_000, 'did not wait for the build to finish');
  // the engine removes the cancelled build's container
  for (let i = 0; i < 50 && (await sleeping()).length; i++) await new Promise((r) => setTimeout(r, 200));
  t.deepEqual((await sleeping()).map((c) => c.Id), []);
  const summary: Summary = JSON.parse(fs.readFileSync(path.join(config.workDir, 'summary.json'), 'utf8'));
  t.deepEqual(summary.images.map((i) => [i.component, i.status, i.reason]), [
    ['slow', 'failed', 'interrupted'], ['after', 'blocked', `blocked by ${imageRef('slow', OS, version)}`],
  ]);
  t.regex(log.text(), /warn: slow: interrupted after/);
});
