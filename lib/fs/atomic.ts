/**
 * Nothing half-written: outputs go to a temporary name beside their final one and are renamed
 * only when complete. A crash or interruption leaves at most a `.tmp-*` file, which clean removes.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const TEMP_MARK = '.tmp-';

export function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `${TEMP_MARK}${crypto.randomBytes(6).toString('hex')}-${path.basename(file)}`);
}

export interface AtomicOutput {
  /** write here */
  readonly tempPath: string;
  /** rename into place */
  commit(): void;
  /** remove the temporary file (safe to call after commit) */
  abort(): void;
}

export function atomicOutput(file: string): AtomicOutput {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tempPath = tempNameFor(file);
  let done = false;
  return {
    tempPath,
    commit() {
      fs.renameSync(tempPath, file);
      done = true;
    },
    abort() {
      if (!done) fs.rmSync(tempPath, { force: true, recursive: true });
    },
  };
}

/** Runs `write(tempPath)`, then renames into place; on any failure removes the temporary file. */
export async function writeAtomically<T>(file: string, write: (tempPath: string) => Promise<T> | T): Promise<T> {
  const out = atomicOutput(file);
  try {
    const result = await write(out.tempPath);
    out.commit();
    return result;
  } finally {
    out.abort();
  }
}

/**
 * Small state files (manifests, summary): the content is on disk before the rename, and the
 * rename is on disk before we return, so a crash leaves the old file or the new one, never a
 * renamed but empty one.
 */
export function writeFileAtomic(file: string, data: string | Buffer): void {
  const out = atomicOutput(file);
  try {
    const fd = fs.openSync(out.tempPath, 'w');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    out.commit();
    syncFolder(path.dirname(file));
  } finally {
    out.abort();
  }
}

/** fsync a file that is complete, before it is renamed into place. */
export function syncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsync a folder, so a rename into it is durable. Some file systems refuse: nothing more to do there. */
export function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR' && code !== 'EBADF') throw e;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
