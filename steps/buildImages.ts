/**
 * buildImages: applies the family's plan (lib/images/familyPlan.ts) in dependency order, up to `jobs`
 * images at once: each image, as its turn comes, is planned again with its parents' real ids and
 * then skipped, built or failed. Every image gets a log, a console line for each turn it takes,
 * and a row in <workDir>/summary.json; failures are reported together at the end.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { buildImage, type Builder, logTail } from '../lib/docker/build';
import { builderName, imageBuilder } from '../lib/docker/builderChoice';
import { withPinnedParents } from '../lib/docker/parentPins';
import { localImage, pullImage, removeUnusedImages } from '../lib/docker/images';
import { buildError, describeError } from '../lib/errors';
import { writeFileAtomic } from '../lib/fs/atomic';
import { redactJson } from '../lib/redact';
import { readTextOrNull } from '../lib/fs/read';
import { throwIfInterrupted } from '../lib/interrupt';
import { contextTar, discardContext, stageContext } from '../lib/images/context';
import { explainFailure } from '../lib/images/failureCause';
import { familyLabels } from '../lib/images/labels';
import { type ImageFacts, type ImagePlan, type ParentOutcome, planImage } from '../lib/images/familyPlan';
import { buildJobs } from '../lib/images/jobs';
import { oneEngine } from '../lib/images/placement';
import { estimator, runSchedule } from '../lib/images/schedule';
import { type StatusLine, statusLine } from '../lib/images/status';
import { jobSlots } from '../lib/runRecord';
import { familySummary, previousBuildTimes, type SummaryImage, summaryTable } from '../lib/images/summary';
import { imageRepository } from '../lib/naming';
import type { Run } from '../lib/run';
import type { BuildResult } from '../lib/steps';
import { formatDuration } from '../lib/text';
import { workPaths } from '../lib/workDir';
import { type FamilyFromRegistry, familyFromRegistry, type Taken } from '../lib/cache/familyImages';
import { HOW, runCache, versionTagsUntouched } from '../lib/cache/run';
import { readPackagesAhead } from '../lib/sbom/packagesKept';
import { failureFacts } from './failureFacts';
import { type FamilyNeeds, gatherFacts, type PreparedFamily, prepareFamily } from './familyFacts';

export const imageLogFile = (workDir: string, component: string, os: string) =>
  path.join(workPaths(workDir).logs, `${imageRepository(component, os)}.log`);

/** What the images of one run share while they are applied. */
interface FamilyRun {
  run: Run;
  docker: Docker;
  family: PreparedFamily;
  facts: Map<string, ImageFacts>;
  status: StatusLine;
  /** builds at once */
  jobs: number;
  /** BuildKit or the classic builder, chosen once per run */
  builder: Builder;
  lastBuildMs: Record<string, number>;
  /** what each image came to, as its turn ends */
  rows: Map<string, SummaryImage>;
  /** images our tags pointed at before they were rebuilt: removed at the end when nothing uses them */
  replaced: string[];
  /** images found in the cache registry by their input hash (lib/cache/familyImages.ts) */
  fromRegistry: FamilyFromRegistry;
  /** what was taken from the registry, by image */
  taken: Map<string, Taken>;
  /** the engine the images build on, by its name (engines / --engines) or address */
  engine: string;
}

