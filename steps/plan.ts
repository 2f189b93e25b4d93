/**
 * plan: what a build would do, step by step, and why, without building anything. It reads facts
 * only (git ls-remote, the work folder's files, engine inspections, registry manifests), makes
 * the plan with the same pure planners the build applies (lib/packages/buildPlan.ts planSources,
 * lib/plan/repoPlan.ts planRepoServer, lib/images/familyPlan.ts planFamily), and prints it, or
 * writes it as one JSON document with --json. No container is created; nothing is pulled,
 * pushed, built or written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { localContainer, type LocalContainer } from '../lib/docker/containers';
import { execCapture } from '../lib/docker/exec';
import { localImage } from '../lib/docker/images';
import type { BaseImage } from '../lib/docker/osImage';
import { sha256File } from '../lib/hash';
import { findFamilyImage } from '../lib/cache/familyImages';
import { findPackages, packagesPresent } from '../lib/cache/packages';
import { runCache } from '../lib/cache/run';
import { BASE } from '../lib/images/family';
import { type ImagePlan, planFamily } from '../lib/images/familyPlan';
import { repoUrl, pinHost } from '../lib/packages/aptSource';
import { type Manifest, type ManifestSource, updateManifest } from '../lib/packages/buildPlan';
import type { ResolvedSource } from '../lib/packages/sources';
import { findPackageFiles, flattenFiles, hashFiles, packageSetId } from '../lib/packages/collect';
import { choosePackagesInput, type PackagesInput, type PathKind } from '../lib/packages/inputs';
import { familyFromOsRelease, type OsFamily } from '../lib/packages/osFamily';
import { repoContainerHash, repoImageHash } from '../lib/packages/repoServer';
import { readRepoIndex } from '../lib/packages/repoIndex';
import { packageFamily } from '../lib/packages/families';
import { hasPending, type IndexNow, plannedPackages } from '../lib/plan/imagePackages';
import { planRepoServer } from '../lib/plan/repoPlan';
import { type AnsiblePlan, describeChange, formatRunPlan, type SourceChange, type PackagesPlan, type Plan, type RepoPlan, type SourcePlan } from '../lib/plan/runPlan';
import { repoContainerName, repoImageRef } from '../lib/naming';
import type { Run } from '../lib/run';
import type { AnsibleResult, RepoResult } from '../lib/steps';
import { ansiblePlan } from './contrailAnsible';
import { gatherFacts, prepareFamily } from './familyFacts';
import { buildingEngines, engineSlots } from './imageEngines';
import type { ImageGraph } from '../lib/images/graph';
import { estimator } from '../lib/images/schedule';
import { previousBuildTimes } from '../lib/images/summary';
import { placeBuilds } from '../lib/plan/enginePlan';
import { readTextOrNull } from '../lib/fs/read';
import { workPaths } from '../lib/workDir';
import { packageFacts, planPackages } from './packageBuild';

const pathKind = (p: string): PathKind => {
  try {
    return fs.statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
};

/** What the packages come to: each source's plan, the package set's id when it is known now, and which packages change. */
export interface PackagesOutcome {
  plan: PackagesPlan;
  /** null: known only once the packages are built (or the tarball downloaded) */
  setId: string | null;
  /** binary package -> the source that rebuilds it */
  rebuilt: Map<string, string>;
  /** the first source rebuilt: the repo's index changes */
  indexChangedBy: string | null;
}

/** What prep would leave, as the facts show it now: the base image, the packages, the repo, the artifact. */
export interface PrepOutcomes {
  base: BaseImage | null;
  osFamily: OsFamily;
  packages: PackagesOutcome;
  repo: RepoOutcome;
  ansible: { plan: AnsiblePlan; sha256: string | null; artifact: string };
}

