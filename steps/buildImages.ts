/**
 * buildImages: applies the family's plan (lib/images/familyPlan.ts) in dependency order, up to `jobs`
 * images at once: each image, as its turn comes, is planned again with its parents' real ids and
 * then skipped, built or failed. Every image gets a log, a console line for each turn it takes,
 * and a row in <workDir>/summary.json; failures are reported together at the end. With several
 * engines the schedule spreads the images over them (steps/imageEngines.ts): the same flow, each
 * image on the engine the placement picks.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildImage, logTail } from '../lib/docker/build';
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
import { ENGINE_LOST, estimator, runSchedule } from '../lib/images/schedule';
import { type StatusLine, statusLine } from '../lib/images/status';
import { jobSlots } from '../lib/runRecord';
import { familySummary, previousBuildTimes, type SummaryImage, summaryTable } from '../lib/images/summary';
import { imageRepository } from '../lib/naming';
import type { Run } from '../lib/run';
import type { BuildResult } from '../lib/steps';
import { formatDuration } from '../lib/text';
import { workPaths } from '../lib/workDir';
import type { Taken } from '../lib/cache/familyImages';
import { HOW, versionTagsUntouched } from '../lib/cache/run';
import { readsAhead } from '../lib/sbom/packagesKept';
import { failureFacts } from './failureFacts';
import { type FamilyNeeds, gatherFacts, type PreparedFamily, prepareFamily } from './familyFacts';
import { buildingEngines, type ImageEngine, type ImageEngines, imageEngines } from './imageEngines';

export const imageLogFile = (workDir: string, component: string, os: string) =>
  path.join(workPaths(workDir).logs, `${imageRepository(component, os)}.log`);

/** What the images of one run share while they are applied. */
interface FamilyRun {
  run: Run;
  family: PreparedFamily;
  /** as gathered on the first engine */
  facts: Map<string, ImageFacts>;
  status: StatusLine;
  /** where the images build, each engine with its builder (BuildKit or classic) and builds at once */
  engines: ImageEngines;
  lastBuildMs: Record<string, number>;
  /** what each image came to, as its turn ends */
  rows: Map<string, SummaryImage>;
  /** images our tags pointed at before they were rebuilt, by engine: removed at the end when nothing uses them */
  replaced: Map<ImageEngine, string[]>;
  /** what was taken from the registry, by image */
  taken: Map<string, Taken>;
}

export async function buildImages(run: Run, needs: FamilyNeeds): Promise<BuildResult> {
  const docker = await run.engine();
  const family = prepareFamily(run, needs);
  // the engines' builders and cores are asked while the images' facts are read (both only read)
  const [facts, building] = await Promise.all([gatherFacts(run, docker, family), buildingEngines(run)]);
  throwIfInterrupted(run.signal);
  const started = new Date();
  const paths = workPaths(run.config.workDir);
  const lastBuildMs = previousBuildTimes(readTextOrNull(paths.summary));
  const status = statusLine(run.log, family.graph.order.length, process.stdout.isTTY && !process.env.CI ? process.stdout : null);
  const engines = await imageEngines(run, needs.repo, building);
  const fr: FamilyRun = { run, family, facts, status, engines, lastBuildMs, rows: new Map(), replaced: new Map(), taken: new Map() };
  for (const line of engines.describe()) status.log.info(line);
  const slots = jobSlots();
  // a run that ships reads each new image's packages (its SBOM) while the others build
  const ahead = run.intent === 'build' ? null : readsAhead(run.config.workDir, needs.repo.family ?? 'deb');
  try {
    const schedule = await runSchedule({
      graph: family.graph,
      jobs: engines.jobs,
      placement: engines.placement,
      estimateMs: estimator(lastBuildMs),
      signal: run.signal,
      work: async (name, engineName) => {
        const slot = slots.take();
        const t0 = Date.now();
        const engine = engines.get(engineName);
        const r = await applyImage(fr, name, engine).finally(() => slots.give(slot));
        status.finished(name);
        if (r === ENGINE_LOST) return r;
        recordImage(fr, r, t0, slot);
        if (r.status === 'built' && r.id) ahead?.add(engine.docker, r.id);
        return r.status === 'built' || r.status === 'skipped';
      },
      onEngineLost: (engine, name) => status.log.warn(`${name}: engine ${engine} stopped answering while it had ${name}; ${name} goes back to the queue and builds on another engine`),
      onBlocked: (name, by) => {
        status.finished(name);
        const parent = family.images.get(by)!.ref;
        recordImage(fr, row(fr, name, { status: 'blocked', reason: `blocked by ${parent}` }), Date.now());
        status.log.warn(`${name}: blocked by ${parent}, which failed`);
      },
    });
    for (const name of schedule.cancelled) recordImage(fr, row(fr, name, { status: 'blocked', reason: 'not started: the run was interrupted' }), Date.now());
    for (const [name, error] of schedule.failed) if (!fr.rows.has(name)) recordImage(fr, row(fr, name, { status: 'failed', reason: describeError(error) }), Date.now());
    if (schedule.lost.size) {
      const whole = schedule.ok.size === family.graph.order.length;
      status.log.warn(`engine${schedule.lost.size === 1 ? '' : 's'} ${[...schedule.lost].join(', ')} stopped answering during the run; ${whole ? 'the other engines built what it had in flight: the family is whole' : 'see the table for what is missing'}`);
    }
  } finally {
    status.stop();
  }
  for (const [engine, ids] of fr.replaced) if (!(await engines.lost(engine).catch(() => true))) await removeUnusedImages(engine.docker, ids);
  return finish(fr, started);
}

