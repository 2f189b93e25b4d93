import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import type { ResolvedConfig } from '../../lib/config/load';
import type { Summary } from '../../lib/images/summary';
import { memoryLogger } from '../../lib/log';
import { createRecord, jobSlots, type Span } from '../../lib/runRecord';
import { renderReport, type ReportInput } from '../../lib/report/render';
import { buildTimeline, rebuildingPackages } from '../../lib/report/timeline';
import type { TraceEvent } from '../../lib/report/trace';
import { writeRunReport } from '../../lib/report/write';
import { createRun } from '../../lib/run';
import { defineStep, runStep } from '../../lib/step';

/** A failed build as recorded: base built, controller from the registry, agent up to date, analytics failed, analyticsdb blocked by it. */
const recorded = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'report', 'failed-run.json'), 'utf8')) as {
  started: number; finished: number; summary: Summary; spans: Span[];
};

const input = (over: Partial<ReportInput> = {}): ReportInput => ({
  tasks: ['buildImages'], version: '4.0.0.0-9', os: 'debian12', started: recorded.started, finished: recorded.finished, exitCode: 1,
  error: '1 image failed to build, 1 blocked by them', spans: recorded.spans, summary: recorded.summary,
  config: { version: '4.0.0.0-9', packages: { url: 'https://***@mirror.invalid/x?***' } }, workDir: '/w',
  logTails: { analytics: ['Step 3/4 : RUN contrail-install contrail-analytics', 'E: Unable to locate package contrail-analytics'] },
  ...over,
});

const barsOf = (html: string, kind: string) => [...html.matchAll(new RegExp(`<rect class="(bar ${kind}[^"]*)" data-kind="${kind}" data-name="([^"]+)"`, 'g'))].map((m) => ({ cls: m[1], name: m[2] }));

test('the page: one bar per image, each status drawn as such, the critical path marked', (t) => {
  const { html } = renderReport(input());
  const images = barsOf(html, 'image');
  t.deepEqual(images.map((b) => b.name).sort(), ['agent', 'analytics', 'analyticsdb', 'base', 'controller']);
  const cls = Object.fromEntries(images.map((b) => [b.name, b.cls]));
  t.is(cls.base, 'bar image built critical');
  t.is(cls.analytics, 'bar image failed critical');
  t.is(cls.controller, 'bar image registry');
  t.is(cls.agent, 'bar image skipped');
  t.is(cls.analyticsdb, 'bar image blocked');
  t.regex(html, /contrail-agent-debian12:4.0.0.0-9: skipped\n1.0 s from 1m01s\nwaited 40.0 s for its parents\nwaited 1.0 s for a job slot\n/);
  // the steps the build waited for longest are on the path, the quick ones are not
  const steps = Object.fromEntries(barsOf(html, 'step').map((b) => [b.name, b.cls]));
  t.is(steps.buildImages, 'bar step failed critical');
  t.is(steps.contrailRepo, 'bar step ok critical');
  t.is(steps.contrailAnsible, 'bar step ok');
  t.deepEqual(barsOf(html, 'source').map((b) => b.name), ['contrail-vcenter-plugin', 'contrail']);
  t.regex(html, /critical path: contrailRepo → buildImages → base → analytics/);
});

test('the page: lanes per job slot, the blocked image apart, steps side by side on lanes of their own', (t) => {
  const tl = buildTimeline(recorded.spans, recorded.summary, recorded.started, recorded.finished);
  const lane = (name: string) => tl.lanes.find((l) => l.id === tl.bars.find((b) => b.name === name)!.lane)!;
  t.deepEqual([lane('base'), lane('controller'), lane('agent')].map((l) => `${l.group}/${l.name}`), ['images/slot 1', 'images/slot 1', 'images/slot 1']);
  t.is(`${lane('analytics').group}/${lane('analytics').name}`, 'images/slot 2');
  t.is(lane('analyticsdb').group, 'not run');
  t.not(lane('contrailRepo').id, lane('contrailAnsible').id);
  t.deepEqual(tl.lanes.map((l) => l.group), ['steps', 'steps', 'steps', 'package sources', 'images', 'images', 'not run']);
  // controller waited for nothing (its parent ended as it started); an engine gives its images their own lanes
  t.is(tl.bars.find((b) => b.name === 'controller')!.ready, tl.bars.find((b) => b.name === 'controller')!.start);
  const onTwo = recorded.spans.map((s) => (s.kind === 'image' ? { ...s, engine: s.name === 'agent' ? 'tcp-2' : 'local' } : s));
  const two = buildTimeline(onTwo, recorded.summary, recorded.started, recorded.finished);
  t.deepEqual(two.lanes.filter((l) => l.group.startsWith('images')).map((l) => `${l.group}/${l.name}`), ['images on local/slot 1', 'images on local/slot 2', 'images on tcp-2/slot 1']);
  const onOne = recorded.spans.map((s) => (s.kind === 'image' ? { ...s, engine: 'local' } : s));
  t.deepEqual(buildTimeline(onOne, recorded.summary, recorded.started, recorded.finished).lanes.filter((l) => l.group.startsWith('images')).map((l) => l.group), ['images', 'images']);
});

