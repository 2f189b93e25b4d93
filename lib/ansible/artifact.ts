/**
 * A ready contrail-ansible artifact (`ansible.artifact`): fetched from a path or an http(s) URL,
 * and checked to be a gzip tar before it is used. Unreachable and broken are told apart: the
 * first falls back to building from git (as the design says); the second is an error, because a
 * broken artifact must not be silently replaced.
 */
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';

export type Fetched = { reachable: true } | { reachable: false; reason: string };

const isUrl = (s: string) => /^https?:\/\//.test(s);

/** Copies the artifact to `dest`; `reachable: false` says why it could not be had. */
export async function fetchArtifact(given: string, dest: string, signal?: AbortSignal, timeoutMs = 60_000): Promise<Fetched> {
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
  const timeout = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetch(given, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, redirect: 'follow' });
  } catch (e) {
    if (signal?.aborted) throw e;
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return { reachable: false, reason: cause?.code ?? cause?.message ?? (e as Error).message };
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    return { reachable: false, reason: `HTTP ${res.status} ${res.statusText}`.trim() };
  }
  try {
    await pipeline(Readable.fromWeb(res.body as any), fs.createWriteStream(dest));
  } catch (e) {
    if (signal?.aborted) throw e;
    return { reachable: false, reason: `the download broke off (${(e as Error).message})` };
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
    await tar.t({ file, strict: true, onReadEntry: () => void entries++ });
  } catch (e) {
    return `it is not a valid gzip tar (${(e as Error).message})`;
  }
  return entries === 0 ? 'it is an empty tar' : undefined;
}
