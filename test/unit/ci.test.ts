import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { parse } from 'yaml';
import { resolveConfig } from '../../lib/config/load';
import { ciFamilyGraph } from '../../lib/ci/familyGraph';
import { CI_FORMATS } from '../../lib/ci/formats';
import { ciPipeline, type CiOptions, gulpCommand, imageJobId } from '../../lib/ci/pipeline';
import { PipelineError } from '../../lib/errors';
import { generate } from '../../steps/ci';
import { ROOT, runGulp } from '../helpers/gulp';
import { tempDir, writeJson } from '../helpers/temp';
import { parseGithubWorkflow } from '../helpers/workflowParser';

const DEMO = path.join(ROOT, 'examples', 'demo', 'config.json');
const SECRET = 'hunter2-not-in-any-file';
const config = (...args: string[]) => resolveConfig({ args: ['ci', '--config', DEMO, ...args], env: { CONTAINER_REGISTRY_PASSWORD: SECRET }, cwd: ROOT });

const options: CiOptions = {
  format: 'github', runner: ['self-hosted', 'docker'], registry: null,
  secrets: { registry: 'REG', user: 'REG_USER', password: 'REG_PASSWORD' }, schedule: '0 2 * * *', manual: true, gulpArgs: ['--config', 'x.json'],
};
const family = [{ name: 'base', parents: [] }, { name: 'controller', parents: ['base'] }, { name: 'lb', parents: ['base'] }, { name: 'lb-extra', parents: ['lb'] }];

test('the pipeline: prep, one job per image needing its parents\' jobs (prep for the root), publish needing every image job', (t) => {
  const p = ciPipeline(family, options);
  t.deepEqual(p.jobs.map((j) => [j.id, j.needs]), [
    ['prep', []],
    ['image-base', ['prep']],
    ['image-controller', ['image-base']],
    ['image-lb', ['image-base']],
    ['image-lb-extra', ['image-lb']],
    ['publish', ['image-base', 'image-controller', 'image-lb', 'image-lb-extra']],
  ]);
  t.deepEqual(p.jobs[2].gulp, ['push', '--images', 'controller', '--cache-only', '--config', 'x.json']);
  t.deepEqual(p.jobs[0].gulp, ['pushPrep', '--config', 'x.json']);
  t.deepEqual(p.jobs[5].gulp, ['publish', '--config', 'x.json']);
  t.deepEqual(p.env.CONTAINER_REGISTRY_PASSWORD, { secret: 'REG_PASSWORD' });
  t.deepEqual(ciPipeline(family, { ...options, registry: '127.0.0.1:19650' }).env.CONTAINER_REGISTRY, { value: '127.0.0.1:19650' });
});

test('job ids: two image names that would share an id are an input error; commands are quoted for the shell', (t) => {
  const e = t.throws(() => ciPipeline([{ name: 'a.b', parents: [] }, { name: 'a-b', parents: [] }], options), { instanceOf: PipelineError });
  t.is(e!.kind, 'input');
  t.regex(e!.message, /"a\.b" and "a-b" would have the same CI job id image-a-b/);
  t.is(imageJobId('kube-manager'), 'image-kube-manager');
  t.is(gulpCommand(['push', '--config', '/tmp/my dir/c.json']), `npx gulp push --config '/tmp/my dir/c.json'`);
});

test('the GitHub workflow of the demo family parses without errors with GitHub\'s own parser; every job\'s needs follows the family graph', async (t) => {
  const c = config('--format', 'github', '--schedule', '0 3 * * 1', '--runner', 'self-hosted,docker');
  const text = generate(c);
  const parsed = await parseGithubWorkflow(text);
  t.deepEqual(parsed.errors, []);
  const graph = ciFamilyGraph(c);
  t.is(graph.length, 11);
  t.deepEqual([...parsed.jobs.keys()], ['prep', ...graph.map((i) => imageJobId(i.name)), 'publish']);
  for (const i of graph) t.deepEqual(parsed.jobs.get(imageJobId(i.name)), i.parents.length ? i.parents.map(imageJobId) : ['prep'], i.name);
  t.deepEqual(parsed.jobs.get('publish'), graph.map((i) => imageJobId(i.name)));
  const doc = parse(text);
  t.deepEqual(doc.on.schedule, [{ cron: '0 3 * * 1' }]);
  t.true('workflow_dispatch' in doc.on);
  t.deepEqual(doc.concurrency, { group: 'contrail-images', 'cancel-in-progress': false }, 'two runs queue');
  t.deepEqual(doc.jobs['image-controller']['runs-on'], ['self-hosted', 'docker']);
  t.is(doc.jobs['image-controller'].steps.at(-1).run, 'npx gulp push --images controller --cache-only --config examples/demo/config.json');
  t.is(doc.env.CONTAINER_REGISTRY_PASSWORD, '${{ secrets.CONTRAIL_REGISTRY_PASSWORD }}');
  t.false(text.includes(SECRET), 'no secret value');
});