test('the table: failures first with the tail of their log, why, waited, parent, the packages that made it rebuild, a link to the log', (t) => {
  const { html } = renderReport(input());
  const order = [...html.matchAll(/<tr class="(\w+)" data-image="([^"]+)"/g)].map((m) => m[2]);
  t.deepEqual(order, ['analytics', 'analyticsdb', 'base', 'controller', 'agent']);
  t.regex(html, /<pre>Step 3\/4 : RUN contrail-install contrail-analytics\nE: Unable to locate package contrail-analytics<\/pre>/);
  const base = /<tr class="built" data-image="base">(.*?)<\/tr>/.exec(html)![1];
  t.regex(base, /<td>contrail-lib, index of the contrail repo<\/td>/);
  t.regex(base, /<a href="logs\/contrail-base-debian12.log">/);
  t.regex(base, /<td>40.0 s<\/td>/);
  const controller = /<tr class="skipped" data-image="controller">(.*?)<\/tr>/.exec(html)![1];
  t.regex(controller, /skipped \(from the registry\)/);
  t.regex(controller, /<td>contrail-base-debian12:4.0.0.0-9<\/td>/);
  t.regex(html, /<td>blocked by contrail-analytics-debian12:4.0.0.0-9<\/td>/);
  // the totals line the console prints, and the outcome
  t.regex(html, /1 built, 2 skipped, 1 failed, 1 blocked in 1m06s/);
  t.regex(html, /failed \(exit 1\)/);
});