export async function buildImages(run: Run, needs: FamilyNeeds): Promise<BuildResult> {
  const docker = await run.engine();
  const builder = await run.once('imageBuilder', () => imageBuilder(docker, run.config.builder, run.config.builderOrigin));
  const family = prepareFamily(run, needs);
  const facts = await gatherFacts(run, docker, family);
  throwIfInterrupted(run.signal);
  const started = new Date();
  const paths = workPaths(run.config.workDir);
  const lastBuildMs = previousBuildTimes(readTextOrNull(paths.summary));
  const status = statusLine(run.log, family.graph.order.length, process.stdout.isTTY && !process.env.CI ? process.stdout : null);
  const fromRegistry = familyFromRegistry(run, await runCache(run));
  const jobs = buildJobs(run.config.jobs, run.config.jobsFromDefault, builder.builder, os.availableParallelism());
  const engine = run.config.engines == null ? run.engineTarget.address : (await run.liveEngines())[0].name;
  const fr: FamilyRun = { run, docker, family, facts, status, jobs, builder: builder.builder, lastBuildMs, rows: new Map(), replaced: [], fromRegistry, taken: new Map(), engine };
  status.log.info(`images build with ${builderName(builder.builder)}: ${builder.why}; up to ${jobs} at once${run.config.engines == null ? '' : ` on engine ${engine}`}`);
  const slots = jobSlots();
  try {
    const schedule = await runSchedule({
      graph: family.graph,
      jobs: fr.jobs,
      // one engine builds the family for now; the many-engine placement (manyEngines) is not wired to the build flow yet
      placement: oneEngine(fr.jobs, engine),
      estimateMs: estimator(lastBuildMs),
      signal: run.signal,
      work: async (name) => {
        const slot = slots.take();
        const t0 = Date.now();
        const r = await applyImage(fr, name).finally(() => slots.give(slot));
        recordImage(fr, r, t0, slot);
        // a run that ships reads each new image's packages (its SBOM) while the others build
        if (r.status === 'built' && r.id && run.intent !== 'build') readPackagesAhead(fr.docker, run.config.workDir, needs.repo.family ?? 'deb', r.id);
        status.finished(name);
        return r.status === 'built' || r.status === 'skipped';
      },
      onBlocked: (name, by) => {
        status.finished(name);
        const parent = family.images.get(by)!.ref;
        recordImage(fr, row(fr, name, { status: 'blocked', reason: `blocked by ${parent}` }), Date.now());
        status.log.warn(`${name}: blocked by ${parent}, which failed`);
      },
    });
    for (const name of schedule.cancelled) recordImage(fr, row(fr, name, { status: 'blocked', reason: 'not started: the run was interrupted' }), Date.now());
  } finally {
    status.stop();
  }
  await removeUnusedImages(docker, fr.replaced);
  return finish(fr, started);
}

/** Writes summary.json, prints the table, and fails the step when any image failed or was blocked. */
function finish(fr: FamilyRun, started: Date): BuildResult {
  const { run, family } = fr;
  const c = run.config;
  const paths = workPaths(c.workDir);
  const images = family.graph.order.map((n) => fr.rows.get(n)!);
  const summary = familySummary({ version: c.version, os: c.os, started, finished: new Date(), jobs: fr.jobs, noCache: c.noCache, select: c.select }, family.graph, images);
  writeFileAtomic(paths.summary, `${JSON.stringify(redactJson(summary), null, 2)}\n`);
  for (const line of summaryTable(summary)) run.log.info(line);
  run.log.info(`summary: ${paths.summary}`);
  throwIfInterrupted(run.signal);

  const failed = images.filter((i) => i.status === 'failed' || i.status === 'blocked');
  if (failed.length) {
    const n = images.filter((i) => i.status === 'failed').length;
    throw buildError(
      `${n} image${n === 1 ? '' : 's'} failed to build` + (failed.length > n ? `, ${failed.length - n} blocked by them` : ''),
      `see each image's log; rerun to retry: images that were built are skipped (${paths.summary})${versionTagsUntouched(run)}`,
      { details: failed.map((i) => `${i.ref}: ${i.reason}${i.status === 'failed' ? ` (log: ${i.log})` : ''}`) },
    );
  }
  return { images };
}

/** An image's span on the run's timeline (lib/runRecord.ts): its job slot, when it has one. */
function recordImage(fr: FamilyRun, r: SummaryImage, start: number, slot?: number): void {
  const engine = (r as { engine?: string }).engine;
  fr.run.record.add({
    kind: 'image', name: r.component, start, end: Date.now(), status: r.status, slot, engine,
    args: { image: r.ref, hash: r.inputHash, why: r.reason ?? '', how: r.how ?? '' },
  });
}

/** The summary row of an image, recorded as what it came to. */
function row(fr: FamilyRun, name: string, fields: Partial<SummaryImage>): SummaryImage {
  const c = fr.run.config;
  const r: SummaryImage = {
    component: name, ref: fr.family.images.get(name)!.ref, status: 'blocked', id: null, inputHash: '', durationMs: 0, size: null,
    log: imageLogFile(c.workDir, name, c.os), parents: fr.family.graph.nodes.get(name)!.parents, buildMs: fr.lastBuildMs[name] ?? null,
    ...((fields.status === 'built' || fields.status === 'skipped') && fields.local !== false ? { engine: fr.engine } : {}), ...fields,
  };
  fr.rows.set(name, r);
  return r;
}

