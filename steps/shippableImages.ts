import type Docker from 'dockerode';
import { localImage } from '../lib/docker/images';
import { SOURCES_KEY_LABEL } from '../lib/docker/labels';
import { sourcesTag } from '../lib/cache/identity';
import { imagesToShip, type ShipImage } from '../lib/ship';
import type { BuildResult, RepoResult } from '../lib/steps';

/** The family buildImages produced and the contrail-repo image, as save and push ship them. */
export async function shippableImages(docker: Docker, images: BuildResult, repo: RepoResult, action: 'save' | 'push'): Promise<ShipImage[]> {
  let repoImage: ShipImage | null = null;
  if (repo.image) {
    const info = await localImage(docker, repo.image.id);
    const sourcesKey = info?.labels[SOURCES_KEY_LABEL];
    repoImage = {
      component: 'repo', ref: repo.image.ref, id: repo.image.id, inputHash: info?.inputHash ?? '', size: info?.size ?? 0,
      // built from sources: also findable by their commits and the recipe, before anything is built
      alsoTags: sourcesKey ? [sourcesTag(sourcesKey)] : [],
    };
  }
  return imagesToShip(images, repoImage, action);
}
