import { loopbackOnTwoMachines } from '../lib/docker/engine';
import { connectRegistry, type EngineRegistryConfig, type RegistryTarget } from '../lib/push/connect';
import { pushAll } from '../lib/push/pushAll';
import type { PushOutcome } from '../lib/push/targets';
import type { Run } from '../lib/run';
import type { AnsibleResult, BuildResult, RepoResult } from '../lib/steps';
import { familyFromRegistry } from '../lib/cache/familyImages';
import { publishAnsibleArtifact } from '../lib/cache/publishAnsible';
import { runCache } from '../lib/cache/run';
import { shippableImages } from './shippableImages';
import { localImage } from '../lib/docker/images';
import { buildError } from '../lib/errors';
import type { Plan } from '../lib/images/familyPlan';
import { publishFromCache, type PublishImage, type PublishOutcome } from '../lib/push/publishFromCache';
import { runStep } from '../lib/step';

/** Before any build: the registry answers and accepts the credentials. */
export async function checkRegistry(run: Run): Promise<RegistryTarget> {
  const address = run.config.registryAddress;
  const twoMachines = address && loopbackOnTwoMachines(run.engineTarget, `the registry ${run.config.registry}`, address.hostname);
  if (twoMachines) run.log.warn(`push: ${twoMachines}`);
  return connectRegistry({
    registry: address,
    user: run.config.push.user,
    env: process.env,
    retries: run.config.push.retries,
    log: run.log,
    signal: run.signal,
    limits: run.config.registryLimits,
    engineRegistryConfig: async () => ((await (await run.engine()).info()) as { RegistryConfig?: EngineRegistryConfig }).RegistryConfig,
  });
}

/** The family and the repo image to the registry, `jobs` at once, each digest read back. */
export async function pushImages(run: Run, needs: { images: BuildResult; repo: RepoResult; ansible: AnsibleResult; target: RegistryTarget }): Promise<PushOutcome[]> {
  const docker = await run.engine();
  // the artifact too, findable by its commit (lib/cache/ansibleArtifact.ts)
  await publishAnsibleArtifact(needs.target, needs.ansible, run.log);
  const fromRegistry = familyFromRegistry(run, await runCache(run));
  const images = await shippableImages(docker, needs.images, needs.repo, 'push');
  // --cache-only stores the family's images; the repo image is pushPrep's (a CI's prep job), and
  // a fresh runner's own build of it (same inputs, another id) is not uploaded again by every job
  const cacheOnly = run.config.flags.cacheOnly;
  return pushAll(docker, {
    target: needs.target, images: cacheOnly ? images.filter((i) => i.component !== 'repo') : images, version: run.config.version,
    jobs: run.config.jobs, retries: run.config.push.retries, log: run.log, signal: run.signal, ensureLocal: (i) => fromRegistry.ensureLocal(i),
    versionTags: !cacheOnly,
  });
}

/**
 * With --cache-only and --images, before anything is built: every ancestor of the selected images
 * is in the registry under its input hash (or up to date here), so it is fetched, never rebuilt;
 * its own job (lib/ci) stores it.
 */
export async function parentsInRegistry(run: Run): Promise<void> {
  const select = run.config.select;
  if (!run.config.flags.cacheOnly || select === null) return;
  const { plan }: typeof import('./index') = require('./index');
  const planned = await runStep(run, plan);
  const missing = planned.entries.filter((e) => !select.includes(e.component) && e.action !== 'fetch' && e.action !== 'skip');
  if (missing.length) {
    throw buildError(`--cache-only never rebuilds a parent, but ${missing.map((e) => e.ref).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in the cache registry under ${missing.length === 1 ? 'its' : 'their'} input hash`,
      `run ${missing.length === 1 ? 'its job' : 'their jobs'} first (npx gulp push --images ${missing.map((e) => e.component).join(',')} --cache-only); nothing was pushed`,
      { details: missing.map((e) => `${e.ref}: ${e.action}, ${e.reason}`) });
  }
}

/** A CI's prep job: the packages (the contrail-repo image) and the contrail-ansible artifact into the registry under their identities; no version tag moves. */
export async function pushPrep(run: Run, needs: { repo: RepoResult; ansible: AnsibleResult; target: RegistryTarget }): Promise<PushOutcome[]> {
  const docker = await run.engine();
  await publishAnsibleArtifact(needs.target, needs.ansible, run.log);
  const repoImage = await shippableImages(docker, { images: [] }, needs.repo, 'push');
  if (repoImage.length === 0) {
    run.log.info('pushPrep: the packages come from packages.url, so there is no contrail-repo image to store');
    return [];
  }
  return pushAll(docker, {
    target: needs.target, images: repoImage, version: run.config.version,
    // a fresh runner builds the repo image anew (another id, the same packages): the one stored stays
    jobs: 1, retries: run.config.push.retries, log: run.log, signal: run.signal, versionTags: false, keepStored: true,
  });
}

/**
 * A CI's final job: the version tags of the whole family (and the repo image) moved to the
 * images already stored under their input hashes, all or nothing (lib/push/publishFromCache.ts).
 */
export async function publishImages(run: Run, needs: { plan: Plan; repo: RepoResult; target: RegistryTarget }): Promise<PublishOutcome[]> {
  const images: PublishImage[] = needs.plan.entries.map((e) => ({ component: e.component, ref: e.ref, inputHash: e.inputHash, reason: e.reason }));
  if (needs.repo.image) {
    const info = await localImage(await run.engine(), needs.repo.image.id);
    images.push({ component: 'repo', ref: needs.repo.image.ref, inputHash: info?.inputHash ?? null });
  }
  return publishFromCache({ target: needs.target, images, version: run.config.version, retries: run.config.push.retries, log: run.log, signal: run.signal });
}
