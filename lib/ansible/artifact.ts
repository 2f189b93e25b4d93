/**
 * A ready contrail-ansible artifact (`ansible.artifact`): fetched from a path or an http(s) URL,
 * and checked to be a gzip tar before it is used. Unreachable and broken are told apart: the
 * first falls back to building from git (as the design says); the second is an error, because a
 * broken artifact must not be silently replaced.
 */
import * as fs from 'node:fs';
import { inputError } from '../errors';
import { downloadFile, type GetOptions, HttpError } from '../net/http';
import { redactUrl } from '../redact';
import { tarLibrary as tar } from '../fs/tarLibrary';

export type Fetched = { reachable: true } | { reachable: false; reason: string };

const isUrl = (s: string) => /^https?:\/\//.test(s);

/**
 * Copies the artifact to `dest`; `reachable: false` says why it could not be had. A download that
 * a limit ended, or a redirect we refuse to follow, is an input error, not "unreachable": falling
 * back to git would hide it.
 */
export async function fetchArtifact(given: string, dest: string, options: GetOptions = {}): Promise<Fetched> {
  if (!isUrl(given)) {
    try {
      const st = fs.statSync(given);
      if (!st.isFile()) return { reachable: false, reason: 'it is not a file' };
      fs.copyFileSync(given, dest);
      return { reachable: true };
    } catch (e) {
      return { reachable: false, reason: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message };
    }
  }
  try {
    await downloadFile(given, dest, { idleTimeoutMs: 60_000, ...options });
  } catch (e) {
    if (options.signal?.aborted || !(e instanceof HttpError)) throw e;
    if (e.failure !== 'unreachable') {
      throw inputError(`ansible.artifact ${redactUrl(given)} cannot be downloaded: ${e.message}`,
        'fix the URL or the server, or raise download.maxMegabytes / download.timeoutMinutes if the artifact is really that large');
    }
    return { reachable: false, reason: e.message };
  }
  return { reachable: true };
}

/** Undefined when `file` is a gzip-compressed tar with at least one entry, else what is wrong with it. */
export async function gzipTarProblem(file: string): Promise<string | undefined> {
  const head = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  try {
    if (fs.readSync(fd, head, 0, 2, 0) < 2 || head[0] !== 0x1f || head[1] !== 0x8b) return 'it is not gzip-compressed';
  } finally {
    fs.closeSync(fd);
  }
  let entries = 0;
  try {
    await tar().t({ file, strict: true, onReadEntry: () => void entries++ });
  } catch (e) {
    return `it is not a valid gzip tar (${(e as Error).message})`;
  }
  return entries === 0 ? 'it is an empty tar' : undefined;
}