/** planPrep: prep's plan, from facts only. */
export async function prepOutcomes(run: Run): Promise<PrepOutcomes> {
  const docker = await run.engine();
  const c = run.config;
  const local = await localImage(docker, c.baseImage);
  const base: BaseImage | null = local ? { ref: c.baseImage, id: local.id, how: 'local' } : null;
  const osFamily: OsFamily = c.osFamily ?? (await familyOfRunningRepo(run, docker)) ?? 'deb';
  const { input } = choosePackagesInput(c.packages, pathKind);
  const packages = await packagesOutcome(run, input, base);
  const repo = await repoOutcome(run, docker, input, base, packages, osFamily);
  return { base, osFamily, packages, repo, ansible: await ansiblePlan(run) };
}

/**
 * osFamily not set: the build reads the base image's /etc/os-release in a created container; plan
 * creates none, and reads it in the running repo container (built from the base image) instead.
 */
async function familyOfRunningRepo(run: Run, docker: Docker): Promise<OsFamily | null> {
  const name = repoContainerName(run.config.os, run.config.repo.port);
  if (!(await localContainer(docker, name))?.running) return null;
  const r = await execCapture(docker.getContainer(name), ['cat', '/etc/os-release']).catch(() => null);
  return r?.code === 0 ? familyFromOsRelease(r.stdout.toString('utf8')) : null;
}

/** Prep's outcomes when prep has run: its results as they are (tests of synthetic families hash against the demo's). */
export function prepFromResults(repo: RepoResult, ansible: AnsibleResult, base: BaseImage): PrepOutcomes {
  return {
    base, osFamily: repo.family ?? 'deb',
    packages: { plan: { input: repo.source, sources: [] }, setId: null, rebuilt: new Map(), indexChangedBy: null },
    repo: { plan: { action: 'reused', buildImage: false, reason: 'prep ran' }, result: repo, index: { indexHash: repo.indexHash, packages: repo.packages } },
    ansible: { plan: { action: 'reuse', reason: 'prep ran' }, sha256: ansible.sha256, artifact: ansible.artifact },
  };
}

/** Over several engines: which one would build each image to build (lib/plan/enginePlan.ts). */
async function onEngines(run: Run, graph: ImageGraph, entries: ImagePlan[]): Promise<ImagePlan[]> {
  if (run.config.engines == null) return entries;
  const engines = await buildingEngines(run);
  if (engines.length < 2) return entries;
  const builds = new Set(entries.filter((e) => e.action === 'build').map((e) => e.component));
  const times = estimator(previousBuildTimes(readTextOrNull(workPaths(run.config.workDir).summary)));
  const at = await placeBuilds(graph, builds, engineSlots(engines), times);
  return entries.map((e) => (at.has(e.component) ? { ...e, engine: at.get(e.component) } : e));
}