test('the page is self-contained: no script, no stylesheet or image from elsewhere, everything escaped', (t) => {
  const { html } = renderReport(input({ logTails: { analytics: ['<script>alert(1)</script> & "x"'] } }));
  t.notRegex(html, /<script|<link|<img|<iframe|@import|url\(/i);
  t.notRegex(html, /(src|href)="(https?:)?\/\//i);
  t.regex(html, /&#60;script&#62;alert\(1\)&#60;\/script&#62; &#38; &#34;x&#34;/);
});

test('the trace: one complete event per step, package source and image, on its lane, with image, hash and why, inside the run', (t) => {
  const { trace } = renderReport(input());
  const parsed = JSON.parse(JSON.stringify(trace)) as { traceEvents: TraceEvent[]; otherData: { durationMs: number } };
  const complete = parsed.traceEvents.filter((e) => e.ph === 'X');
  t.is(complete.length, recorded.spans.length);
  const images = complete.filter((e) => e.cat === 'image');
  t.deepEqual(images.map((e) => e.name).sort(), ['agent', 'analytics', 'analyticsdb', 'base', 'controller']);
  const base = images.find((e) => e.name === 'base')!;
  t.like(base.args, { image: 'contrail-base-debian12:4.0.0.0-9', hash: 'h-base', status: 'built', critical: true });
  t.regex(String(base.args.why), /package contrail-lib changed/);
  t.is(base.ts, 20_000_000);
  t.like(images.find((e) => e.name === 'agent')!.args, { waitedMs: 1000, parentsMs: 40_000 });
  t.is(base.dur, 40_000_000);
  const runUs = parsed.otherData.durationMs * 1000;
  for (const e of complete) t.true(e.ts! >= 0 && e.ts! + e.dur! <= runUs, `${e.name} inside the run`);
  const names = new Map(parsed.traceEvents.filter((e) => e.name === 'thread_name').map((e) => [e.tid, e.args.name]));
  t.is(names.get(base.tid), 'images: slot 1');
  t.is(names.get(images.find((e) => e.name === 'analytics')!.tid), 'images: slot 2');
  t.is(complete.filter((e) => e.cat === 'step').length, 8);
  t.is(complete.filter((e) => e.cat === 'source').length, 2);
});

test('a run that stopped in prep: no family, its steps and its error', (t) => {
  const spans = recorded.spans.filter((s) => s.kind === 'step' && ['packageSources', 'baseImage', 'contrailRepo'].includes(s.name))
    .map((s) => (s.name === 'contrailRepo' ? { ...s, status: 'failed' } : s));
  const { html, trace } = renderReport(input({ spans, summary: null, exitCode: 130, error: 'interrupted by SIGINT' }));
  t.is(barsOf(html, 'image').length, 0);
  t.is(barsOf(html, 'step').length, 3);
  t.regex(html, /interrupted \(exit 130\)/);
  t.regex(html, /<pre class="bad error">interrupted by SIGINT<\/pre>/);
  t.notRegex(html, /<h2>Images<\/h2>/);
  t.is(trace.traceEvents.filter((e) => e.ph === 'X').length, 3);
});

test('the packages that made an image rebuild, read from why it was built', (t) => {
  t.deepEqual(rebuildingPackages('package contrail-lib changed, package contrail-dns added, Dockerfile changed, package old removed'), ['contrail-lib', 'contrail-dns', 'old']);
  t.deepEqual(rebuildingPackages('not built yet'), []);
  t.deepEqual(rebuildingPackages(''), []);
});

test('the record: a span per timed call, failed when it throws; job slots are the lowest free', async (t) => {
  const r = createRecord();
  t.is(await r.time({ kind: 'step', name: 'a' }, async () => 1), 1);
  await t.throwsAsync(r.time({ kind: 'step', name: 'b' }, async () => Promise.reject(new Error('x'))));
  t.deepEqual(r.spans.map((s) => [s.name, s.status]), [['a', 'ok'], ['b', 'failed']]);
  t.true(r.spans.every((s) => s.end >= s.start && s.start >= r.started));
  const slots = jobSlots();
  t.deepEqual([slots.take(), slots.take(), slots.take()], [0, 1, 2]);
  slots.give(1);
  t.is(slots.take(), 1);
  slots.give(0);
  t.is(slots.take(), 0);
});

test('written at the end of a run: both files, the config redacted and its secrets hidden; nothing when nothing ran or the input was bad', (t) => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 't-report-'));
  t.teardown(() => fs.rmSync(workDir, { recursive: true, force: true }));
  const config = { version: '1', os: 'debian12', workDir, jobs: 1, packages: { url: 'https://user:tok3n@mirror.invalid/apt?sig=s3cr3t' }, push: { password: 'hunter2' } } as unknown as ResolvedConfig;
  const run = createRun({ config, log: memoryLogger(false), docker: {} as never });
  t.is(writeRunReport(run, { tasks: ['plan'], exitCode: 0, error: undefined }), null);
  run.record.add({ kind: 'step', name: 'plan', start: run.record.started, end: run.record.started + 5, status: 'ok' });
  t.is(writeRunReport(run, { tasks: ['plan'], exitCode: 2, error: new Error('bad') }), null, 'bad input leaves nothing but its message');
  t.false(fs.existsSync(path.join(workDir, 'report.html')));
  // a summary.json of an earlier run is not this run's
  fs.writeFileSync(path.join(workDir, 'summary.json'), JSON.stringify({ ...recorded.summary, started: new Date(run.record.started - 60_000).toISOString() }));
  const files = writeRunReport(run, { tasks: ['plan'], exitCode: 0, error: undefined })!;
  t.deepEqual(files, { html: path.join(workDir, 'report.html'), trace: path.join(workDir, 'trace.json') });
  const html = fs.readFileSync(files.html, 'utf8');
  const trace = fs.readFileSync(files.trace, 'utf8');
  for (const text of [html, trace]) t.notRegex(text, /tok3n|s3cr3t|hunter2/);
  t.regex(html, /https:\/\/\*\*\*@mirror.invalid\/apt\?\*\*\*/);
  t.is((JSON.parse(trace) as { traceEvents: TraceEvent[] }).traceEvents.filter((e) => e.ph === 'X').length, 1);
  t.notRegex(html, /<h2>Images<\/h2>/);
  t.deepEqual(fs.readdirSync(workDir).sort((a, b) => a.localeCompare(b)), ['report.html', 'summary.json', 'trace.json']);
});

test('the step runner records the own work of each step once, with the steps it waited for; a group records nothing', async (t) => {
  const run = createRun({ config: { jobs: 1 } as ResolvedConfig, log: memoryLogger(false), docker: {} as never });
  const check = defineStep({ name: 'check', description: '', load: async () => async () => 1 });
  const a = defineStep({ name: 'a', description: '', load: async () => async () => 2 });
  const broken = defineStep({ name: 'broken', description: '', load: async () => async () => Promise.reject(new Error('no')) });
  const top = defineStep({ name: 'top', description: '', first: { check }, needs: { a }, load: async () => async () => 3 });
  const group = defineStep({ name: 'group', description: '', needs: { top } });
  await runStep(run, group);
  await runStep(run, a);
  await t.throwsAsync(runStep(run, broken));
  t.deepEqual(run.record.spans.map((s) => [s.name, s.status, s.needs]), [['check', 'ok', []], ['a', 'ok', []], ['top', 'ok', ['check', 'a']], ['broken', 'failed', []]]);
  const [, first, last] = run.record.spans;
  t.true(first.end <= last.start, 'a step starts after what it waited for');
});
