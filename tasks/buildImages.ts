/**
 * buildImages: the family, in dependency order, up to `jobs` at once, each image only when one of
 * its inputs changed. Every image gets a log, a console line for each turn it takes, and a row in
 * <workDir>/summary.json; failures are collected and reported together at the end.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { buildImage, logTail } from '../lib/docker/build';
import { LABELS, PROJECT } from '../lib/docker/labels';
import { buildError, describeError } from '../lib/errors';
import { writeFileAtomic } from '../lib/fs/atomic';
import { throwIfInterrupted } from '../lib/interrupt';
import { contextTar, discardContext } from '../lib/images/context';
import { inputHash } from '../lib/images/inputs';
import { familyLabels } from '../lib/images/labels';
import { criticalPath, estimator, runSchedule } from '../lib/images/schedule';
import { explainFailure } from '../lib/images/failureCause';
import { decide, packagesOutrunCache } from '../lib/images/skip';
import { statusLine } from '../lib/images/status';
import { countStatuses, previousBuildTimes, type Summary, type SummaryImage, SUMMARY_FORMAT, summaryTable } from '../lib/images/summary';
import { imageRepository } from '../lib/naming';
import type { Run } from '../lib/run';
import type { BuildResult } from '../lib/steps';
import { formatDuration } from '../lib/text';
import { workPaths } from '../lib/workDir';
import { failureFacts } from './buildFailure';
import { existingImage, imageInputs, prepareFamily } from './family';
import { resolveParents } from './parents';
import { readTextOrNull } from '../lib/fs/read';

export const imageLogFile = (workDir: string, component: string, os: string) =>
  path.join(workPaths(workDir).logs, `${imageRepository(component, os)}.log`);

export function buildImages(run: Run): Promise<BuildResult> {
  return run.once('buildImages', () => buildFamily(run));
}

async function buildFamily(run: Run): Promise<BuildResult> {
  const c = run.config;
  const docker = await run.engine();
  const family = await prepareFamily(run);
  throwIfInterrupted(run.signal);
  const started = new Date();
  const paths = workPaths(c.workDir);
  const lastBuildMs = previousBuildTimes(readTextOrNull(paths.summary));
  const { graph } = family;
  const status = statusLine(run.log, graph.order.length, process.stdout.isTTY && !process.env.CI ? process.stdout : null);
  const log = status.log;
  const rows = new Map<string, SummaryImage>();
  const ids = new Map<string, string | null>();
  /** images our tags pointed at before they were rebuilt: removed at the end when nothing uses them */
  const replaced: string[] = [];

  const row = (name: string, fields: Partial<SummaryImage>): SummaryImage => {
    const img = family.images.get(name)!;
    const r: SummaryImage = {
      component: name, ref: img.ref, status: 'blocked', id: null, inputHash: '', durationMs: 0, size: null,
      log: imageLogFile(c.workDir, name, c.os), parents: graph.nodes.get(name)!.parents, buildMs: lastBuildMs[name] ?? null, ...fields,
    };
    rows.set(name, r);
    return r;
  };
  const fail = (name: string, t0: number, reason: string, hash = '', tail: string[] = []) => {
    if (run.signal.aborted) {
      const r = row(name, { status: 'failed', reason: 'interrupted', inputHash: hash, durationMs: Date.now() - t0 });
      log.warn(`${name}: interrupted after ${formatDuration(r.durationMs)}`);
      return false;
    }
    const r = row(name, { status: 'failed', reason, inputHash: hash, durationMs: Date.now() - t0 });
    const shownTail = tail.length ? tail : logTail(r.log);
    log.error(`${name}: FAILED after ${formatDuration(r.durationMs)}: ${reason}`);
    for (const l of shownTail) log.error(`    ${l}`);
    log.error(`    log: ${r.log}`);
    return false;
  };

  /** a failure whose cause is the engine or the repo container says so first */
  const explain = async (name: string, reason: string): Promise<string> =>
    run.signal.aborted ? reason : explainFailure(reason, await failureFacts(docker, family, family.images.get(name)!));

  const work = async (name: string): Promise<boolean> => {
    const img = family.images.get(name)!;
    const t0 = Date.now();
    const logFile = imageLogFile(c.workDir, name, c.os);
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    if (img.problem) {
      fs.writeFileSync(logFile, `ERROR: ${img.problem}\n`);
      return fail(name, t0, img.problem, '', []);
    }
    const parents = await resolveParents(run, docker, family, img, ids, { pull: true });
    if (parents.kind !== 'ids') {
      const problem = parents.kind === 'missing' ? parents.problem : `parent ${parents.parent} has no image id`;
      fs.writeFileSync(logFile, `ERROR: ${problem}\n`);
      return fail(name, t0, problem, '', []);
    }
    const { inputs, staged } = await imageInputs(run, family, img, parents.ids);
    try {
      const hash = inputHash(inputs);
      const existing = await existingImage(docker, img.ref);
      const decision = decide(existing, inputs, { noCache: c.noCache });
      if (!decision.build) {
        ids.set(name, existing!.id);
        row(name, { status: 'skipped', id: existing!.id, size: existing!.size, inputHash: hash, reason: decision.reason, durationMs: Date.now() - t0 });
        log.info(`${name}: skipped, ${decision.reason}`);
        return true;
      }
      throwIfInterrupted(run.signal);
      log.info(`${name}: building ${img.ref} (${decision.reason})`);
      status.running(name);
      const outcome = await buildImage(docker, {
        context: contextTar(staged),
        ref: img.ref,
        dockerfile: img.dockerfileName,
        buildArgs: img.buildArgs,
        labels: familyLabels({ component: name, os: c.os, version: c.version, inputs, revision: family.ansible.commit, created: new Date() }),
        network: c.network,
        noCache: c.noCache || packagesOutrunCache(existing, inputs),
        logFile,
        signal: run.signal,
      });
      status.finished(name);
      if (outcome.error) return fail(name, t0, await explain(name, `docker build: ${outcome.error}`), hash);
      const made = await existingImage(docker, img.ref);
      if (!made || made.labels[LABELS.inputHash] !== hash) {
        return fail(name, t0, `the engine reported success, but ${img.ref} ${made ? 'does not carry the input hash it was built with' : 'is not there'}`, hash);
      }
      if (existing && existing.id !== made.id) replaced.push(existing.id);
      ids.set(name, made.id);
      const durationMs = Date.now() - t0;
      row(name, { status: 'built', id: made.id, size: made.size, inputHash: hash, durationMs, buildMs: durationMs });
      log.info(`${name}: built ${img.ref} in ${formatDuration(durationMs)} (${made.id.slice(7, 19)})`);
      return true;
    } finally {
      discardContext(staged);
    }
  };

  let schedule;
  try {
    schedule = await runSchedule({
      graph,
      jobs: c.jobs,
      estimateMs: estimator(lastBuildMs),
      signal: run.signal,
      work: async (name) => {
        try {
          return await work(name);
        } catch (e) {
          return fail(name, Date.now(), await explain(name, describeError(e)));
        } finally {
          status.finished(name);
        }
      },
      onBlocked: (name, by) => {
        status.finished(name);
        const parent = family.images.get(by)!.ref;
        row(name, { status: 'blocked', reason: `blocked by ${parent}` });
        log.warn(`${name}: blocked by ${parent}, which failed`);
      },
    });
  } finally {
    status.stop();
  }
  for (const name of schedule.cancelled) row(name, { status: 'blocked', reason: 'not started: the run was interrupted' });
  await removeReplaced(docker, replaced);

  const images = graph.order.map((n) => rows.get(n)!);
  const finished = new Date();
  const summary: Summary = {
    format: SUMMARY_FORMAT,
    version: c.version,
    os: c.os,
    started: started.toISOString(),
    finished: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    jobs: c.jobs,
    noCache: c.noCache,
    select: c.select,
    ok: images.every((i) => i.status === 'built' || i.status === 'skipped'),
    counts: countStatuses(images),
    criticalPath: criticalPath(graph, (n) => (rows.get(n)!.status === 'built' ? rows.get(n)!.durationMs : 0)),
    images,
  };
  writeFileAtomic(paths.summary, `${JSON.stringify(summary, null, 2)}\n`);
  for (const line of summaryTable(summary)) run.log.info(line);
  run.log.info(`summary: ${paths.summary}`);
  throwIfInterrupted(run.signal);

  const failed = images.filter((i) => i.status === 'failed' || i.status === 'blocked');
  if (failed.length) {
    const n = images.filter((i) => i.status === 'failed').length;
    throw buildError(
      `${n} image${n === 1 ? '' : 's'} failed to build` + (failed.length > n ? `, ${failed.length - n} blocked by them` : ''),
      `see each image's log; rerun to retry: images that were built are skipped (${paths.summary})`,
      { details: failed.map((i) => `${i.ref}: ${i.reason}${i.status === 'failed' ? ` (log: ${i.log})` : ''}`) },
    );
  }
  return { images };
}

/** Removes images that a rebuild untagged, children first, when they are ours and nothing else uses them. */
async function removeReplaced(docker: Docker, replaced: string[]): Promise<void> {
  for (const id of [...replaced].reverse()) {
    try {
      const i = await docker.getImage(id).inspect();
      if ((i.RepoTags ?? []).some((t) => t !== '<none>:<none>') || i.Config?.Labels?.[LABELS.project] !== PROJECT) continue;
      await docker.getImage(id).remove({ noprune: false });
    } catch {
      // still used (by a container, or an image not rebuilt in this run): it stays
    }
  }
}
