/**
 * Applies lib/images/pinParents.ts around one build: tags each parent's id under a tag of this
 * build's own, writes the pinned Dockerfile into the staged context (after it was hashed), and
 * removes the tags when the build ends, however it ends.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import type { ParentRef } from '../images/dockerfile';
import { pinnedDockerfile, pinTag } from '../images/pinParents';

let counter = 0;

export async function withPinnedParents<T>(
  docker: Docker,
  build: { contextDir: string; dockerfile: string; text: string; parents: ParentRef[]; ids: Record<string, string> },
  fn: () => Promise<T>,
): Promise<T> {
  const pins: Record<string, string> = {};
  const made: string[] = [];
  try {
    for (const p of build.parents) {
      const id = build.ids[p.ref];
      if (!id || pins[p.ref]) continue;
      const tag = pinTag(p.ref, id, `${process.pid}-${++counter}`);
      const colon = tag.lastIndexOf(':');
      await docker.getImage(id).tag({ repo: tag.slice(0, colon), tag: tag.slice(colon + 1) });
      made.push(tag);
      pins[p.ref] = tag;
    }
    const file = path.join(build.contextDir, build.dockerfile);
    // the staged copy, never the user's file (a link is replaced, not written through)
    fs.rmSync(file, { force: true });
    fs.writeFileSync(file, pinnedDockerfile(build.text, build.parents, pins));
    return await fn();
  } finally {
    for (const tag of made) {
      try {
        // the tag only: the image keeps its other names
        await docker.getImage(tag).remove({ noprune: true });
      } catch {
        // gone already (a clean ran meanwhile)
      }
    }
  }
}