test('a parser error is an error (the check can fail): a broken expression in the workflow is reported', async (t) => {
  const text = generate(config('--format', 'github')).replace('secrets.CONTRAIL_REGISTRY_USER', 'secretz.CONTRAIL_REGISTRY_USER');
  t.notDeepEqual((await parseGithubWorkflow(text)).errors, []);
});

test('the GitLab pipeline: stages, needs between jobs following the graph, variables by name, runner tags', (t) => {
  const c = config('--format', 'gitlab', '--runner', 'docker', '--user-secret', 'MY_USER', '--schedule', 'none');
  const text = generate(c);
  const doc = parse(text);
  const graph = ciFamilyGraph(c);
  t.deepEqual(doc.stages, ['prep', 'images', 'publish']);
  t.deepEqual(doc.default.tags, ['docker']);
  t.deepEqual(doc.workflow.rules, [{ if: '$CI_PIPELINE_SOURCE == "web"' }]);
  t.is(doc.variables.CONTAINER_REGISTRY_USER, '$MY_USER');
  t.deepEqual(doc.prep.needs, []);
  for (const i of graph) t.deepEqual(doc[imageJobId(i.name)].needs, i.parents.length ? i.parents.map(imageJobId) : ['prep'], i.name);
  t.deepEqual(doc.publish.needs, graph.map((i) => imageJobId(i.name)));
  t.deepEqual(doc.publish.script, ['npx gulp publish --config examples/demo/config.json']);
  t.is(doc.publish.resource_group, 'contrail-images', 'publish jobs of two pipelines queue');
  t.false(text.includes(SECRET));
  t.deepEqual(parse(generate(config('--format', 'gitlab'))).default.tags, ['docker'], 'the default runner tag');
  t.is(parse(generate(config('--format', 'github'))).jobs.prep['runs-on'], 'ubuntu-latest', 'the default runner');
});

test('deterministic: the same inputs give the same text; an image added changes it', (t) => {
  const a = generate(config('--format', 'github'));
  t.is(generate(config('--format', 'github')), a);
  t.false(/\d{4}-\d\d-\d\dT|\d\d:\d\d:\d\d/.test(a), 'no timestamp');
  for (const format of ['github', 'gitlab'] as const) {
    const p = ciPipeline(family, { ...options, format });
    t.is(CI_FORMATS[format].render(p, { ...options, format }), CI_FORMATS[format].render(ciPipeline([...family].reverse().sort((x, y) => family.indexOf(x) - family.indexOf(y)), options), { ...options, format }));
  }
});

test('the config\'s ci keys are used, and flags override them', (t) => {
  const dir = tempDir();
  const file = writeJson(path.join(dir, 'config.json'), { ...JSON.parse(fs.readFileSync(DEMO, 'utf8')), images: { base: { packages: [], dockerfile: path.join(ROOT, 'dockerfiles', 'base', 'Dockerfile') } },
    ci: { format: 'gitlab', runner: ['big', 'docker'], schedule: '30 1 * * *', manual: false, secrets: { password: 'NIGHTLY_PW' } } });
  const fromFile = resolveConfig({ args: ['ci', '--config', file], env: {}, cwd: ROOT });
  const doc = parse(generate(fromFile));
  t.deepEqual(doc.default.tags, ['big', 'docker']);
  t.deepEqual(doc.workflow.rules, [{ if: '$CI_PIPELINE_SOURCE == "schedule"' }]);
  t.is(doc.variables.CONTAINER_REGISTRY_PASSWORD, '$NIGHTLY_PW');
  t.is(doc.variables.CONTAINER_REGISTRY_USER, '$CONTRAIL_REGISTRY_USER', 'the other secret names keep their defaults');
  const flags = parse(generate(resolveConfig({ args: ['ci', '--config', file, '--format', 'github', '--runner', 'one'], env: {}, cwd: ROOT })));
  t.is(flags.jobs.prep['runs-on'], 'one');
  t.deepEqual(flags.on, { schedule: [{ cron: '30 1 * * *' }] });
});

test('--images: the selection and its ancestors only', (t) => {
  const graph = ciFamilyGraph(config('--format', 'github', '--images', 'lb'));
  t.deepEqual(graph, [{ name: 'base', parents: [] }, { name: 'lb', parents: ['base'] }]);
});

