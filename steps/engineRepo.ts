/**
 * The contrail repo each engine's image builds install from. With several engines the packages
 * are made once (packageBuild and contrailRepo run on the first engine that answers); the repo
 * image goes to the hand-off registry under its `src-` tag (`h-` when the packages did not come
 * from sources), and every other engine pulls it by that tag and serves it from a repo container
 * of its own, on a port of its own (lib/packages/repoPorts.ts): repo containers use host
 * networking, so engines on one machine would collide on one port.
 */
import { handOffRegistry } from '../lib/cache/run';
import { pullFound } from '../lib/cache/registryCache';
import { hashTag } from '../lib/cache/identity';
import type { CachedImage } from '../lib/cache/lookup';
import { localImage, removeImage } from '../lib/docker/images';
import { buildError } from '../lib/errors';
import { packageFamily } from '../lib/packages/families';
import { planEngineRepo } from '../lib/packages/engineRepo';
import { repoPorts } from '../lib/packages/repoPorts';
import { serveRepoImage } from '../lib/packages/repoServer';
import { pushAll } from '../lib/push/pushAll';
import type { LiveEngine, Run } from '../lib/run';
import type { RepoResult } from '../lib/steps';
import { formatDuration } from '../lib/text';
import { shippableImages } from './shippableImages';

export interface EngineRepo {
  /** what CONTRAIL_REPO_URL is for the images built on this engine */
  url: string;
  port: number;
}

/**
 * The repo URL for the image builds on `engine`, its repo container serving; once per engine and
 * run. `repo` is the run's contrailRepo result (made on the first engine that answers).
 */
export function repoOnEngine(run: Run, engine: LiveEngine, repo: RepoResult): Promise<EngineRepo> {
  return run.once(`repo-on-engine ${engine.target.address}`, async () => {
    const first = run.config.engines === null || (await run.liveEngines())[0].target.address === engine.target.address;
    const local = repo.image && !first ? await localImage(engine.docker, repo.image.ref) : null;
    const plan = planEngineRepo({ first, repoImage: repo.image, local });
    if (plan.kind === 'the run repo') return { url: repo.url, port: portOf(repo.url) };

    const started = Date.now();
    const stored = await repoImageInRegistry(run, repo);
    const ref = repo.image!.ref;
    if (plan.pull) await pullFound(engine.docker, stored.auth, stored.found, ref, run.signal);
    // the repo image this engine had before, once nothing uses it
    if (local && local.id !== stored.found.id) await removeImage(engine.docker, local.id).catch(() => undefined);
    const port = repoPorts(run.engines, run.config.repo.port)[run.engines.findIndex((e) => e.target.address === engine.target.address)];
    const served = await serveRepoImage(engine.docker, {
      os: run.config.os, version: run.config.version, host: run.config.repo.host, port, network: run.config.network,
      signal: run.signal, flavor: packageFamily(repo.family ?? 'deb').repo,
      image: { ref, id: stored.found.id, inputHash: stored.inputHash },
    }, run.log);
    if (served.index.indexHash !== repo.indexHash) {
      throw buildError(`contrail-repo on ${engine.name}: ${served.url} serves another package index than the run's repo ${repo.url}`,
        `the registry's ${stored.found.place.repository}:${stored.found.tag} is not the image the run served; run again (it is pushed anew)`);
    }
    run.log.info(`contrail-repo on ${engine.name}: ${served.url} serves ${Object.keys(served.index.packages).length} packages ` +
      `(${plan.pull ? `pulled by :${stored.found.tag.slice(0, 16)}…, ` : ''}${served.action}, ${formatDuration(Date.now() - started)})`);
    return { url: served.url, port };
  });
}

const portOf = (url: string): number => {
  const u = new URL(url);
  return Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
};

interface StoredRepo {
  found: CachedImage;
  inputHash: string;
  /** the engines' X-Registry-Auth payload; holds the secret: never log it */
  auth: Record<string, string>;
}

/**
 * The run's repo image in the hand-off registry, once per run: pushed from the first engine under
 * its identity tags (as pushPrep stores it; not uploaded again when there), then found by the
 * tag the other engines pull: `src-<sources key>`, else `h-<image hash>`.
 */
function repoImageInRegistry(run: Run, repo: RepoResult): Promise<StoredRepo> {
  return run.once('repo-image-in-registry', async () => {
    const cache = await handOffRegistry(run);
    const docker = await run.engine();
    const [image] = await shippableImages(docker, { images: [] }, repo, 'push');
    await pushAll(docker, {
      target: { address: cache.address, client: cache.client, auth: cache.auth, credentialSource: null, user: run.config.push.user },
      images: [image], version: run.config.version, jobs: 1, retries: run.config.push.retries, log: run.log, signal: run.signal,
      versionTags: false,
    });
    const tag = image.alsoTags?.[0] ?? hashTag(image.inputHash);
    const found = await cache.find(image.ref, tag);
    if (!found || found.id !== image.id) {
      throw buildError(`contrail-repo: the registry ${cache.address.host} has ${found ? 'another image' : 'nothing'} under ${image.ref.replace(/:.*/, '')}:${tag} after the push of ${image.id}`,
        'check that nothing else writes there, and run again');
    }
    return { found, inputHash: image.inputHash, auth: cache.auth };
  });
}
