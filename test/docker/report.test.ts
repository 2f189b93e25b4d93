/**
 * report.html and trace.json of real runs through the CLI: the demo's run (the shared demo family
 * of test/helpers/family.ts, skipped by content hash or built once) opened in Debian's chromium,
 * headless, driven by puppeteer-core (nothing downloaded: scripts/ensure-engine.sh --with-test-tools
 * installs the browser); and a run that fails before building still writes both. Registry port
 * 19601 is one nothing listens on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import puppeteer from 'puppeteer-core';
import type { Summary } from '../../lib/images/summary';
import type { Trace } from '../../lib/report/trace';
import { DEMO_ARGS, DEMO_LOCK, DEMO_WORK_DIR, demoFamily } from '../helpers/family';
import { runGulp, startGulp } from '../helpers/gulp';
import { withTestLock } from '../helpers/lock';
import { tempDir } from '../helpers/temp';

const CHROMIUM = '/usr/bin/chromium';
const PREP_STEPS = ['packageSources', 'baseImage', 'contrailRepo', 'contrailAnsible'];

const cli = (task: string, ...more: string[]) => [task, '--config', 'examples/demo/config.json', ...DEMO_ARGS, '--wait', ...more];

test.serial('the demo run: report.html in a real browser shows one bar per image and the critical path, without a console error; trace.json has an event per image and prep step inside the run', async (t) => {
  const html = path.join(DEMO_WORK_DIR, 'report.html');
  const traceFile = path.join(DEMO_WORK_DIR, 'trace.json');
  await demoFamily();
  const { run, summary } = await withTestLock(DEMO_LOCK, async () => {
    fs.rmSync(html, { force: true });
    fs.rmSync(traceFile, { force: true });
    const r = await runGulp(cli('all'));
    return { run: r, summary: JSON.parse(fs.readFileSync(path.join(DEMO_WORK_DIR, 'summary.json'), 'utf8')) as Summary };
  });
  t.is(run.code, 0, run.stdout + run.stderr);
  // the console's last lines name both files
  const last = run.stdout.trim().split('\n').slice(-2).join('\n');
  t.regex(last, new RegExp(`report: ${html.replace(/[.]/g, '\\.')}\\n.*trace: ${traceFile.replace(/[.]/g, '\\.')}$`));

  t.regex(fs.readFileSync(html, 'utf8'), /<h1>contrail-docker buildImages: /);
  const images = summary.images.map((i) => i.component).sort((a, b) => a.localeCompare(b));
  t.true(images.length >= 10, `the demo family: ${images.join(', ')}`);
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page: ${String(e)}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file://')) problems.push(`request: ${r.url()}`);
    });
    await page.setViewport({ width: 1250, height: 900 });
    await page.goto(`file://${html}`, { waitUntil: 'load' });
    const bars = await page.$$eval('svg rect.bar.image', (rs) => rs.map((r) => ({
      name: r.getAttribute('data-name'), width: r.getBoundingClientRect().width, critical: r.classList.contains('critical'),
    })));
    t.deepEqual(bars.map((b) => String(b.name)).sort((a, b) => a.localeCompare(b)), images, 'one timeline bar per image');
    t.true(bars.every((b) => b.width > 0), 'every bar is drawn');
    const critical = await page.$$eval('svg rect.bar.critical', (rs) => rs.map((r) => r.getAttribute('data-name')));
    t.true(critical.length > 0, 'the critical path is marked');
    t.true(bars.some((b) => b.critical), 'and runs through the images');
    t.regex(await page.$eval('.legend', (e) => e.textContent ?? ''), /critical path: .+/);
    const rows = await page.$$eval('table.family tr[data-image]', (rs) => rs.map((r) => r.getAttribute('data-image')));
    t.deepEqual(rows.map(String).sort((a, b) => a.localeCompare(b)), images);
    await page.screenshot({ path: path.join(DEMO_WORK_DIR, 'report.png'), fullPage: true });
    t.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
  t.true(fs.statSync(path.join(DEMO_WORK_DIR, 'report.png')).size > 0);

  const trace = JSON.parse(fs.readFileSync(traceFile, 'utf8')) as Trace;
  const complete = trace.traceEvents.filter((e) => e.ph === 'X');
  const imageEvents = complete.filter((e) => e.cat === 'image');
  t.deepEqual(imageEvents.map((e) => e.name).sort((a, b) => a.localeCompare(b)), images, 'one complete event per image');
  for (const e of imageEvents) {
    const row = summary.images.find((i) => i.component === e.name)!;
    t.like(e.args, { image: row.ref, hash: row.inputHash, status: row.status });
  }
  for (const step of PREP_STEPS) t.is(complete.filter((e) => e.cat === 'step' && e.name === step).length, 1, `one event for ${step}`);
  const runUs = Number(trace.otherData.durationMs) * 1000;
  for (const e of complete) t.true(e.ts! >= 0 && e.ts! + e.dur! <= runUs, `${e.name} (${e.ts}+${e.dur}) inside the run (${runUs})`);
  t.true(complete.every((e) => Number.isInteger(e.tid) && e.tid > 0));
});

test.serial('a run that fails (the registry does not answer) writes both files too, with its error', async (t) => {
  const workDir = tempDir();
  const r = await runGulp(['push', '--config', 'examples/demo/config.json', '--contrail-version', 't-report-fail', '--work-dir', workDir,
    '--registry', '127.0.0.1:19601']);
  t.is(r.code, 1, r.stdout + r.stderr);
  const html = fs.readFileSync(path.join(workDir, 'report.html'), 'utf8');
  t.regex(html, /failed \(exit 1\)/);
  t.regex(html, /registry 127\.0\.0\.1:19601 does not answer/);
  t.regex(html, /data-kind="step" data-name="checkRegistry"/);
  const trace = JSON.parse(fs.readFileSync(path.join(workDir, 'trace.json'), 'utf8')) as Trace;
  t.deepEqual(trace.traceEvents.filter((e) => e.ph === 'X').map((e) => [e.name, e.args.status]), [['checkRegistry', 'failed']]);
  t.regex(r.stdout.trim().split('\n').slice(-2).join('\n'), /report: .*report\.html\n.*trace: .*trace\.json$/);
});

test.serial('an interrupted run (Ctrl-C while the registry is retried) writes both files, saying so', async (t) => {
  const workDir = tempDir();
  const p = startGulp(['push', '--config', 'examples/demo/config.json', '--contrail-version', 't-report-int', '--work-dir', workDir,
    '--registry', '127.0.0.1:19601']);
  await p.waitForOutput(/retry 1 of 4/);
  p.child.kill('SIGINT');
  const r = await p.done;
  t.is(r.code, 130, r.stdout + r.stderr);
  const html = fs.readFileSync(path.join(workDir, 'report.html'), 'utf8');
  t.regex(html, /interrupted \(exit 130\)/);
  t.regex(html, /interrupted by SIGINT/);
  const trace = JSON.parse(fs.readFileSync(path.join(workDir, 'trace.json'), 'utf8')) as Trace;
  t.deepEqual(trace.traceEvents.filter((e) => e.ph === 'X').map((e) => [e.name, e.args.status]), [['checkRegistry', 'failed']]);
  t.is(trace.otherData.outcome, 'interrupted (exit 130)');
});
