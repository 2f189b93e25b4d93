/**
 * The image ids of an image's parents, which go into its content hash: a family parent's from
 * this run, the OS image's from the baseImage step, any other image's from the engine (pulled
 * when it is not local, as `docker build` would).
 */
import type Docker from 'dockerode';
import { followJsonStream } from '../lib/docker/stream';
import { normalizeRef } from '../lib/images/dockerfile';
import { familyLookalike } from '../lib/images/graph';
import type { Run } from '../lib/run';
import { existingImage, isBaseImage, type PreparedFamily, type PreparedImage } from './family';

export type Parents =
  | { kind: 'ids'; ids: Record<string, string> }
  /** a parent cannot be had: the image fails with this */
  | { kind: 'missing'; problem: string }
  /** plan only: a parent would be rebuilt or pulled, so its id is not known yet */
  | { kind: 'unknown'; parent: string };

export async function resolveParents(
  run: Run, docker: Docker, family: PreparedFamily, img: PreparedImage,
  familyIds: Map<string, string | null>, options: { pull: boolean },
): Promise<Parents> {
  const byRef = new Map([...family.images.values()].map((i) => [normalizeRef(i.ref), i.name]));
  const ids: Record<string, string> = {};
  const where = (line: number) => `${img.recipe.dockerfile}:${line}`;
  for (const p of img.parentRefs) {
    const member = byRef.get(normalizeRef(p.ref));
    if (member !== undefined) {
      const id = familyIds.get(member);
      if (id === null || id === undefined) return { kind: 'unknown', parent: family.images.get(member)!.ref };
      ids[p.ref] = id;
      continue;
    }
    if (isBaseImage(family, p.ref)) {
      ids[p.ref] = family.base.id;
      continue;
    }
    const local = await existingImage(docker, p.ref);
    if (local) {
      ids[p.ref] = local.id;
      continue;
    }
    const lookalike = familyLookalike(p.ref, run.config.os, run.config.version);
    if (lookalike) {
      return { kind: 'missing', problem: `parent ${p.ref} (${where(p.line)}) is an image of this family that the config does not define (no images.${lookalike})` };
    }
    if (!options.pull) return { kind: 'unknown', parent: `${p.ref} (not local; the build would pull it)` };
    let error: string | undefined;
    try {
      error = (await followJsonStream(await docker.pull(p.ref) as unknown as NodeJS.ReadableStream)).error;
    } catch (e) {
      error = (e as { json?: { message?: string } }).json?.message ?? (e as Error).message;
    }
    const pulled = error ? null : await existingImage(docker, p.ref);
    if (!pulled) return { kind: 'missing', problem: `parent ${p.ref} (${where(p.line)}) is not local and cannot be pulled: ${(error ?? 'not found after the pull').trim()}` };
    run.log.info(`${img.name}: pulled parent ${p.ref}`);
    ids[p.ref] = pulled.id;
  }
  return { kind: 'ids', ids };
}
