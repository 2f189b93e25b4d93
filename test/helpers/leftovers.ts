/**
 * What a Docker test file leaves behind: rebuilding a tag leaves the old image dangling (no tag,
 * no child). Each file removes, at its end, the dangling images it made: this project's label,
 * one of the file's own versions, created since the file started. Nothing else: the engine is
 * shared, and other files' images (or other people's) are not ours to remove.
 */
import type { TestFn } from 'ava';
import { LABELS, projectFilter } from '../../lib/docker/labels';
import { docker } from './docker';

/** The dangling images of these versions created at or after `sinceSeconds` (engine time, seconds). */
export async function danglingImages(versions: (version: string) => boolean, sinceSeconds: number): Promise<string[]> {
  const images = await docker.listImages({ all: false, filters: { dangling: ['true'], label: projectFilter().label } });
  return images.filter((i) => i.Created >= sinceSeconds && versions(i.Labels?.[LABELS.version] ?? '')).map((i) => i.Id);
}

/** Registers the end-of-file removal; `versions` tells the file's own versions. */
export function removeDanglingAfter(test: TestFn<any>, versions: (version: string) => boolean): void {
  // a second of slack: the engine's Created is in whole seconds
  const since = Math.floor(Date.now() / 1000) - 1;
  test.after.always('remove the dangling images this file made', async () => {
    for (const id of await danglingImages(versions, since)) {
      try {
        await docker.getImage(id).remove({ noprune: false });
      } catch {
        // in use by a container still stopping, or gone already: not worth failing the file over
      }
    }
  });
}

/** `oneOf('t-ansible', /^t-night-/)`: a version predicate from names and patterns. */
export const oneOf = (...names: (string | RegExp)[]) => (v: string) =>
  names.some((n) => (typeof n === 'string' ? n === v : n.test(v)));
