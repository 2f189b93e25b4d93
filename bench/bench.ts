/**
 * npm run bench: the demo family built three ways on this machine.
 *   1. cold: this pipeline, after removing the family's images (the OS image, the repo and the
 *      ansible artifact stay: they are prep, not the family); 1b: the SBOM and provenance of that
 *      family, made after a second cold build that ships (intent save: it reads each image's
 *      packages while the others build), against that build (BENCH_SBOM_ONLY=1: stages 1 and 1b alone);
 *   2. sequential: the same Dockerfiles, contexts and build arguments, one `docker build` after
 *      another, as the original Makefile did (classic builder, --no-cache, under a tag of its own);
 *      bake-like: the same by the engine's BuildKit, base first and then every component at once,
 *      as `docker buildx bake` would (buildx is not packaged here: through the API, --no-cache);
 *   3. no-op: this pipeline again, with nothing changed;
 *   4. save: the family (and the repo image) as one archive, then as one archive per image, by
 *      the product's save step, each into an empty folder (bytes and seconds); and
 *      `docker save ... | gzip -1` of the same images into a file;
 *   5. push: the family to a docker-registry on 127.0.0.1 (port 18565), cold, then already there;
 *   6. peak memory: `gulp save` as a child process, its VmHWM sampled from /proc while it saves;
 *   7. start-up: `gulp --tasks`, the median of five; and the no-op `gulp --config <demo>` against
 *      `gulp --version`, each its own process, five of each taken in turns (median wall, peak RSS
 *      by /usr/bin/time);
 *   8. fresh host: `gulp push` (version <v>-fresh, its own work folder and registry on 127.0.0.1:21290),
 *      then its family, repo, builder and galaxy images, repo container and work folder removed, then
 *      `gulp push` again with nothing changed, timed: against the cold build (stage 1);
 *   9. engines: the family cold on three dockerd of this machine against one of them alone
 *      (bench/enginesBench.ts).
 * Prints the times, sizes and the ratios between them.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig } from '../lib/config/load';
import { buildImage } from '../lib/docker/build';
import { gzipCompressor } from '../lib/save/compressor';
import { contextTar, stageContext } from '../lib/images/context';
import type { Summary } from '../lib/images/summary';
import { enginesStage } from './enginesBench';
import { simulatedEngines } from './simulatedEngines';
import { gulpLogger, type Logger } from '../lib/log';
import { createRun, type Run } from '../lib/run';
import { builderImageRef, galaxyImageRef, imageRef, repoContainerName, repoImageRef } from '../lib/naming';
import { formatBytes, formatDuration } from '../lib/text';
import { workPaths } from '../lib/workDir';
import { runStep } from '../lib/step';
import { writeRunReport } from '../lib/report/write';
import * as steps from '../steps';
import { prepareFamily, type PreparedFamily } from '../steps/familyFacts';
import { shippableImages } from '../steps/shippableImages';
import { imageDocuments } from '../lib/sbom/gather';
import { withTestLock } from '../test/helpers/lock';
import { startRegistry } from '../test/helpers/registry';
import { tempDir } from '../test/helpers/temp';

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

/** `sh -c script`, its time; fails on a non-zero exit (pipefail: docker save's failure counts). */
function shell(script: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn('bash', ['-o', 'pipefail', '-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Date.now() - started) : reject(new Error(`${script} exited with ${code}: ${err}`))));
  });
}

const GULP = path.join(ROOT, 'node_modules', '.bin', 'gulp');
const REGISTRY_PORT = 18565;
const FRESH_REGISTRY_PORT = 21290;
const FRESH_REPO_PORT = 21291;
const FRESH_VERSION = '12.0.0-90';

/** A run of `config` whose prep is the one already made (not measured again). */
function seeded(config: ReturnType<typeof resolveConfig>, prepared: PreparedFamily): Run {
  const run = createRun({ config, log: quiet });
  void run.once(steps.contrailRepo, async () => prepared.repo);
  void run.once(steps.contrailAnsible, async () => prepared.ansible);
  return run;
}

/** The uncompressed size a single-member gzip file records in its last four bytes (mod 4 GiB). */
function gzipIsize(file: string): number {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4);
    fs.readSync(fd, buf, 0, 4, fs.fstatSync(fd).size - 4);
    return buf.readUInt32LE(0);
  } finally {
    fs.closeSync(fd);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dirBytes = (dir: string, files: string[]) => files.reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);

