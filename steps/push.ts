import { loopbackOnTwoMachines } from '../lib/docker/engine';
import { connectRegistry, type EngineRegistryConfig, type RegistryTarget } from '../lib/push/connect';
import { pushAll } from '../lib/push/pushAll';
import { attachDocuments } from '../lib/sbom/attach';
import { type PushOutcome, pushTargets } from '../lib/push/targets';
import { shipDocuments } from '../lib/sbom/shipDocuments';
import type { OsFamily } from '../lib/packages/osFamily';
import type { Run } from '../lib/run';
import type { AnsibleResult, BuildResult, RepoResult } from '../lib/steps';
import { familyFromRegistry } from '../lib/cache/familyImages';
import { publishAnsibleArtifact } from '../lib/cache/publishAnsible';
import { runCache } from '../lib/cache/run';
import { onThisEngine } from './onThisEngine';
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
export async function pushImages(run: Run, needs: { images: BuildResult; repo: RepoResult; ansible: AnsibleResult; target: RegistryTarget; family: () => Promise<OsFamily> }): Promise<PushOutcome[]> {
  const docker = await run.engine();
  // the artifact too, findable by its commit (lib/cache/ansibleArtifact.ts)
  await publishAnsibleArtifact(needs.target, needs.ansible, run.log);
  const fromRegistry = familyFromRegistry(run, await runCache(run));
  const images = await shippableImages(docker, needs.images, needs.repo, 'push');
  // --cache-only stores the family's images; the repo image is pushPrep's (a CI's prep job), and
  // a fresh runner's own build of it (same inputs, another id) is not uploaded again by every job
  const cacheOnly = run.config.flags.cacheOnly;
  const pushed = cacheOnly ? images.filter((i) => i.component !== 'repo') : images;
  const outcomes = await pushAll(docker, {
    target: needs.target, images: pushed, version: run.config.version,
    jobs: run.config.jobs, retries: run.config.push.retries, log: run.log, signal: run.signal, ensureLocal: (i) => fromRegistry.ensureLocal(i),
    versionTags: !cacheOnly,
  });
  // each image's SBOM and provenance, attached to the manifest just pushed; those taken from a
  // cache registry elsewhere carry the documents they were built with from there to here
  const target = needs.target.address;
  const elsewhere = async () => {
    const cache = await runCache(run);
    return cache && (cache.address.host !== target.host || cache.address.namespace !== target.namespace) ? cache : null;
  };
  // an image another engine built is read here for its documents (those taken from the cache
  // registry keep theirs from there): the pull brings only the layers this engine lacks
  const documented = await onThisEngine(run, pushed, (i) => !i.fromCache);
  const documents = await shipDocuments(docker, { images: documented, repo: needs.repo, ansible: needs.ansible, family: await needs.family(), config: run.config, jobs: run.config.jobs }, elsewhere, run.log);
  const targets = pushTargets(pushed, needs.target.address, run.config.version);
  await attachDocuments(needs.target, targets.map((t, k) => ({ name: t.name, ref: t.image.ref, digest: outcomes[k].digest! })), documents, run.log);
  return outcomes;
}
