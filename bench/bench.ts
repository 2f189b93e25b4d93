/**
 * npm run bench: the demo family built three ways on this machine.
 *   1. cold: this pipeline, after removing the family's images (the OS image, the repo and the
 *      ansible artifact stay: they are prep, not the family);
 *   2. sequential: the same Dockerfiles, contexts and build arguments, one `docker build` after
 *      another, as the original Makefile did (classic builder, --no-cache, under a tag of its own);
 *   3. no-op: this pipeline again, with nothing changed.
 * Prints the times, the ratios pipeline/sequential and no-op/cold, and the critical path.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveConfig } from '../lib/config/load';
import { stageContext } from '../lib/images/context';
import type { Summary } from '../lib/images/summary';
import { gulpLogger, type Logger } from '../lib/log';
import { createRun } from '../lib/run';
import { formatDuration } from '../lib/text';
import { workPaths } from '../lib/workDir';
import { buildImages } from '../tasks/buildImages';
import { prepareFamily } from '../tasks/family';

const ROOT = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const configFile = path.join(ROOT, 'examples', 'demo', 'config.json');

const quiet: Logger = { debug: () => {}, info: () => {}, warn: (m) => gulpLogger.warn(m), error: (m) => gulpLogger.error(m) };
const say = (m: string) => process.stdout.write(`${m}\n`);

function dockerBuild(argv: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(logFile, 'w');
    const child = spawn('docker', ['build', ...argv], { stdio: ['ignore', out, out], env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    child.on('error', reject);
    child.on('close', (code) => {
      fs.closeSync(out);
      if (code === 0) resolve();
      else reject(new Error(`docker build ${argv.at(-1)} exited with ${code}; see ${logFile}`));
    });
  });
}

async function main() {
  const config = resolveConfig({ args: ['--config', configFile, ...args], env: process.env, cwd: ROOT });
  const family = config.images;
  say(`benchmark: the demo family (${Object.keys(family).length} images), ${config.os} ${config.version}, jobs ${config.jobs}`);

  // prep (not measured): repo, artifact, OS image
  const prepRun = createRun({ config, log: quiet });
  const t0 = Date.now();
  const prepared = await prepareFamily(prepRun);
  say(`prep (repo, contrail-ansible, OS image) ready in ${formatDuration(Date.now() - t0)}`);
  const docker = await prepRun.engine();

  // 1. cold
  for (const img of prepared.images.values()) {
    try {
      await docker.getImage(img.ref).remove({ force: true });
    } catch {
      /* not there */
    }
  }
  const coldRun = createRun({ config, log: quiet });
  void coldRun.once('contrailRepo', async () => prepared.repo);
  void coldRun.once('contrailAnsible', async () => prepared.ansible);
  let t = Date.now();
  await buildImages(coldRun);
  const coldMs = Date.now() - t;
  const summary: Summary = JSON.parse(fs.readFileSync(workPaths(config.workDir).summary, 'utf8'));
  say(`1. pipeline, cold:      ${formatDuration(coldMs)} (${summary.counts.built} built, jobs ${config.jobs})`);

  // 2. sequential docker build, as the Makefile did; a tag of its own, so the family stays current
  const seqVersion = `${config.version}-seq`;
  const benchDir = path.join(workPaths(config.workDir).tmp, 'bench');
  fs.mkdirSync(benchDir, { recursive: true });
  const seqRefs: string[] = [];
  let seqMs = 0;
  t = Date.now();
  try {
    for (const name of prepared.graph.order) {
      const img = prepared.images.get(name)!;
      const ctx = await stageContext(img.contextDir, path.join(benchDir, name), img.extra);
      const ref = img.ref.replace(/:[^:]+$/, `:${seqVersion}`);
      const buildArgs = { ...img.buildArgs, ...(img.buildArgs.CONTRAIL_VERSION ? { CONTRAIL_VERSION: seqVersion } : {}) };
      const argv = ['--no-cache', '--force-rm', '--network', config.network, '-t', ref, '-f', path.join(ctx.dir, img.dockerfileName)];
      for (const [k, v] of Object.entries(buildArgs)) argv.push('--build-arg', `${k}=${v}`);
      argv.push(ctx.dir);
      seqRefs.push(ref);
      await dockerBuild(argv, path.join(benchDir, `${name}.log`));
    }
  } finally {
    seqMs = Date.now() - t;
    for (const ref of seqRefs.reverse()) {
      try {
        await docker.getImage(ref).remove({ force: true });
      } catch {
        /* already gone */
      }
    }
  }
  say(`2. sequential build:    ${formatDuration(seqMs)} (docker build, one after another)`);

  // 3. no-op
  const noopRun = createRun({ config, log: quiet });
  t = Date.now();
  const noop = await buildImages(noopRun);
  const noopMs = Date.now() - t;
  say(`3. pipeline, no-op:     ${formatDuration(noopMs)} (${noop.images.filter((i) => i.status === 'skipped').length} skipped, prep included)`);

  const cp = summary.criticalPath;
  say('');
  say(`pipeline / sequential:  ${(coldMs / seqMs).toFixed(2)}`);
  say(`no-op / cold:           ${(noopMs / coldMs).toFixed(3)}`);
  say(`critical path (cold):   ${cp.images.join(' -> ')} = ${formatDuration(cp.ms)} (${((cp.ms / coldMs) * 100).toFixed(0)}% of the cold run)`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e as any).toString() : e}\n`);
  process.exit(1);
});