/** What an image's family parent came to in this run. */
function parentOutcome(fr: FamilyRun) {
  return (member: string): ParentOutcome => {
    const r = fr.rows.get(member);
    return r?.id && (r.status === 'built' || r.status === 'skipped') ? { id: r.id } : { failed: true };
  };
}

/** One image's turn: plan it with its parents' real ids, pull what it needs, then skip, build or fail it. */
async function applyImage(fr: FamilyRun, name: string): Promise<SummaryImage> {
  const t0 = Date.now();
  let plan: ImagePlan | undefined;
  try {
    plan = planImage(fr.facts.get(name)!, parentOutcome(fr), { noCache: fr.run.config.noCache });
    if (plan.pull.length) plan = await pullParents(fr, name, plan);
    if (plan.action === 'build' && plan.inputHash) plan = await askRegistry(fr, name, plan);
    if (plan.action === 'fetch') {
      const taken = fr.taken.get(name)!;
      if (taken.local) {
        const existing = fr.facts.get(name)!.existing;
        if (existing && existing.id !== taken.id) fr.replaced.push(existing.id);
      }
      fr.status.log.info(`${name}: ${plan.reason}`);
      return row(fr, name, { status: 'skipped', how: HOW.registry, local: taken.local, id: taken.id, size: taken.size, inputHash: plan.inputHash!, reason: plan.reason, durationMs: Date.now() - t0 });
    }
    if (plan.action === 'skip') {
      const existing = fr.facts.get(name)!.existing!;
      fr.status.log.info(`${name}: skipped, ${plan.reason}`);
      return row(fr, name, { status: 'skipped', how: HOW.local, id: existing.id, size: existing.size, inputHash: plan.inputHash!, reason: plan.reason, durationMs: Date.now() - t0 });
    }
    if (plan.action !== 'build') {
      writeLog(fr, name, `ERROR: ${plan.reason}\n`);
      return failed(fr, name, t0, plan.reason, '', []);
    }
    return await build(fr, name, plan, t0);
  } catch (e) {
    return failed(fr, name, t0, await explain(fr, name, describeError(e)), plan?.inputHash ?? '');
  }
}

/**
 * An image to be built whose input hash the cache registry holds is taken from there instead
 * (pulled only when this engine needs it): the plan says so (fetch).
 */
async function askRegistry(fr: FamilyRun, name: string, plan: ImagePlan): Promise<ImagePlan> {
  const taken = await fr.fromRegistry.take(name, plan.ref, plan.inputHash!);
  if (!taken) return plan;
  fr.taken.set(name, taken);
  fr.facts.set(name, { ...fr.facts.get(name)!, inRegistry: { inputHash: plan.inputHash!, id: taken.id } });
  return planImage(fr.facts.get(name)!, parentOutcome(fr), { noCache: fr.run.config.noCache });
}

/** Pulls the parents that are not local (as `docker build` would), then plans the image again. */
async function pullParents(fr: FamilyRun, name: string, plan: ImagePlan): Promise<ImagePlan> {
  const facts = fr.facts.get(name)!;
  const img = fr.family.images.get(name)!;
  for (const ref of plan.pull) {
    const error = await pullImage(fr.docker, ref);
    const pulled = error ? null : await localImage(fr.docker, ref);
    if (!pulled) {
      const line = img.parentRefs.find((p) => p.ref === ref)?.line;
      const problem = `parent ${ref} (${img.recipe.dockerfile}:${line}) is not local and cannot be pulled: ${error ?? 'not found after the pull'}`;
      fr.facts.set(name, { ...facts, problem });
      return planImage(fr.facts.get(name)!, parentOutcome(fr), { noCache: fr.run.config.noCache });
    }
    fr.status.log.info(`${name}: pulled parent ${ref}`);
    fr.facts.set(name, { ...fr.facts.get(name)!, parents: fr.facts.get(name)!.parents.map((p) => (p.ref === ref && !('member' in p) ? { ref, id: pulled.id } : p)) });
  }
  return planImage(fr.facts.get(name)!, parentOutcome(fr), { noCache: fr.run.config.noCache });
}

