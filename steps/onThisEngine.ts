import { familyFromRegistry } from '../lib/cache/familyImages';
import { runCache } from '../lib/cache/run';
import { localImage } from '../lib/docker/images';
import type { Run } from '../lib/run';
import type { ShipImage } from '../lib/ship';

/**
 * The images built on another engine (many engines) pulled onto this one from the registry, by
 * their identity tags: save writes its archive from here, push reads their documents here. Only
 * the layers this engine lacks come down (a child's own, when it holds the parent). `which`
 * picks the images that need it; the others are returned as they are.
 */
export async function onThisEngine(run: Run, images: ShipImage[], which: (image: ShipImage) => boolean = () => true): Promise<ShipImage[]> {
  const docker = await run.engine();
  const fromRegistry = familyFromRegistry(run, await runCache(run));
  const out: ShipImage[] = [];
  for (const image of images) {
    if (image.local !== false || !which(image)) {
      out.push(image);
      continue;
    }
    const id = await fromRegistry.ensureLocal(image);
    out.push({ ...image, id, local: true, size: (await localImage(docker, id))?.size ?? image.size });
  }
  return out;
}