/** Writes summary.json, prints the table, and fails the step when any image failed or was blocked. */
function finish(fr: FamilyRun, started: Date): BuildResult {
  const { run, family } = fr;
  const c = run.config;
  const paths = workPaths(c.workDir);
  const images = family.graph.order.map((n) => fr.rows.get(n)!);
  const summary = familySummary({ version: c.version, os: c.os, started, finished: new Date(), jobs: fr.engines.jobs, noCache: c.noCache, select: c.select }, family.graph, images);
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
  fr.run.record.add({
    kind: 'image', name: r.component, start, end: Date.now(), status: r.status, slot, engine: r.engine,
    args: { image: r.ref, hash: r.inputHash, why: r.reason ?? '', how: r.how ?? '' },
  });
}

/**
 * The summary row of an image, recorded as what it came to; `on`: the engine that built or holds
 * it (an image on another engine than the first is not local to save and push, which pull it).
 */
function row(fr: FamilyRun, name: string, fields: Partial<SummaryImage>, on?: ImageEngine): SummaryImage {
  const c = fr.run.config;
  const r: SummaryImage = {
    component: name, ref: fr.family.images.get(name)!.ref, status: 'blocked', id: null, inputHash: '', durationMs: 0, size: null,
    log: imageLogFile(c.workDir, name, c.os), parents: fr.family.graph.nodes.get(name)!.parents, buildMs: fr.lastBuildMs[name] ?? null,
    ...(on && (fields.status === 'built' || fields.status === 'skipped') ? { engine: on.name, ...(on.first ? {} : { local: false }) } : {}), ...fields,
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

/** An image of ours replaced on `engine` (its tag moved to another image). */
function replacedOn(fr: FamilyRun, engine: ImageEngine, id: string): void {
  fr.replaced.set(engine, [...(fr.replaced.get(engine) ?? []), id]);
}

/**
 * One image's turn on `engine`: plan it with its parents' real ids, pull what it needs, then skip,
 * build or fail it; an image made or found there is handed to the other engines. ENGINE_LOST:
 * the engine stopped answering, and the schedule gives the image to another.
 */
async function applyImage(fr: FamilyRun, name: string, engine: ImageEngine): Promise<SummaryImage | typeof ENGINE_LOST> {
  const t0 = Date.now();
  let plan: ImagePlan | undefined;
  try {
    fr.facts.set(name, await fr.engines.factsOn(engine, fr.facts.get(name)!));
    plan = planImage(fr.facts.get(name)!, parentOutcome(fr), { noCache: fr.run.config.noCache });
    if (plan.pull.length) plan = await pullParents(fr, name, plan, engine);
    if (plan.action === 'build' && plan.inputHash) plan = await askRegistry(fr, name, plan);
    if (plan.action === 'fetch') {
      const taken = fr.taken.get(name)!;
      if (taken.local) {
        const existing = fr.facts.get(name)!.existing;
        if (existing && existing.id !== taken.id) replacedOn(fr, fr.engines.first, existing.id);
      }
      fr.status.log.info(`${name}: ${plan.reason}`);
      return row(fr, name, { status: 'skipped', how: HOW.registry, local: taken.local, id: taken.id, size: taken.size, inputHash: plan.inputHash!, reason: plan.reason, durationMs: Date.now() - t0 }, taken.local ? fr.engines.first : undefined);
    }
    if (plan.action === 'skip') {
      const existing = fr.facts.get(name)!.existing!;
      await fr.engines.handOff(engine, { name, ref: plan.ref, id: existing.id, inputHash: plan.inputHash! });
      fr.status.log.info(`${name}: skipped, ${plan.reason}${fr.engines.many ? ` (on engine ${engine.name})` : ''}`);
      return row(fr, name, { status: 'skipped', how: HOW.local, id: existing.id, size: existing.size, inputHash: plan.inputHash!, reason: plan.reason, durationMs: Date.now() - t0 }, engine);
    }
    if (plan.action !== 'build') {
      writeLog(fr, name, `ERROR: ${plan.reason}\n`);
      return failed(fr, name, t0, plan.reason, '', []);
    }
    return await build(fr, name, plan, t0, engine);
  } catch (e) {
    return failedOn(fr, name, engine, t0, describeError(e), plan?.inputHash ?? '');
  }
}

/** A failure on `engine`: the engine's when it stopped answering (the image builds elsewhere), else the image's. */
async function failedOn(fr: FamilyRun, name: string, engine: ImageEngine, t0: number, reason: string, hash: string): Promise<SummaryImage | typeof ENGINE_LOST> {
  if (!fr.run.signal.aborted && (await fr.engines.lost(engine))) return ENGINE_LOST;
  return failed(fr, name, t0, await explain(fr, name, engine, reason), hash);
}

/**
 * An image to be built whose input hash the cache registry holds is taken from there instead
 * (pulled only when this engine needs it): the plan says so (fetch).
 */
async function askRegistry(fr: FamilyRun, name: string, plan: ImagePlan): Promise<ImagePlan> {
  const taken = await fr.engines.fromRegistry.take(name, plan.ref, plan.inputHash!);
  if (!taken) return plan;
  fr.taken.set(name, taken);
  fr.facts.set(name, { ...fr.facts.get(name)!, inRegistry: { inputHash: plan.inputHash!, id: taken.id } });
  return planImage(fr.facts.get(name)!, parentOutcome(fr), { noCache: fr.run.config.noCache });
}

/** Pulls the parents that are not local (as `docker build` would), then plans the image again. */
async function pullParents(fr: FamilyRun, name: string, plan: ImagePlan, engine: ImageEngine): Promise<ImagePlan> {
  const facts = fr.facts.get(name)!;
  const img = fr.family.images.get(name)!;
  for (const ref of plan.pull) {
    const error = await pullImage(engine.docker, ref);
    const pulled = error ? null : await localImage(engine.docker, ref);
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
async function build(fr: FamilyRun, name: string, plan: ImagePlan, t0: number, engine: ImageEngine): Promise<SummaryImage | typeof ENGINE_LOST> {
  const { run, family } = fr;
  const c = run.config;
  const img = family.images.get(name)!;
  const hash = plan.inputHash!;
  const logFile = imageLogFile(c.workDir, name, c.os);
  throwIfInterrupted(run.signal);
  // a parent taken from the registry and left there, or made on another engine, is pulled now: this image is built from it
  const parents = family.graph.nodes.get(name)!.parents.map((p) => ({ name: p, ref: family.images.get(p)!.ref, id: fr.rows.get(p)!.id!, inputHash: fr.rows.get(p)!.inputHash }));
  await fr.engines.bringParents(engine, name, parents);
  const buildArgs = await fr.engines.buildArgs(engine, img.buildArgs);
  fr.status.log.info(`${name}: building ${img.ref} (${plan.reason})${fr.engines.many ? ` on engine ${engine.name}` : ''}`);
  fr.status.running(name);
  const staged = await stageContext(img.contextDir, path.join(workPaths(c.workDir).tmp, 'contexts', name), img.extra);
  let outcome;
  try {
    // FROM names the parents by the ids the input hash was computed with (lib/images/pinParents.ts)
    const pinned = { contextDir: staged.dir, dockerfile: img.dockerfileName, text: img.dockerfileText, parents: img.parentRefs, ids: plan.inputs!.parents };
    outcome = await withPinnedParents(engine.docker, pinned, () => buildImage(engine.docker, {
      context: contextTar(staged),
      ref: img.ref,
      dockerfile: img.dockerfileName,
      buildArgs,
      labels: familyLabels({ component: name, os: c.os, version: c.version, inputs: plan.inputs!, revision: family.ansible.commit, created: new Date() }),
      network: c.network,
      noCache: c.noCache || plan.bypassLayerCache,
      builder: engine.builder,
      logFile,
      signal: run.signal,
    }));
  } finally {
    discardContext(staged);
    fr.status.finished(name);
  }
  if (outcome.error) return failedOn(fr, name, engine, t0, `docker build: ${outcome.error}`, hash);
  const made = await localImage(engine.docker, img.ref);
  if (!made || made.inputHash !== hash) {
    return failed(fr, name, t0, `the engine reported success, but ${img.ref} ${made ? 'does not carry the input hash it was built with' : 'is not there'}`, hash);
  }
  const existing = fr.facts.get(name)!.existing;
  if (existing && existing.id !== made.id) replacedOn(fr, engine, existing.id);
  const durationMs = Date.now() - t0;
  fr.status.log.info(`${name}: built ${img.ref} in ${formatDuration(durationMs)} (${made.id.slice(7, 19)})${fr.engines.many ? ` on engine ${engine.name}` : ''}`);
  await fr.engines.handOff(engine, { name, ref: img.ref, id: made.id, inputHash: hash });
  return row(fr, name, { status: 'built', how: HOW.built, id: made.id, size: made.size, inputHash: hash, durationMs, buildMs: durationMs, reason: plan.reason }, engine);
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
async function explain(fr: FamilyRun, name: string, engine: ImageEngine, reason: string): Promise<string> {
  if (fr.run.signal.aborted) return reason;
  // the run's repo container is on the first engine; another engine's builds reach it there
  const family = engine.first ? fr.family : { ...fr.family, repo: { ...fr.family.repo, container: null } };
  return explainFailure(reason, await failureFacts(engine.docker, engine.target, family, fr.family.images.get(name)!));
}
