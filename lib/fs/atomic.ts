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

export function writeFileAtomic(file: string, data: string | Buffer): void {
  const out = atomicOutput(file);
  try {
    fs.writeFileSync(out.tempPath, data);
    out.commit();
  } finally {
    out.abort();
  }
}
