/**
 * The images save and push ship: every image buildImages produced (built or up to date) and the
 * contrail-repo image. Shipping part of a family is worse than shipping nothing: a failed or
 * blocked image stops both.
 */
import { buildError } from './errors';
import type { BuildResult } from './steps';

export interface ShipImage {
  /** 'base', a component, or 'repo' */
  component: string;
  /** the local name, contrail-<component>-<os>:<version> */
  ref: string;
  /** sha256:... */
  id: string;
  inputHash: string;
  size: number | null;
  /** false: the image is not on this engine, only in the cache registry (found there by its input hash) */
  local?: boolean;
  /** taken from the cache registry in this run (not built here): it ships the documents it was built with */
  fromCache?: boolean;
  /** more identity tags it is published under (the repo image's `src-<sources key>`) */
  alsoTags?: string[];
}

export function imagesToShip(build: BuildResult, repoImage: ShipImage | null, action: 'save' | 'push'): ShipImage[] {
  const broken = build.images.filter((i) => i.status === 'failed' || i.status === 'blocked' || !i.id);
  if (broken.length) {
    throw buildError(
      `cannot ${action}: ${broken.map((i) => `${i.ref} (${i.id ? i.status : 'no image'})`).join(', ')} did not build`,
      action === 'push'
        ? 'fix the failed images (their logs are in the work folder\'s logs/) and run again; nothing was pushed: every version tag in the registry is where it was'
        : 'fix the failed images (their logs are in the work folder\'s logs/) and run again; nothing was shipped',
    );
  }
  const images: ShipImage[] = build.images.map((i) => ({
    component: i.component, ref: i.ref, id: i.id!, inputHash: i.inputHash, size: i.size, local: i.local !== false,
    ...(i.how === 'from the registry' ? { fromCache: true } : {}),
  }));
  if (repoImage && !images.some((i) => i.ref === repoImage.ref)) images.push(repoImage);
  return images;
}
