/**
 * What the contrail-repo image and container come to, from what the engine has now (their hash
 * labels) and the hashes the package set gives: the one rule ensureRepoServer applies and
 * `gulp plan` prints. Pure: no engine, no files.
 */

/** The repo image and container as the engine has them now; null: not there. */
export interface RepoServerFacts {
  image: { id: string; inputHash?: string } | null;
  container: { image: string; inputHash?: string; running: boolean } | null;
  /** the hash the image would carry for this package set (repoImageHash) */
  imageHash: string;
  /** the hash the container would carry (its image hash, host and port) */
  containerHash: string;
}

/** reuse: the running container as it is; start: the stopped one; create: a new container (its image built first when `buildImage`) */
export type RepoServerAction = 'reused' | 'started' | 'created';

export interface RepoServerPlan {
  buildImage: boolean;
  container: RepoServerAction;
  reason: string;
}

/** Whether the repo image must be built: none there, or one made from other packages (its hash label). */
export const repoImageStale = (image: RepoServerFacts['image'], imageHash: string): boolean => image?.inputHash !== imageHash;

export function planRepoServer(f: RepoServerFacts): RepoServerPlan {
  const buildImage = repoImageStale(f.image, f.imageHash);
  const sameContainer = !buildImage && f.container !== null && f.container.inputHash === f.containerHash && f.container.image === f.image!.id;
  if (sameContainer) {
    return f.container!.running
      ? { buildImage, container: 'reused', reason: 'the running container serves this package set' }
      : { buildImage, container: 'started', reason: 'the container serves this package set, but is stopped' };
  }
  const why = !f.image ? 'no repo image yet'
    : buildImage ? 'the package set (or the repo recipe or base image) changed'
      : !f.container ? 'no repo container yet' : 'the container serves other packages or another address';
  return { buildImage, container: 'created', reason: why };
}
