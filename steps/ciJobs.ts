/**
 * The steps of a CI pipeline's jobs (lib/ci), usable by hand too: pushPrep (the prep job),
 * the --cache-only check of an image job, and publish (the final job).
 */
import { localImage } from '../lib/docker/images';
import { buildError } from '../lib/errors';
import type { ImagePlan } from '../lib/images/familyPlan';
import type { Plan } from '../lib/plan/runPlan';
import type { RegistryTarget } from '../lib/push/connect';
import { publishFromCache, type PublishImage, type PublishOutcome } from '../lib/push/publishFromCache';
import { pushAll } from '../lib/push/pushAll';
import type { PushOutcome } from '../lib/push/targets';
import { publishAnsibleArtifact } from '../lib/cache/publishAnsible';
import type { Run } from '../lib/run';
import type { AnsibleResult, RepoResult } from '../lib/steps';
import { shippableImages } from './shippableImages';

/**
 * With --cache-only and --images, before anything is built: every ancestor of the selected images
 * is in the registry under its input hash (or up to date here), so it is fetched, never rebuilt;
 * its own job (lib/ci) stores it. Planned after prep (steps/index.ts), so no image is undecided
 * for want of a repo that serves.
 */
export async function parentsInRegistry(run: Run, needs: { plan: () => Promise<Plan> }): Promise<void> {
  const select = run.config.select;
  if (!run.config.flags.cacheOnly || select === null) return;
  const planned = await needs.plan();
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
export async function publishImages(run: Run, needs: { repo: RepoResult; target: RegistryTarget; plan: () => Promise<Plan> }): Promise<PublishOutcome[]> {
  const images: PublishImage[] = (await needs.plan()).entries.map(publishImage);
  if (needs.repo.image) {
    const info = await localImage(await run.engine(), needs.repo.image.id);
    images.push({ component: 'repo', ref: needs.repo.image.ref, inputHash: info?.inputHash ?? null });
  }
  return publishFromCache({ target: needs.target, images, version: run.config.version, retries: run.config.push.retries, log: run.log, signal: run.signal });
}

/** An image as publish sees it: an undecided one has no input hash, so publishFromCache names it missing with the plan's reason. */
const publishImage = (e: ImagePlan): PublishImage =>
  ({ component: e.component, ref: e.ref, inputHash: e.action === 'undecided' ? null : e.inputHash, reason: e.reason });