/** A copy of the demo config whose images are listed by the test, with one extra Dockerfile. */
function demoCopy(dir: string, extra: boolean): string {
  const demo = JSON.parse(fs.readFileSync(DEMO, 'utf8'));
  const images: Record<string, unknown> = { base: demo.images.base, lb: { ...demo.images.lb, dockerfile: path.join(ROOT, 'dockerfiles', 'lb', 'Dockerfile') } };
  if (extra) {
    fs.mkdirSync(path.join(dir, 'extra'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'extra', 'Dockerfile'), 'ARG OS\nARG CONTRAIL_VERSION\nFROM contrail-lb-${OS}:${CONTRAIL_VERSION}\nRUN true\n');
    images.extra = { packages: [], dockerfile: 'extra/Dockerfile' };
  }
  images.base = { ...(images.base as object), dockerfile: path.join(ROOT, 'dockerfiles', 'base', 'Dockerfile') };
  fs.mkdirSync(path.join(dir, 'debs'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'a.tar.gz'), '');
  return writeJson(path.join(dir, 'config.json'), { ...demo, workDir: path.join(dir, 'work'), packages: { dir: path.join(dir, 'debs') }, ansible: { artifact: path.join(dir, 'a.tar.gz') }, images });
}

test('gulp ci --out writes the file; --check exits 0 while it matches and 1 once an image (a Dockerfile) is added, naming the file', async (t) => {
  const dir = tempDir();
  const cfg = demoCopy(dir, false);
  const out = path.join(dir, 'wf', 'contrail-images.yml');
  const args = ['ci', '--config', cfg, '--format', 'github', '--out', out];
  const w = await runGulp(args);
  t.is(w.code, 0, w.stdout + w.stderr);
  const written = fs.readFileSync(out, 'utf8');
  t.deepEqual((await parseGithubWorkflow(written)).errors, []);
  const current = await runGulp([...args, '--check']);
  t.is(current.code, 0, current.stdout + current.stderr);
  t.regex(current.stdout, /matches the family/);
  demoCopy(dir, true);
  const stale = await runGulp([...args, '--check']);
  t.is(stale.code, 1, stale.stdout + stale.stderr);
  t.regex(stale.stdout + stale.stderr, new RegExp(`${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} no longer matches the family`));
  t.is(fs.readFileSync(out, 'utf8'), written, '--check does not write');
  const missing = await runGulp(['ci', '--config', cfg, '--format', 'gitlab', '--out', path.join(dir, 'none.yml'), '--check']);
  t.is(missing.code, 1);
  t.regex(missing.stdout + missing.stderr, /none\.yml does not exist/);
});

test('bad formats and flags exit 2, naming the flag, before anything is written', async (t) => {
  const dir = tempDir();
  const cfg = demoCopy(dir, false);
  const out = path.join(dir, 'out.yml');
  const cases: [string[], RegExp][] = [
    [['--format', 'jenkins'], /flag --format \(ci\.format\) must be equal to one of the allowed values; got "jenkins"/],
    [[], /ci needs --format github or --format gitlab/],
    [['--format', 'github', '--check'], /--check compares with a file: give it with --out FILE/],
    [['--format', 'github', '--schedule', 'nightly'], /--schedule/],
    [['--format', 'github', '--schedule', 'none', '--manual', 'false'], /no trigger/],
    [['--format', 'github', '--runner', 'a,,b'], /--runner/],
    [['--format', 'github', '--password-secret', 'GITHUB_TOKEN'], /--password-secret/],
    [['--format', 'github', '--user-secret', 'my-user'], /--user-secret/],
    [['--format', 'github', '--manual=maybe'], /--manual must be true or false/],
    [['--format', 'github', '--cache-only=sometimes'], /--cache-only must be true or false/],
  ];
  for (const [flags, message] of cases) {
    const withOut = flags.includes('--check') ? flags : ['--out', out, ...flags];
    const r = await runGulp(['ci', '--config', cfg, ...withOut], { DOCKER_HOST: 'unix:///nonexistent.sock' });
    t.is(r.code, 2, `${flags.join(' ')}: ${r.stdout}${r.stderr}`);
    t.regex(r.stdout + r.stderr, message, flags.join(' '));
    t.false(fs.existsSync(out), `${flags.join(' ')} wrote nothing`);
  }
  const cfgBad = writeJson(path.join(dir, 'bad.json'), { ...JSON.parse(fs.readFileSync(cfg, 'utf8')), ci: { format: 'github', runner: [] } });
  const r = await runGulp(['ci', '--config', cfgBad]);
  t.is(r.code, 2);
  t.regex(r.stdout + r.stderr, /ci\.runner/);
});