/** Runs the gulp CLI; with `sampleMs`, samples the peak resident memory (VmHWM) of its process. */
/** The peak RSS (VmHWM) of `pid`'s child processes named `comm` (pigz, which save runs). */
function childPeak(pid: number, comm: string): number {
  let peak = 0;
  for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      if (!stat.startsWith(`${p} (${comm}) `) || stat.split(') ')[1].split(' ')[1] !== String(pid)) continue;
      const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      /* gone */
    }
  }
  return peak;
}

function gulp(argv: string[], sampleMs = 0): Promise<{ ms: number; peakRssBytes: number; pigzPeakBytes: number; output: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    // gulp-cli runs the tasks in this very process (it respawns only for node flags, none here)
    const child = spawn(GULP, ['--cwd', ROOT, ...argv], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let peak = 0;
    let pigzPeak = 0;
    const sample = () => {
      try {
        const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
        pigzPeak = Math.max(pigzPeak, childPeak(child.pid!, 'pigz'));
      } catch {
        /* exited between two samples */
      }
    };
    const timer = sampleMs ? setInterval(sample, sampleMs) : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const ms = Date.now() - started;
      if (code !== 0) reject(new Error(`gulp ${argv.join(' ')} exited with ${code}:\n${output}`));
      else resolve({ ms, peakRssBytes: peak, pigzPeakBytes: pigzPeak, output });
    });
  });
}

