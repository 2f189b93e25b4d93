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
