/**
 * What a Docker test file leaves behind: rebuilding a tag leaves the old image dangling (no tag,
 * no child). Each file removes, at its end, the images that became dangling while it ran: this
 * project's label, one of the file's own versions, not dangling when the file started. Nothing
 * else: the engine is shared, and other files' images (or other people's) are not ours to remove.
 */
import type { TestFn } from 'ava';
import { LABELS, projectFilter } from '../../lib/docker/labels';
import { docker } from './docker';

/** The dangling images of this project whose version label passes `versions`. */
export async function danglingImages(versions: (version: string) => boolean): Promise<string[]> {
  const images = await docker.listImages({ all: false, filters: { dangling: ['true'], label: projectFilter().label } });
  return images.filter((i) => versions(i.Labels?.[LABELS.version] ?? '')).map((i) => i.Id);
}

/** Registers the snapshot at the file's start and the removal at its end; `versions` tells the file's own versions. */
export function removeDanglingAfter(test: TestFn<any>, versions: (version: string) => boolean): void {
  let before = new Set<string>();
  test.before('note the dangling images already there', async () => {
    before = new Set(await danglingImages(versions));
  });
  test.after.always('remove the images this file left dangling', () => removeNewlyDangling(before, versions));
}

/** Removes the dangling images of `versions` that are not in `before`; returns their ids. */
export async function removeNewlyDangling(before: ReadonlySet<string>, versions: (version: string) => boolean): Promise<string[]> {
  const removed: string[] = [];
  for (const id of await danglingImages(versions)) {
    if (before.has(id)) continue;
    try {
      await docker.getImage(id).remove();
      removed.push(id);
    } catch {
      // in use by a container still stopping, or gone already: not worth failing the file over
    }
  }
  return removed;
}

/** `oneOf('t-ansible', /^t-night-/)`: a version predicate from names and patterns. */
export const oneOf = (...names: (string | RegExp)[]) => (v: string) =>
  names.some((n) => (typeof n === 'string' ? n === v : n.test(v)));
