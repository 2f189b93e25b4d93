/**
 * Hostile repo manifests through the CLI (`gulp prep` resolves the sources before any Docker
 * work): a diamond of includes 30 levels deep and 100k projects are refused by a limit, named,
 * exit 2; SIGTERM while a large manifest is read ends the run with exit 130 (the parse runs where
 * the signal stops it). The 10 s bound is against hanging, not a speed measurement.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { gitRepo } from '../helpers/gitRepo';
import { runGulp, startGulp, terminate } from '../helpers/gulp';
import { tempDir, writeJson } from '../helpers/temp';

const VERSION = process.env.CONTRAIL_TEST_DEMO_VERSION ?? '4.0.0.0-36';

const wrap = (body: string) => `<manifest>\n<remote name="r" fetch=".."/>\n<default revision="main" remote="r"/>\n${body}\n</manifest>\n`;
const projects = (n: number) => wrap(Array.from({ length: n }, (_, i) => `<project name="p${i}" path="x/p${i}"/>`).join('\n'));

/** A manifest repository (file://) with `files`, and a config whose one recipe source reads it. */
async function setUp(files: Record<string, string>, extra: Record<string, unknown> = {}): Promise<{ config: string; work: string }> {
  const root = tempDir('t-hostile-manifest-');
  const repo = path.join(root, 'vnc');
  await gitRepo(repo, files);
  const work = path.join(root, 'work');
  const config = writeJson(path.join(root, 'config.json'), {
    version: VERSION, workDir: work, ...extra,
    packages: { build: { sources: [{ name: 'hostile', manifest: { url: `file://${repo}`, ref: 'main' }, steps: ['true'], outputs: ['*.deb'] }] } },
  });
  return { config, work };
}

function diamond(levels: number): Record<string, string> {
  const files: Record<string, string> = { 'default.xml': wrap('<include name="d0a.xml"/>\n<include name="d0b.xml"/>\n<project name="top"/>') };
  for (let i = 0; i < levels; i++) {
    const body = i === levels - 1 ? '<manifest/>' : `<manifest><include name="d${i + 1}a.xml"/><include name="d${i + 1}b.xml"/></manifest>`;
    files[`d${i}a.xml`] = body;
    files[`d${i}b.xml`] = body;
  }
  return files;
}

test('a diamond of includes 30 levels deep: refused by manifestLimits.maxIncludeDepth, named, exit 2; read once each when the limit allows it', async (t) => {
  const refused = await setUp(diamond(30));
  const r = await runGulp(['prep', '--config', refused.config]);
  t.is(r.code, 2, r.stdout + r.stderr);
  t.regex(r.stdout + r.stderr, /manifest d15a\.xml line 1: include "d16a\.xml" is included 17 levels deep, past manifestLimits\.maxIncludeDepth \(16\)/);
  // allowed, it is read in linear time (each file once) and goes on to the project's ls-remote
  const allowed = await setUp(diamond(30), { manifestLimits: { maxIncludeDepth: 40 } });
  const a = await runGulp(['prep', '--config', allowed.config]);
  t.is(a.code, 2, a.stdout + a.stderr);
  t.regex(a.stdout + a.stderr, /manifest default\.xml line 6: project "top": git cannot read/);
});

test('100k projects: refused by manifestLimits.maxProjects, named with the file and line, exit 2', async (t) => {
  const { config } = await setUp({ 'default.xml': projects(100_000) });
  const r = await runGulp(['prep', '--config', config]);
  t.is(r.code, 2, r.stdout + r.stderr);
  t.regex(r.stdout + r.stderr, /manifest default\.xml line 10004: project "p10000" is one project too many, past manifestLimits\.maxProjects \(10000\)/);
});

test('SIGTERM while a large manifest is read ends the run with exit 130 within 10 s, nothing resolved', async (t) => {
  const { config, work } = await setUp({ 'default.xml': projects(300_000) }, { manifestLimits: { maxProjects: 1_000_000, maxMegabytes: 64 } });
  const run = startGulp(['prep', '--config', config]);
  await run.waitForOutput(/reading manifest default\.xml/, 300_000);
  const r = await terminate(run);
  t.is(r.code, 130, r.stdout + r.stderr);
  t.true(r.afterSignalMs < 10_000, `ended ${r.afterSignalMs} ms after SIGTERM`);
  t.regex(r.stdout + r.stderr, /interrupted by SIGTERM/);
  t.false(fs.existsSync(path.join(work, 'packages', 'manifest.json')), 'nothing recorded');
});