/** Stages the context, builds, and checks that the engine's image carries the input hash it was built with. */
async function build(fr: FamilyRun, name: string, plan: ImagePlan, t0: number): Promise<SummaryImage> {
  const { run, family } = fr;
  const c = run.config;
  const img = family.images.get(name)!;
  const hash = plan.inputHash!;
  const logFile = imageLogFile(c.workDir, name, c.os);
  throwIfInterrupted(run.signal);
  // a parent taken from the registry and left there is pulled now: this image is built from it
  await fr.fromRegistry.pullParents(family.graph.nodes.get(name)!.parents.map((p) => [p, family.images.get(p)!.ref]));
  fr.status.log.info(`${name}: building ${img.ref} (${plan.reason})`);
  fr.status.running(name);
  const staged = await stageContext(img.contextDir, path.join(workPaths(c.workDir).tmp, 'contexts', name), img.extra);
  let outcome;
  try {
    // FROM names the parents by the ids the input hash was computed with (lib/images/pinParents.ts)
    const pinned = { contextDir: staged.dir, dockerfile: img.dockerfileName, text: img.dockerfileText, parents: img.parentRefs, ids: plan.inputs!.parents };
    outcome = await withPinnedParents(fr.docker, pinned, () => buildImage(fr.docker, {
      context: contextTar(staged),
      ref: img.ref,
      dockerfile: img.dockerfileName,
      buildArgs: img.buildArgs,
      labels: familyLabels({ component: name, os: c.os, version: c.version, inputs: plan.inputs!, revision: family.ansible.commit, created: new Date() }),
      network: c.network,
      noCache: c.noCache || plan.bypassLayerCache,
      builder: fr.builder,
      logFile,
      signal: run.signal,
    }));
  } finally {
    discardContext(staged);
    fr.status.finished(name);
  }
  if (outcome.error) return failed(fr, name, t0, await explain(fr, name, `docker build: ${outcome.error}`), hash);
  const made = await localImage(fr.docker, img.ref);
  if (!made || made.inputHash !== hash) {
    return failed(fr, name, t0, `the engine reported success, but ${img.ref} ${made ? 'does not carry the input hash it was built with' : 'is not there'}`, hash);
  }
  const existing = fr.facts.get(name)!.existing;
  if (existing && existing.id !== made.id) fr.replaced.push(existing.id);
  const durationMs = Date.now() - t0;
  fr.status.log.info(`${name}: built ${img.ref} in ${formatDuration(durationMs)} (${made.id.slice(7, 19)})`);
  return row(fr, name, { status: 'built', how: HOW.built, id: made.id, size: made.size, inputHash: hash, durationMs, buildMs: durationMs, reason: plan.reason });
}

function writeLog(fr: FamilyRun, name: string, text: string): void {
  const logFile = imageLogFile(fr.run.config.workDir, name, fr.run.config.os);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(logFile, text);
}

/** Records and reports a failed image (an interrupted one as interrupted, without its log). */
function failed(fr: FamilyRun, name: string, t0: number, reason: string, hash: string, tail: string[] = []): SummaryImage {
  const log = fr.status.log;
  if (fr.run.signal.aborted) {
    const r = row(fr, name, { status: 'failed', reason: 'interrupted', inputHash: hash, durationMs: Date.now() - t0 });
    log.warn(`${name}: interrupted after ${formatDuration(r.durationMs)}`);
    return r;
  }
  const r = row(fr, name, { status: 'failed', reason, inputHash: hash, durationMs: Date.now() - t0 });
  log.error(`${name}: FAILED after ${formatDuration(r.durationMs)}: ${reason}`);
  for (const l of tail.length ? tail : logTail(r.log)) log.error(`    ${l}`);
  log.error(`    log: ${r.log}`);
  return r;
}

/** A failure whose cause is the engine or the repo container says so first. */
async function explain(fr: FamilyRun, name: string, reason: string): Promise<string> {
  if (fr.run.signal.aborted) return reason;
  return explainFailure(reason, await failureFacts(fr.docker, fr.run.engineTarget, fr.family, fr.family.images.get(name)!));
}