async function main() {
  // BENCH_STARTUP_ONLY=1: stage 7 alone (the family must be built: npm run demo)
  if (process.env.BENCH_STARTUP_ONLY === '1') return startupOnly();
  const config = resolveConfig({ args: ['--config', configFile, ...args], env: process.env, cwd: ROOT });
  const family = config.images;
  say(`benchmark: the demo family (${Object.keys(family).length} images), ${config.os} ${config.version}, jobs ${config.jobs}`);

  // prep (not measured): repo, artifact, OS image
  const prepRun = createRun({ config, log: quiet });
  const t0 = Date.now();
  const prepared = prepareFamily(prepRun, {
    repo: await runStep(prepRun, steps.contrailRepo),
    ansible: await runStep(prepRun, steps.contrailAnsible),
    base: await runStep(prepRun, steps.baseImage),
  });
  say(`prep (repo, contrail-ansible, OS image) ready in ${formatDuration(Date.now() - t0)}`);
  const docker = await prepRun.engine();
  const engines = () => enginesStage({
    root: ROOT, configFile, args, version: config.version, docker, baseImage: config.baseImage,
    packagesDir: workPaths(config.workDir).packages, artifact: prepared.ansible.artifact, log: quiet,
  });

  // BENCH_ENGINES_ONLY=1: stage 9 alone
  if (process.env.BENCH_ENGINES_ONLY === '1') {
    for (const line of await engines()) say(line);
    return;
  }

  // 1. cold, as `npx gulp` builds (the default task ships nothing, so reads no package database).
  // --no-cache: BuildKit keeps its layer cache when images are removed; cold means every step runs.
  const coldBuild = async (intent: 'build' | 'save') => {
    for (const img of prepared.images.values()) {
      try {
        await docker.getImage(img.ref).remove({ force: true });
      } catch {
        /* not there */
      }
    }
    const run = createRun({ config: { ...config, noCache: true }, log: quiet, intent });
    void run.once(steps.contrailRepo, async () => prepared.repo);
    void run.once(steps.contrailAnsible, async () => prepared.ansible);
    const t0 = Date.now();
    const built = await runStep(run, steps.buildImages);
    return { run, built, ms: Date.now() - t0 };
  };
  const { run: coldRun, ms: coldMs } = await coldBuild('build');
  const summary: Summary = JSON.parse(fs.readFileSync(workPaths(config.workDir).summary, 'utf8'));
  say(`1. pipeline, cold:      ${formatDuration(coldMs)} (${summary.counts.built} built, jobs ${summary.jobs}, builder ${config.builder})`);
  // 1b. SBOM and provenance: a cold build that ships (intent save, as save and push build), which
  // reads each image's packages while the others build; then what the documents add after it;
  // then the same documents with nothing kept
  const shipping = await coldBuild('save');
  const shipped = await shippableImages(docker, shipping.built, prepared.repo, 'save');
  const osFamily = await runStep(prepRun, steps.osFamily);
  const documents = async () => {
    const t0 = Date.now();
    await imageDocuments(docker, { images: shipped, repo: prepared.repo, ansible: prepared.ansible, family: osFamily, config, jobs: config.jobs });
    return Date.now() - t0;
  };
  const sbomAfter = await documents();
  fs.rmSync(path.join(workPaths(config.workDir).root, 'supply-chain'), { recursive: true, force: true });
  const sbomNothingKept = await documents();
  // the share of a cold build: the documents after the shipping build, against that build
  const sbomShare = sbomAfter / shipping.ms;
  let t: number;
  say(`1b. SBOM + provenance:  ${formatDuration(sbomAfter)} after a cold build that ships (${formatDuration(shipping.ms)}; ${shipped.length} images, packages read while it built; sbom / cold ${sbomShare.toFixed(3)}, goal <= 0.05); ${formatDuration(sbomNothingKept)} with nothing read ahead (${(sbomNothingKept / shipping.ms).toFixed(3)})`);

  // BENCH_SBOM_ONLY=1: the cold build and its documents only (stages 1 and 1b)
  if (process.env.BENCH_SBOM_ONLY === '1') {
    say('');
    say(`SBOM+provenance / cold: ${sbomShare.toFixed(3)}`);
    return;
  }

  // BENCH_FRESH_ONLY=1: the cold build and the fresh host only (stages 1 and 8)
  if (process.env.BENCH_FRESH_ONLY === '1') {
    const fresh = await freshHost(docker);
    say(`8. fresh host, push:    ${formatDuration(fresh.ms)} (${fresh.built} images built, ${fresh.fromRegistry} from the registry, packages ${fresh.packages})`);
    say('');
    say(`fresh host / cold: ${(fresh.ms / coldMs).toFixed(3)}`);
    return;
  }

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

  // 2b. bake-like: BuildKit, base first, then all the components at once; a tag of its own
  const bakeVersion = `${config.version}-bake`;
  const bakeRefs: string[] = [];
  const bakeOne = async (name: string) => {
    const img = prepared.images.get(name)!;
    const ctx = await stageContext(img.contextDir, path.join(benchDir, `bake-${name}`), img.extra);
    const ref = img.ref.replace(/:[^:]+$/, `:${bakeVersion}`);
    bakeRefs.push(ref);
    const outcome = await buildImage(docker, {
      context: contextTar(ctx), ref, dockerfile: img.dockerfileName,
      buildArgs: { ...img.buildArgs, ...(img.buildArgs.CONTRAIL_VERSION ? { CONTRAIL_VERSION: bakeVersion } : {}) },
      labels: {}, network: config.network, noCache: true, builder: 'buildkit', logFile: path.join(benchDir, `bake-${name}.log`),
    });
    if (outcome.error) throw new Error(`bake-like build of ${name}: ${outcome.error}`);
  };
  let bakeMs = 0;
  t = Date.now();
  try {
    const [first, ...rest] = prepared.graph.order;
    await bakeOne(first);
    await Promise.all(rest.map(bakeOne));
  } finally {
    bakeMs = Date.now() - t;
    for (const ref of bakeRefs.reverse()) {
      try {
        await docker.getImage(ref).remove({ force: true });
      } catch {
        /* already gone */
      }
    }
  }
  say(`   bake-like build:     ${formatDuration(bakeMs)} (BuildKit, base first, then the other ${prepared.graph.order.length - 1} at once)`);

  // 3. no-op
  const noopRun = createRun({ config, log: quiet });
  t = Date.now();
  const noop = await runStep(noopRun, steps.buildImages);
  const noopMs = Date.now() - t;
  say(`3. pipeline, no-op:     ${formatDuration(noopMs)} (${noop.images.filter((i) => i.status === 'skipped').length} skipped, prep included)`);
  // what every run adds at its end: report.html and trace.json (lib/report), here of the no-op
  t = Date.now();
  writeRunReport(noopRun, { tasks: ['buildImages'], exitCode: 0, error: undefined });
  const reportMs = Date.now() - t;
  say(`   report of the no-op: ${formatDuration(reportMs)} (report.html and trace.json, ${noopRun.record.spans.length} spans)`);

  // 4. save: one archive against one archive per image, the product's save step, empty folders
  const saves: Record<'one' | 'per', { ms: number; bytes: number; files: number }> = {} as never;
  for (const kind of ['one', 'per'] as const) {
    const dir = tempDir('contrail-bench-save-');
    const saveRun = seeded(resolveConfig({ args: ['--config', configFile, ...args, '--save-dir', dir, ...(kind === 'per' ? ['--per-image'] : [])], env: process.env, cwd: ROOT }), prepared);
    await runStep(saveRun, steps.buildImages); // current: nothing to build, and not part of the save
    t = Date.now();
    const result = await runStep(saveRun, steps.saveImages);
    const ms = Date.now() - t;
    const archives = result.manifest.archives.map((a) => a.file);
    saves[kind] = { ms, bytes: dirBytes(dir, archives), files: archives.length };
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const nImages = prepared.images.size + 1; // the family and the repo image
  // docker save | gzip -1 of the same images (the family and the repo image) into a file
  const plainDir = tempDir('contrail-bench-gzip-');
  const names = [...[...prepared.images.values()].map((i) => i.ref), prepared.repo.image?.ref ?? ''].filter(Boolean);
  const plainFile = path.join(plainDir, 'images.tar.gz');
  const plainMs = await shell(`docker save ${names.join(' ')} | gzip -1 > ${plainFile}`);
  const plainBytes = fs.statSync(plainFile).size;
  fs.rmSync(plainDir, { recursive: true, force: true });
  say(`4. save, one archive:   ${formatDuration(saves.one.ms)}, ${formatBytes(saves.one.bytes)} (${nImages} images, ${gzipCompressor(config.save.gzipLevel).describe})`);
  say(`   save, per image:     ${formatDuration(saves.per.ms)}, ${formatBytes(saves.per.bytes)} in ${saves.per.files} archives`);
  say(`   docker save|gzip -1: ${formatDuration(plainMs)}, ${formatBytes(plainBytes)} (${names.length} images)`);

  // 5. push to a local registry: cold (empty registry), then everything already there
  const registry = await startRegistry(REGISTRY_PORT);
  const pushMs: number[] = [];
  let pushed: string[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const pushRun = seeded(resolveConfig({ args: ['--config', configFile, ...args, '--registry', registry.address], env: process.env, cwd: ROOT }), prepared);
      await runStep(pushRun, steps.buildImages);
      t = Date.now();
      const outcomes = await runStep(pushRun, steps.pushImages);
      pushMs.push(Date.now() - t);
      pushed = outcomes.map((o) => o.ref);
      const failed = outcomes.filter((o) => o.status === 'failed');
      if (failed.length) throw new Error(`push failed: ${failed.map((o) => `${o.ref}: ${o.error}`).join('; ')}`);
      const expected = i === 0 ? 'pushed' : 'already there';
      const other = outcomes.filter((o) => o.status !== expected);
      if (other.length) throw new Error(`push ${i + 1}: expected every image ${expected}, got ${other.map((o) => `${o.ref} ${o.status}`).join(', ')}`);
    }
  } finally {
    await registry.stop();
    for (const ref of pushed) {
      try {
        await docker.getImage(ref).remove(); // the registry's tag only; the image keeps its own
      } catch {
        /* not tagged */
      }
    }
  }
  say(`5. push, cold:          ${formatDuration(pushMs[0])} (${pushed.length} images to ${registry.address})`);
  say(`   push, already there: ${formatDuration(pushMs[1])}`);

  // 6. peak memory of the pipeline process while it saves (the whole `gulp save`, prep included),
  //    against the same process doing the no-op build only, and against what it streams
  const gulpArgs = ['--config', configFile, ...args, '--wait'];
  const idle = await gulp(['buildImages', ...gulpArgs], 20);
  const memDir = tempDir('contrail-bench-mem-');
  const mem = await gulp(['save', ...gulpArgs, '--save-dir', memDir], 20);
  const memFile = path.join(memDir, fs.readdirSync(memDir).find((f) => f.startsWith('contrail-images-'))!);
  const memArchive = fs.statSync(memFile).size;
  const streamed = gzipIsize(memFile);
  fs.rmSync(memDir, { recursive: true, force: true });
  say(`6. gulp save, peak RSS: ${formatBytes(mem.peakRssBytes)} (whole run ${formatDuration(mem.ms)}; it streamed ${formatBytes(streamed)} of docker save into ${formatBytes(memArchive)})`);
  say(`   no-op gulp buildImages, peak RSS: ${formatBytes(idle.peakRssBytes)}`);
  say(`   pigz (the save's compressor process), peak RSS: ${mem.pigzPeakBytes ? formatBytes(mem.pigzPeakBytes) : 'none ran'}`);

  // 7. start-up: listing the tasks loads no Docker, git or tar library
  const startMs: number[] = [];
  for (let i = 0; i < 5; i++) startMs.push((await gulp(['--tasks'])).ms);
  say(`7. gulp --tasks:        ${formatDuration(median(startMs))} (median of 5; ${startMs.map((m) => `${m}`).join(', ')} ms)`);
  const start = await noopAgainstVersion(['--config', configFile, ...args]);
  say(`   no-op gulp:          ${formatDuration(median(start.noop.map((r) => r.ms)))}, peak RSS ${formatBytes(Math.max(...start.noop.map((r) => r.rssBytes)))} (median of 5; ${start.noop.map((r) => r.ms).join(', ')} ms)`);
  say(`   gulp --version:      ${formatDuration(median(start.version.map((r) => r.ms)))}, peak RSS ${formatBytes(Math.max(...start.version.map((r) => r.rssBytes)))} (median of 5; ${start.version.map((r) => r.ms).join(', ')} ms)`);

  // 8. fresh host: the registry as the family's cache
  const fresh = await freshHost(docker);
  say(`8. fresh host, push:    ${formatDuration(fresh.ms)} (${fresh.built} images built, ${fresh.fromRegistry} from the registry, packages ${fresh.packages})`);

  // 9. engines: three on this machine against one
  const enginesLines = await engines();
  for (const line of enginesLines) say(line);

  const cp = summary.criticalPath;
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  say('');
  say(`pipeline / sequential:  ${(coldMs / seqMs).toFixed(2)}`);
  say(`pipeline / bake-like:   ${(coldMs / bakeMs).toFixed(2)}`);
  say(`save / docker save|gzip -1:   ${(saves.one.ms / plainMs).toFixed(2)} (archive ${formatBytes(saves.one.bytes)} against ${formatBytes(plainBytes)}: ${saves.one.bytes <= plainBytes ? 'no larger' : 'LARGER'})`);
  say(`critical path share:    ${(cp.ms / coldMs).toFixed(2)} (${cp.images.join(' -> ')})`);
  say(`no-op / gulp --version: ${(median(start.noop.map((r) => r.ms)) / median(start.version.map((r) => r.ms))).toFixed(2)} (median of 5 each)`);
  say(`no-op peak RSS:         ${mib(Math.max(...start.noop.map((r) => r.rssBytes)))} MiB (the highest of 5)`);
  say(`save peak RSS:          ${mib(mem.peakRssBytes)} MiB`);
  say(`gulp --tasks:           ${median(startMs)} ms (median of 5)`);
  say(`no-op / cold:           ${(noopMs / coldMs).toFixed(3)}`);
  say(`SBOM+provenance / cold: ${sbomShare.toFixed(3)}`);
  say(`report / no-op:         ${(reportMs / noopMs).toFixed(3)}`);
  say(`critical path (cold):   ${cp.images.join(' -> ')} = ${formatDuration(cp.ms)} (${((cp.ms / coldMs) * 100).toFixed(0)}% of the cold run)`);
  say(`save per image / one:   ${(saves.per.bytes / saves.one.bytes).toFixed(2)} in bytes, ${(saves.per.ms / saves.one.ms).toFixed(2)} in time`);
  say(`push there / cold:      ${(pushMs[1] / pushMs[0]).toFixed(2)}`);
  say(`save RSS / no-op RSS:   ${(mem.peakRssBytes / idle.peakRssBytes).toFixed(2)}`);
  say(`save RSS / streamed:    ${(mem.peakRssBytes / streamed).toFixed(2)}`);
  say(`fresh host / cold: ${(fresh.ms / coldMs).toFixed(3)}`);
  say(enginesLines.at(-1)!);
  for (const line of await simulatedEngines(summary, coldRun.record.spans, pushMs[0], os.availableParallelism())) say(line);
}

