/**
 * Files into and out of containers through the engine API (putArchive/getArchive), never bind
 * mounts: the engine may be on another machine.
 */
import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { type Tar, tarLibrary as tar } from '../fs/tarLibrary';
import { tarEntryProblem } from '../packages/tarRules';

/** A folder's files as the uncompressed tar stream the engine takes for a build context or an upload. */
export function folderTar(dir: string, files: string[] = fs.readdirSync(dir)): NodeJS.ReadableStream {
  // tar's stream is a Node stream in all but its type
  return tar().c({ cwd: dir, portable: true }, files) as unknown as NodeJS.ReadableStream;
}

/** Uploads a tar stream into the container, unpacked under `target`. */
export async function putTar(container: Docker.Container, stream: NodeJS.ReadableStream, target: string): Promise<void> {
  await container.putArchive(stream, { path: target });
}

export interface PutOptions {
  /** relative paths (with '/') to leave out */
  exclude?: (relative: string) => boolean;
  /** where the entries go inside `target`, e.g. 'contrail-lib/tree' */
  prefix?: string;
}

/** Copies the folder `dir` (its content) to `target` in the container (which must exist there). */
export async function putFolder(container: Docker.Container, dir: string, target: string, options: PutOptions = {}): Promise<void> {
  const pack = tar().c(
    {
      cwd: dir,
      portable: true,
      prefix: options.prefix,
      filter: (p) => !options.exclude?.(p.replace(/^\.\//, '')),
    },
    ['.'],
  );
  await container.putArchive(pack as unknown as NodeJS.ReadableStream, { path: target });
}

/** Copies named files of `dir` to `target` in the container. */
export async function putFiles(container: Docker.Container, dir: string, files: string[], target: string): Promise<void> {
  if (files.length === 0) return;
  const pack = tar().c({ cwd: dir, portable: true }, files);
  await container.putArchive(pack as unknown as NodeJS.ReadableStream, { path: target });
}

/**
 * Extracts the regular files under `source` in the container into the host folder `dest`
 * (created). Entries that are not plain files and folders with relative paths are skipped.
 * Returns the files written, relative to `dest`.
 */
export async function getFiles(container: Docker.Container, source: string, dest: string, accept: (relative: string) => boolean = () => true): Promise<string[]> {
  fs.mkdirSync(dest, { recursive: true });
  const written: string[] = [];
  const stream = (await container.getArchive({ path: source })) as unknown as NodeJS.ReadableStream;
  await pipeline(
    stream,
    tar().x({
      cwd: dest,
      strict: true,
      preserveOwner: false,
      filter: (p, entry) => {
        const type = (entry as Tar.ReadEntry).type;
        if (tarEntryProblem({ path: p, type }) || type === 'Directory') return false;
        if (!accept(p)) return false;
        written.push(p);
        return true;
      },
    }),
  );
  return written;
}