export async function plan(run: Run, needs: { prep: PrepOutcomes }): Promise<Plan> {
  const c = run.config;
  const { prep } = needs;
  const entries = await imagePlans(run, await run.engine(), prep);
  const result: Plan = {
    base: { ref: c.baseImage, action: prep.base ? 'local' : 'make' }, osFamily: c.osFamily ?? `${prep.osFamily} (osFamily not set: read in the running repo container, else deb; the build reads the base image)`,
    packages: prep.packages.plan, repo: prep.repo.plan, ansible: prep.ansible.plan, entries,
  };
  if (c.flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else for (const line of formatRunPlan(result)) run.log.info(line);
  return result;
}

async function packagesOutcome(run: Run, input: PackagesInput, base: BaseImage | null): Promise<PackagesOutcome> {
  const none = { rebuilt: new Map<string, string>(), indexChangedBy: null };
  if (input.kind === 'url') return { plan: { input: 'url', sources: [] }, setId: null, ...none };
  if (input.kind === 'tar') {
    const id = input.remote ? null : `tar:${await sha256File(input.location)}`;
    return { plan: { input: 'tar', sources: [] }, setId: id, ...none };
  }
  if (input.kind === 'dir') {
    const files = flattenFiles(await hashFiles(findPackageFiles(input.dir, packageFamily(run.config.osFamily ?? 'deb').ext)), input.dir);
    return { plan: { input: 'dir', sources: [] }, setId: packageSetId(files), ...none };
  }
  const order = run.config.packages.build.sources.map((s) => s.name);
  if (!base) {
    const sources = order.map((name): SourcePlan => ({ name, action: 'build', reason: 'the base image is made first' }));
    return { plan: { input: 'build', sources }, setId: null, rebuilt: new Map(), indexChangedBy: order[0] ?? null };
  }
  const { pr, resolved, keys } = await packageFacts(run, packageFamily(run.config.osFamily ?? 'deb'), async () => base);
  // sources no longer configured leave the manifest before planning, as packageBuild does
  pr.manifest = updateManifest(pr.manifest, null, order).manifest;
  if (!packagesPresent(pr.manifest, keys, (f) => fs.existsSync(path.join(pr.paths.packages, f)))) {
    const stored = await findPackages(await runCache(run), run.config.os, run.config.version, keys);
    if (stored) {
      const sources = order.map((name): SourcePlan => ({ name, action: 'restore', reason: 'the work folder lacks its packages; the cache registry has them' }));
      return { plan: { input: 'build', sources }, setId: manifestSetId(stored.manifest), rebuilt: new Map(), indexChangedBy: null };
    }
  }
  const decisions = await planPackages(pr, resolved);
  const sources = resolved.map((r, i): SourcePlan => {
    if (decisions[i].skip) return { name: r.source.name, action: 'skip', reason: 'unchanged' };
    const what = describeChange(sourceChange(r, pr.manifest.sources.find((e) => e.name === r.source.name)));
    return { name: r.source.name, action: 'build', reason: what ? `${decisions[i].reason}: ${what}` : decisions[i].reason };
  });
  const rebuilt = new Map<string, string>();
  for (const s of sources.filter((x) => x.action === 'build')) {
    for (const f of pr.manifest.sources.find((e) => e.name === s.name)?.files ?? []) rebuilt.set(f.package, s.name);
  }
  const first = sources.find((s) => s.action === 'build')?.name ?? null;
  return { plan: { input: 'build', sources }, setId: first ? null : manifestSetId(pr.manifest), rebuilt, indexChangedBy: first };
}

/** A source as resolved now against what the manifest records of it. */
function sourceChange(r: ResolvedSource, entry: ManifestSource | undefined): SourceChange {
  const recorded = new Map((entry?.sandbox?.projects ?? []).map((p) => [p.name, p.commit]));
  return {
    now: r.commit ?? r.revision, before: entry ? entry.commit ?? entry.revision : null,
    projects: r.sandbox?.projects.map((p) => ({ name: p.name, now: p.commit, before: entry ? recorded.get(p.name) ?? null : null })),
  };
}

/** The id of the package set a manifest records, as contrailRepo computes it from the files (lib/packages/collect.ts). */
const manifestSetId = (m: Manifest): string =>
  packageSetId(m.sources.flatMap((s) => s.files).map((f) => ({ name: f.file, sha256: f.sha256 })).sort((a, b) => a.name.localeCompare(b.name)));

export interface RepoOutcome {
  plan: RepoPlan;
  /** what image builds will be handed (its URL, host, key...; the index hashes come from `index`) */
  result: RepoResult;
  /** what the repo serves now, read from its running container; null when it cannot be read */
  index: IndexNow | null;
}

async function repoOutcome(run: Run, docker: Docker, input: PackagesInput, base: BaseImage | null, packages: PackagesOutcome, osFamily: OsFamily): Promise<RepoOutcome> {
  const c = run.config;
  if (input.kind === 'url') {
    const result: RepoResult = { url: input.url, host: pinHost(input.url), priority: c.repo.priority, distribution: input.distribution, indexHash: '', packages: {}, source: 'url', image: null, container: null };
    // the existing repository is read by contrailRepo at build time; its index is not fetched here
    return { plan: { action: 'none', buildImage: false, reason: `packages.url ${input.url}` }, result, index: null };
  }
  const url = repoUrl(c.repo.host, c.repo.port);
  const name = repoContainerName(c.os, c.repo.port);
  const ref = repoImageRef(c.os, c.version);
  const result: RepoResult = { url, host: pinHost(url), priority: c.repo.priority, distribution: './', indexHash: '', packages: {}, source: input.kind, image: null, container: null, family: osFamily };
  const [image, container] = [await localImage(docker, ref), await localContainer(docker, name)];
  let plan: RepoPlan;
  if (packages.setId === null || !base) {
    const why = packages.indexChangedBy ? `package source ${packages.indexChangedBy} rebuilt` : !base ? 'the base image is made first' : 'the packages are known once downloaded';
    plan = { action: 'created', buildImage: true, reason: why };
  } else {
    const flavor = packageFamily(osFamily).repo;
    const imageHash = repoImageHash({ baseImage: base, packageSetId: packages.setId, flavor });
    const p = planRepoServer({ image, container, imageHash, containerHash: repoContainerHash(imageHash, c.repo.host, c.repo.port) });
    plan = { action: p.container, buildImage: p.buildImage, reason: p.reason };
  }
  // the running container's index serves for the packages no source rebuilds (their files are the same)
  const readable = container?.running && (plan.action === 'reused' || packages.indexChangedBy !== null);
  const index = readable ? await readIndex(docker, container, url, osFamily) : null;
  return { plan, result, index };
}

async function readIndex(docker: Docker, container: LocalContainer, url: string, osFamily: OsFamily): Promise<IndexNow | null> {
  const flavor = packageFamily(osFamily).repo;
  const r = await readRepoIndex(docker, container, url, flavor);
  if (r.text === undefined) return null;
  const s = flavor.summarize(r.text);
  return { indexHash: s.indexHash, packages: s.packages };
}

/** The family's plan from its facts, with the packages and artifact as prep would leave them; images found in the cache registry are fetched. */
async function imagePlans(run: Run, docker: Docker, prep: PrepOutcomes): Promise<ImagePlan[]> {
  const { packages, repo, ansible } = prep;
  const base = prep.base ?? { ref: run.config.baseImage, id: 'not there yet', how: 'local' as const };
  const ansibleSha = ansible.sha256 ?? `pending:contrail-ansible (${ansible.plan.reason})`;
  const family = prepareFamily(run, { repo: { ...repo.result, family: prep.osFamily }, ansible: { artifact: ansible.artifact, sha256: ansibleSha, commit: '', manifest: '' }, base });
  const facts = await gatherFacts(run, docker, family);
  for (const [name, f] of facts) {
    if (f.problem) continue;
    const installs = family.images.get(name)!.recipe.packages;
    const planned = plannedPackages(installs, repo.index, packages.rebuilt, packages.indexChangedBy);
    if (planned) facts.set(name, { ...f, own: { ...f.own, packages: planned.packages }, changedBy: planned.changedBy });
    else facts.set(name, { ...f, undecided: `its packages are known once the repo serves (${repo.plan.action === 'started' ? 'the repo container is stopped' : 'no repo container runs'})` });
    // a given artifact at a URL is fetched by the build: what it holds is not known before
    if (name === BASE && ansible.sha256 === null && ansible.plan.action === 'given') facts.set(name, { ...facts.get(name)!, undecided: 'the given contrail-ansible artifact is fetched at build time' });
  }
  // images to build whose input hash is known now are looked up in the cache registry, as buildImages does
  const cache = await runCache(run);
  const asked = new Set<string>();
  const options = { noCache: run.config.noCache };
  for (;;) {
    const entries = planFamily(family.graph.order, facts, options);
    const ask = entries.filter((e) => cache && e.action === 'build' && e.inputHash && !hasPending(e.inputs!.packages) && e.inputs!.ansible?.startsWith('pending:') !== true && !asked.has(e.component));
    if (ask.length === 0) return onEngines(run, family.graph, entries);
    for (const e of ask) {
      asked.add(e.component);
      const found = await findFamilyImage(cache!, e.ref, e.inputHash!);
      if (found) facts.set(e.component, { ...facts.get(e.component)!, inRegistry: { inputHash: e.inputHash!, id: found.id } });
    }
  }
}
