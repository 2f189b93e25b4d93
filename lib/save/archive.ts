/**
 * Writes image archives and artifacts into the save folder, streamed end to end (engine -> tar
 * check -> gzip -> hash -> file), under a temporary name renamed only when complete and checked.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { saveStream } from '../docker/images';
import { buildError, isPipelineError } from '../errors';
import { atomicOutput, syncFile, syncFolder } from '../fs/atomic';
import { type Compressor, gzipCompressor } from './compressor';
import { saveFolderError } from './saveFolder';
import { TarInspector, tarProblems, type TarFindings } from './tarCheck';

/** Counts and hashes what flows through. */
export class HashCounter extends Transform {
  private readonly hash = crypto.createHash('sha256');
  size = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

export interface WrittenFile {
  sha256: string;
  size: number;
}

const isFsError = (e: unknown) => typeof (e as NodeJS.ErrnoException)?.code === 'string' && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code!)
  && typeof (e as NodeJS.ErrnoException).syscall === 'string';

export interface ArchiveRequest {
  /** image references to save, in one `GET /images/get` */
  names: string[];
  /** absolute path of the .tar.gz */
  file: string;
  /** the save folder, for messages */
  dir: string;
  gzipLevel: number;
  /** default: pigz when on PATH, else zlib */
  compressor?: Compressor;
  signal?: AbortSignal;
}

/** `docker save names... | gzip` into `file`, checked; returns the gzip's hash and size and the tar's findings. */
export async function writeImageArchive(docker: Docker, req: ArchiveRequest): Promise<WrittenFile & { tar: TarFindings }> {
  let out;
  try {
    out = atomicOutput(req.file);
  } catch (e) {
    throw saveFolderError(e, req.dir, req.file);
  }
  try {
    let source: NodeJS.ReadableStream;
    try {
      source = await saveStream(docker, req.names, req.signal);
    } catch (e) {
      throw buildError(`the engine cannot save ${req.names.join(', ')}: ${(e as Error).message}`, 'check that the images exist: docker image ls');
    }
    const inspector = new TarInspector();
    const counter = new HashCounter();
    try {
      await pipeline(
        source,
        inspector,
        (req.compressor ?? gzipCompressor(req.gzipLevel)).stream(),
        counter,
        fs.createWriteStream(out.tempPath, { flags: 'wx' }),
        { signal: req.signal },
      );
      syncFile(out.tempPath);
    } catch (e) {
      if (isFsError(e)) throw saveFolderError(e, req.dir, req.file);
      throw e;
    }
    const tar = inspector.findings();
    const problems = tarProblems(tar, req.names);
    if (problems.length) {
      throw buildError(`the archive ${req.file} would be incomplete, so it was not written`, 'run save again; if it repeats, check the engine (docker info) and its free space', { details: problems });
    }
    out.commit();
    syncFolder(req.dir);
    return { sha256: counter.digest(), size: counter.size, tar };
  } catch (e) {
    if (isPipelineError(e) || req.signal?.aborted) throw e;
    throw buildError(`saving ${req.names.join(', ')} into ${req.file} failed: ${(e as Error).message}`, undefined, { cause: e });
  } finally {
    out.abort();
  }
}

/** Copies a file into the save folder (temporary name, hash checked, rename). */
export async function copyInto(source: string, file: string, dir: string, expectedSha256: string | null, signal?: AbortSignal): Promise<WrittenFile> {
  let out;
  try {
    out = atomicOutput(file);
  } catch (e) {
    throw saveFolderError(e, dir, file);
  }
  try {
    const counter = new HashCounter();
    try {
      await pipeline(fs.createReadStream(source), counter, fs.createWriteStream(out.tempPath, { flags: 'wx' }), { signal });
      syncFile(out.tempPath);
    } catch (e) {
      if (isFsError(e) && (e as NodeJS.ErrnoException).path !== source) throw saveFolderError(e, dir, file);
      throw buildError(`copying ${source} into ${dir} failed: ${(e as Error).message}`, undefined, { cause: e });
    }
    const sha256 = counter.digest();
    if (expectedSha256 && sha256 !== expectedSha256) {
      throw buildError(`${source} changed while it was copied (sha256 ${sha256}, expected ${expectedSha256})`, 'run save again');
    }
    out.commit();
    return { sha256, size: counter.size };
  } finally {
    out.abort();
  }
}