async function startupOnly() {
  const startMs: number[] = [];
  for (let i = 0; i < 5; i++) startMs.push((await gulp(['--tasks'])).ms);
  const start = await noopAgainstVersion(['--config', configFile, ...args]);
  const med = (xs: { ms: number }[]) => median(xs.map((r) => r.ms));
  say(`no-op gulp: ${start.noop.map((r) => `${r.ms} ms ${formatBytes(r.rssBytes)}`).join(', ')}`);
  say(`gulp --version: ${start.version.map((r) => `${r.ms} ms ${formatBytes(r.rssBytes)}`).join(', ')}`);
  say(`no-op / gulp --version: ${(med(start.noop) / med(start.version)).toFixed(2)} (median of 5 each: ${med(start.noop)} / ${med(start.version)} ms)`);
  say(`no-op peak RSS:         ${(Math.max(...start.noop.map((r) => r.rssBytes)) / 1024 / 1024).toFixed(1)} MiB (the highest of 5)`);
  say(`gulp --tasks:           ${median(startMs)} ms (median of 5; ${startMs.join(', ')} ms)`);
}

/**
 * The gulp CLI as its own process under /usr/bin/time: wall time and peak RSS (%M, the largest
 * of the process and its children; the no-op starts nothing larger than itself).
 */
