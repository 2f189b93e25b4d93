import { LABELS } from '../lib/docker/labels';
import type { Run } from '../lib/run';
import { imagesToShip, type ShipImage } from '../lib/ship';
import { buildImages } from './buildImages';
import { contrailRepo } from './contrailRepo';

/** The family buildImages produced and the contrail-repo image, as save and push ship them. */
export async function shippableImages(run: Run, action: 'save' | 'push'): Promise<ShipImage[]> {
  const build = await buildImages(run);
  const repo = await contrailRepo(run);
  let repoImage: ShipImage | null = null;
  if (repo.image) {
    const info = await (await run.engine()).getImage(repo.image.id).inspect();
    repoImage = {
      component: 'repo',
      ref: repo.image.ref,
      id: repo.image.id,
      inputHash: info.Config.Labels?.[LABELS.inputHash] ?? '',
      size: info.Size,
    };
  }
  return imagesToShip(build, repoImage, action);
}
