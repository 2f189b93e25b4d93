import test from 'ava';
import { formatPlan } from '../../lib/images/familyPlan';
import { statusText } from '../../lib/images/status';
import { countStatuses, previousBuildTimes, type Summary, summaryTable } from '../../lib/images/summary';

const summary = (): Summary => ({
  format: 1,
  version: '1',
  os: 'debian12',
  started: '2026-01-01T00:00:00.000Z',
  finished: '2026-01-01T00:01:00.000Z',
  durationMs: 60_000,
  jobs: 2,
  noCache: false,
  select: null,
  ok: false,
  counts: { built: 1, skipped: 1, failed: 1, blocked: 1 },
  criticalPath: { images: ['base', 'agent'], ms: 42_000 },
  images: [
    { component: 'base', ref: 'contrail-base-debian12:1', status: 'built', id: `sha256:${'a'.repeat(64)}`, inputHash: 'h', durationMs: 30_000, size: 1024 * 1024 * 5, log: '/w/logs/b.log', parents: [], buildMs: 30_000 },
    { component: 'lb', ref: 'contrail-lb-debian12:1', status: 'skipped', id: `sha256:${'b'.repeat(64)}`, inputHash: 'h', durationMs: 12, size: 100, log: '/w/logs/l.log', parents: ['base'], buildMs: 9_000, reason: 'up to date' },
    { component: 'agent', ref: 'contrail-agent-debian12:1', status: 'failed', id: null, inputHash: 'h', durationMs: 12_000, size: null, log: '/w/logs/a.log', parents: ['base'], buildMs: null, reason: 'docker build: exit 100' },
    { component: 'k', ref: 'contrail-k-debian12:1', status: 'blocked', id: null, inputHash: '', durationMs: 0, size: null, log: '/w/logs/k.log', parents: ['agent'], buildMs: 7, reason: 'blocked by contrail-agent-debian12:1' },
  ],
});

test('previous build times come from the last summary; garbage gives none', (t) => {
  t.deepEqual(previousBuildTimes(JSON.stringify(summary())), { base: 30_000, lb: 9_000, k: 7 });
  t.deepEqual(previousBuildTimes('{not json'), {});
  t.deepEqual(previousBuildTimes(null), {});
  t.deepEqual(previousBuildTimes('{"images": [null, {"component": 3}]}'), {});
});

test('counts', (t) => {
  t.deepEqual(countStatuses(summary().images), { built: 1, skipped: 1, failed: 1, blocked: 1 });
});

test('the end table: one row per image, reasons for the ones not built, totals and critical path', (t) => {
  const lines = summaryTable(summary());
  t.regex(lines[0], /^IMAGE\s+STATUS\s+TIME\s+SIZE\s+ID\s+WHY$/);
  t.regex(lines[1], /^contrail-base-debian12:1\s+built\s+30\.0 s\s+5\.0 MiB\s+aaaaaaaaaaaa$/);
  t.regex(lines[2], /skipped\s+100 B\s+bbbbbbbbbbbb\s+up to date$/);
  t.regex(lines[3], /failed\s+12\.0 s\s+docker build: exit 100$/);
  t.regex(lines[4], /blocked\s+blocked by contrail-agent-debian12:1$/);
  t.is(lines[5], '1 built, 1 skipped, 1 failed, 1 blocked in 1m00s; critical path base -> agent (42.0 s)');
});

test('the end table over several engines: an ENGINE column, "registry" for an image only there', (t) => {
  const s = summary();
  s.images[0].engine = 'build-a';
  s.images[1].engine = 'build-b';
  s.images.push({ component: 'web', ref: 'contrail-web-debian12:1', status: 'skipped', id: `sha256:${'c'.repeat(64)}`, inputHash: 'h', durationMs: 3, size: null, log: '/w/logs/w.log', parents: ['base'], buildMs: null, reason: 'from the registry', local: false });
  const lines = summaryTable(s);
  t.regex(lines[0], /^IMAGE\s+STATUS\s+TIME\s+SIZE\s+ID\s+ENGINE\s+WHY$/);
  t.regex(lines[1], /^contrail-base-debian12:1\s+built\s+30\.0 s\s+5\.0 MiB\s+aaaaaaaaaaaa\s+build-a$/);
  t.regex(lines[2], /bbbbbbbbbbbb\s+build-b\s+up to date$/);
  t.regex(lines[5], /cccccccccccc\s+registry\s+from the registry$/);
  // one engine: no column, as before
  t.regex(summaryTable({ ...summary(), images: summary().images.map((i) => ({ ...i, engine: 'build-a' })) })[0], /^IMAGE\s+STATUS\s+TIME\s+SIZE\s+ID\s+WHY$/);
});

test('plan lines', (t) => {
  const lines = formatPlan({ entries: [
    { component: 'base', ref: 'contrail-base-x:1', action: 'skip', reason: 'up to date' },
    { component: 'controller', ref: 'contrail-controller-x:1', action: 'build', reason: 'Dockerfile changed' },
    { component: 'agent', ref: 'contrail-agent-x:1', action: 'fail', reason: 'Dockerfile line 2: unknown instruction' },
  ] });
  t.deepEqual(lines, [
    'skip    contrail-base-x:1        up to date',
    'build   contrail-controller-x:1  Dockerfile changed',
    'fail    contrail-agent-x:1       Dockerfile line 2: unknown instruction',
    '1 to build, 1 to skip, 1 would fail',
  ]);
});

test('status text', (t) => {
  t.is(statusText(new Map([['base', 0], ['lb', 1500]]), 3000, { done: 2, total: 5 }), '[2/5] building: base 3.0 s, lb 1.5 s');
});
