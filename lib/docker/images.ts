/**
 * The engine adapter for images: every inspection, pull, tag and removal of an image goes
 * through here, with the engine's 404 read as absence and our labels read in one way. The
 * streaming calls (build, push, save, import) and archive uploads live beside it in this folder
 * (build.ts, archive.ts); dockerode's type gaps are bridged only in these files.
 */
import type Docker from 'dockerode';
import { LABELS, PROJECT } from './labels';
import { inspectOrNull, statusOf } from './notFound';
import { followJsonStream } from './stream';

/** An image as the engine has it, with what our labels say about it. */
export interface LocalImage {
  id: string;
  size: number;
  labels: Record<string, string>;
  /** our input-hash label; undefined on images this project did not make */
  inputHash: string | undefined;
  /** made by this project */
  ours: boolean;
  /** tags pointing at it (none: dangling) */
  tags: string[];
  /** seconds since the epoch */
  created: number;
}

/** The image under `ref` (a tag or an id), or null when the engine has none. */
export async function localImage(docker: Docker, ref: string): Promise<LocalImage | null> {
  const i = await inspectOrNull(docker.getImage(ref).inspect());
  if (!i) return null;
  const labels = i.Config?.Labels ?? {};
  return {
    id: i.Id,
    size: i.Size,
    labels,
    inputHash: labels[LABELS.inputHash] || undefined,
    ours: labels[LABELS.project] === PROJECT,
    tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
    created: Date.parse(i.Created) / 1000,
  };
}

/** The image's id when `ref` exists and carries the input hash `hash`. */
export async function currentImageId(docker: Docker, ref: string, hash: string): Promise<string | undefined> {
  const image = await localImage(docker, ref);
  return image?.inputHash === hash ? image.id : undefined;
}

/** Pulls `ref`; the engine's error message when it cannot, else undefined. */
export async function pullImage(docker: Docker, ref: string, options: { auth?: object; signal?: AbortSignal } = {}): Promise<string | undefined> {
  try {
    const pullOptions = options.auth ? { authconfig: { ...options.auth }, abortSignal: options.signal } : { abortSignal: options.signal };
    const stream = (await docker.pull(ref, pullOptions as object)) as unknown as NodeJS.ReadableStream;
    return (await followJsonStream(stream)).error;
  } catch (e) {
    return ((e as { json?: { message?: string } }).json?.message ?? (e as Error).message).trim();
  }
}

/**
 * Removes images that a rebuild untagged, children first, when they are ours and nothing else
 * uses them (a container, or an image not rebuilt in this run: the engine refuses, it stays).
 */
export async function removeUnusedImages(docker: Docker, ids: string[]): Promise<void> {
  for (const id of [...ids].reverse()) {
    const i = await localImage(docker, id).catch(() => null);
    if (!i || i.tags.length || !i.ours) continue;
    await docker.getImage(id).remove({ noprune: false }).catch(() => undefined);
  }
}

/** Removes an image: 'removed', 'absent' (the engine has none), or 'in use' (a container or child image holds it). */
export async function removeImage(docker: Docker, id: string, options: { force?: boolean } = {}): Promise<'removed' | 'absent' | 'in use'> {
  try {
    await docker.getImage(id).remove({ force: options.force ?? false });
    return 'removed';
  } catch (e) {
    const status = statusOf(e);
    if (status === 404) return 'absent';
    if (status === 409) return 'in use';
    throw e;
  }
}

/** Tags the image `id` as repository:tag. */
export async function tagImage(docker: Docker, id: string, repository: string, tag: string): Promise<void> {
  await docker.getImage(id).tag({ repo: repository, tag });
}

/** `POST /images/{name}/push`: its progress stream, with the credentials sent along (never stored by the engine). */
export async function pushStream(docker: Docker, repository: string, tag: string, auth: object, signal?: AbortSignal): Promise<NodeJS.ReadableStream> {
  // dockerode's types lack abortSignal on push; it passes it on to the request
  const options = { tag, authconfig: { ...auth }, abortSignal: signal } as Parameters<Docker.Image['push']>[0];
  return (await docker.getImage(repository).push(options)) as unknown as NodeJS.ReadableStream;
}

/** `GET /images/get?names=...`: one `docker save` tar of the images, streamed. */
export async function saveStream(docker: Docker, names: string[], signal?: AbortSignal): Promise<NodeJS.ReadableStream> {
  // getImages is in dockerode but not in its type definitions
  const withSave = docker as unknown as { getImages(o: { names: string[]; abortSignal?: AbortSignal }): Promise<NodeJS.ReadableStream> };
  return withSave.getImages({ names, abortSignal: signal });
}

/** `POST /images/create?fromSrc=-`: a root file system tar imported as repository:tag, with Dockerfile `changes`. */
export async function importStream(docker: Docker, rootfs: NodeJS.ReadableStream, repository: string, tag: string, changes: string[]): Promise<NodeJS.ReadableStream> {
  const options = { repo: repository, tag, changes } as unknown as object;
  return (await docker.importImage(rootfs as unknown as string, options)) as unknown as NodeJS.ReadableStream;
}
