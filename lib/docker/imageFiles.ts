/**
 * Reading an image's files without running it: a container is created (never started), the
 * paths are fetched through the engine's archive API, and the container is removed. Cheaper than
 * `docker run`, and it works for images without a shell. For what only a program in the image
 * can answer (rpm's database), runInImage runs one command with no network.
 */
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { tarLibrary as tar } from '../fs/tarLibrary';
import { demuxBuffer } from './exec';
import { statusOf } from './notFound';
import { projectLabels } from './labels';

/** a file bigger than this is not read (a package database is a few MiB at most) */
const MAX_FILE = 64 << 20;

async function withCreated<T>(docker: Docker, image: string, cmd: string[], fn: (c: Docker.Container) => Promise<T>): Promise<T> {
  const container = await docker.createContainer({
    Image: image, Entrypoint: [], Cmd: cmd, NetworkDisabled: true, Labels: projectLabels('build-step'),
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    return await fn(container);
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** Reads files of one created container; see readImageFiles. */
export type FileReader = (paths: string[], accept?: (file: string) => boolean) => Promise<Map<string, string>>;

/**
 * The regular files under each of `paths` that `accept` takes (absolute paths inside the image
 * -> text). A path the image does not have is left out.
 */
async function readFrom(container: Docker.Container, paths: string[], accept: (file: string) => boolean = () => true): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const source of paths) {
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await container.getArchive({ path: source })) as unknown as NodeJS.ReadableStream;
    } catch (e) {
      if (statusOf(e) === 404) continue;
      throw e;
    }
    // the archive's paths start at the source's last component: /usr/share/doc -> doc/...
    const parent = source.replace(/\/[^/]*\/?$/, '');
    const parser = new (tar().Parser)({
      onReadEntry: (entry) => {
        const file = `${parent}/${entry.path.replace(/^\.\//, '').replace(/\/$/, '')}`;
        if (entry.type !== 'File' || (entry.size ?? 0) > MAX_FILE || !accept(file)) {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (d: Buffer) => chunks.push(d));
        entry.on('end', () => files.set(file, Buffer.concat(chunks).toString('utf8')));
      },
    });
    await pipeline(stream, parser as unknown as NodeJS.WritableStream);
  }
  return files;
}

/** Reads files of `image` through one created (never started) container, as often as `fn` asks. */
export async function withImageFiles<T>(docker: Docker, image: string, fn: (read: FileReader) => Promise<T>): Promise<T> {
  return withCreated(docker, image, ['true'], (container) => fn((paths, accept) => readFrom(container, paths, accept)));
}

export async function readImageFiles(docker: Docker, image: string, paths: string[], accept: (file: string) => boolean = () => true): Promise<Map<string, string>> {
  return withImageFiles(docker, image, (read) => read(paths, accept));
}

/** Runs `cmd` in a throw-away container of `image` (no network); its exit code and standard output. */
export async function runInImage(docker: Docker, image: string, cmd: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return withCreated(docker, image, cmd, async (container) => {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const out = (await container.logs({ stdout: true, stderr: false, follow: false })) as unknown as Buffer;
    const err = (await container.logs({ stdout: false, stderr: true, follow: false })) as unknown as Buffer;
    return { code: StatusCode, stdout: demuxBuffer(out), stderr: demuxBuffer(err) };
  });
}

/** What the engine records about how an image was made. */
export interface ImageRecord {
  id: string;
  /** when the engine made it (ISO) */
  created: string;
  labels: Record<string, string>;
  /** registry digests it was pulled or pushed by (`name@sha256:...`) */
  repoDigests: string[];
  /** which builder made its top layer: BuildKit marks its history entries */
  builder: 'buildkit' | 'classic' | 'unknown';
}

export async function imageRecord(docker: Docker, ref: string): Promise<ImageRecord | null> {
  const image = docker.getImage(ref);
  let info: Docker.ImageInspectInfo;
  try {
    info = await image.inspect();
  } catch (e) {
    if (statusOf(e) === 404) return null;
    throw e;
  }
  const history = (await image.history()) as { Comment?: string; CreatedBy?: string }[];
  const top = history[0];
  const builder = !top ? 'unknown' : top.Comment === 'buildkit.dockerfile.v0' ? 'buildkit' : /\/bin\/sh -c|^\|\d+ /.test(top.CreatedBy ?? '') ? 'classic' : 'unknown';
  return { id: info.Id, created: new Date(info.Created).toISOString(), labels: info.Config?.Labels ?? {}, repoDigests: info.RepoDigests ?? [], builder };
}
