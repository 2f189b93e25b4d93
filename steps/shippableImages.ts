import type Docker from 'dockerode';
import { localImage } from '../lib/docker/images';
import { imagesToShip, type ShipImage } from '../lib/ship';
import type { BuildResult, RepoResult } from '../lib/steps';

/** The family buildImages produced and the contrail-repo image, as save and push ship them. */
export async function shippableImages(docker: Docker, images: BuildResult, repo: RepoResult, action: 'save' | 'push'): Promise<ShipImage[]> {
  let repoImage: ShipImage | null = null;
  if (repo.image) {
    const info = await localImage(docker, repo.image.id);
    repoImage = { component: 'repo', ref: repo.image.ref, id: repo.image.id, inputHash: info?.inputHash ?? '', size: info?.size ?? 0 };
  }
  return imagesToShip(images, repoImage, action);
}