function timedGulp(argv: string[]): Promise<{ ms: number; rssBytes: number }> {
  const out = path.join(tempDir('contrail-bench-time-'), 'time.txt');
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', out, GULP, '--cwd', ROOT, ...argv], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Date.now() - started;
      if (code !== 0) return reject(new Error(`gulp ${argv.join(' ')} exited with ${code}: ${err}`));
      resolve({ ms, rssBytes: Number(fs.readFileSync(out, 'utf8').trim().split('\n').at(-1)) * 1024 });
    });
  });
}

/** The no-op run (the default task, nothing changed) and `gulp --version`, five of each in turns. */
async function noopAgainstVersion(configArgs: string[]) {
  const noop: { ms: number; rssBytes: number }[] = [];
  const version: { ms: number; rssBytes: number }[] = [];
  for (let i = 0; i < 5; i++) {
    noop.push(await timedGulp(configArgs));
    version.push(await timedGulp(['--version']));
  }
  return { noop, version };
}

/** Stage 8: push, wipe the host (but the OS image), push again; the second push is timed. */
async function freshHost(docker: Awaited<ReturnType<Run['engine']>>): Promise<{ ms: number; built: number; fromRegistry: number; packages: string }> {
  const registry = await startRegistry(FRESH_REGISTRY_PORT);
  const workDir = tempDir('contrail-bench-fresh-');
  const config = resolveConfig({ args: ['--config', configFile, ...args, '--contrail-version', FRESH_VERSION, '--repo-port', String(FRESH_REPO_PORT)], env: process.env, cwd: ROOT });
  const argv = ['push', '--config', configFile, ...args, '--contrail-version', FRESH_VERSION, '--repo-port', String(FRESH_REPO_PORT), '--work-dir', workDir, '--registry', registry.address, '--wait'];
  const refs = [...Object.keys(config.images).map((c) => imageRef(c, config.os, FRESH_VERSION)), repoImageRef(config.os, FRESH_VERSION),
    builderImageRef(config.os, FRESH_VERSION), galaxyImageRef(config.os, FRESH_VERSION)];
  const wipe = async () => {
    await docker.getContainer(repoContainerName(config.os, FRESH_REPO_PORT)).remove({ force: true }).catch(() => {});
    for (const ref of refs) await docker.getImage(ref).remove({ force: true }).catch(() => {});
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  try {
    await gulp(argv);
    await wipe();
    const again = await gulp(argv);
    const s: Summary = JSON.parse(fs.readFileSync(workPaths(workDir).summary, 'utf8'));
    const built = s.images.filter((i) => i.how === 'built').length;
    const packages = /packageBuild: from the registry/.test(again.output) ? 'from the registry' : /packageBuild: .*: building/.test(again.output) ? 'built' : 'unchanged';
    if (built || packages === 'built') throw new Error(`fresh host: expected nothing built, got ${built} images, packages ${packages}:\n${again.output}`);
    return { ms: again.ms, built, fromRegistry: s.images.filter((i) => i.how === 'from the registry').length, packages };
  } finally {
    await wipe();
    await registry.stop();
  }
}

// the Docker tests share these images (test/helpers/family.ts): do not pull them from under a test
withTestLock('demo-family', main).catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e as any).toString() : e}\n`);
  process.exit(1);
});
