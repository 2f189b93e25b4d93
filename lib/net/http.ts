/**
 * http(s) downloads from the host: streamed to a file (never held in memory), written under a
 * temporary name until complete, and bounded: no byte for `idleTimeoutMs`, more than `maxBytes`,
 * or longer than `totalTimeoutMs` in all ends it, saying which limit it was. Redirects are
 * followed by hand, so a redirect from https to plain http, or one that would carry the URL's
 * credentials to another host, is refused instead of followed.
 */
import * as fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { atomicOutput } from '../fs/atomic';
import { redactUrl } from '../redact';

/**
 * Why a download failed. `unreachable`: the server did not answer or answered with an error
 * (a fallback may apply). `limit`: a configured limit ended it. `refused`: we would not follow
 * where it led. The message never holds the URL's credentials.
 */
export type HttpFailure = 'unreachable' | 'limit' | 'refused';

export class HttpError extends Error {
  constructor(message: string, readonly status?: number, readonly failure: HttpFailure = 'unreachable') {
    super(message);
  }
}

/** Generous defaults: a full contrail-install-packages tarball is about a gigabyte. */
export const DOWNLOAD_DEFAULTS = { maxMegabytes: 8192, timeoutMinutes: 60 } as const;
const MAX_REDIRECTS = 10;

const reason = (e: unknown): string => {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return err.message || 'timed out';
  return err.cause?.code ?? err.cause?.message ?? err.message;
};

export interface GetOptions {
  /** give up when no byte arrives for this long */
  idleTimeoutMs?: number;
  /** give up when the whole download takes longer than this */
  totalTimeoutMs?: number;
  /** give up past this many bytes */
  maxBytes?: number;
  /** the setting that sets the limits, named in their messages (e.g. 'download.maxMegabytes') */
  limitNames?: { size: string; time: string };
  signal?: AbortSignal;
}

/** `https://user:pw@host/x` -> the URL without them, and the Authorization header they make (fetch refuses them in the URL). */
export function splitCredentials(url: string): { url: string; authorization: string | null } {
  const u = new URL(url);
  if (!u.username && !u.password) return { url, authorization: null };
  const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  u.username = '';
  u.password = '';
  return { url: u.toString(), authorization: `Basic ${basic}` };
}

/**
 * Where a redirect may go: never from https down to http (anyone on the way could then answer),
 * and not to another host while credentials ride along. Returns why not, or null. Pure.
 */
export function redirectProblem(from: string, to: string, withCredentials: boolean): string | null {
  const a = new URL(from);
  const b = new URL(to);
  if (b.protocol !== 'http:' && b.protocol !== 'https:') return `it redirects to a ${b.protocol} URL`;
  if (a.protocol === 'https:' && b.protocol === 'http:') return `it redirects from https to plain http (${redactUrl(to)})`;
  if (withCredentials && a.host !== b.host) return `it redirects to another host (${b.host}) and the URL carries credentials`;
  return null;
}

async function get(url: string, options: GetOptions): Promise<{ body: Readable; stop: () => void; idle: () => void; limit: AbortController }> {
  const controller = new AbortController();
  const idleMs = options.idleTimeoutMs ?? 30_000;
  const totalMs = options.totalTimeoutMs ?? DOWNLOAD_DEFAULTS.timeoutMinutes * 60_000;
  const names = options.limitNames ?? { size: 'the size limit', time: 'the time limit' };
  let timer: NodeJS.Timeout | undefined;
  const idle = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new HttpError(`no data for ${idleMs / 1000} s`)), idleMs);
  };
  const total = setTimeout(() => controller.abort(new HttpError(
    `it took longer than ${names.time} (${formatLimit(totalMs)}), so it was stopped`, undefined, 'limit')), totalMs);
  const onAbort = () => controller.abort(options.signal?.reason);
  // the run's signal outlives the download: its listener goes when the download stops
  const stop = () => {
    clearTimeout(timer);
    clearTimeout(total);
    options.signal?.removeEventListener('abort', onAbort);
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  idle();
  const { url: first, authorization } = splitCredentials(url);
  let res: Response;
  let at = first;
  try {
    for (let hops = 0; ; hops++) {
      res = await fetch(at, { signal: controller.signal, redirect: 'manual', headers: authorization ? { Authorization: authorization } : {} });
      const location = res.headers.get('location');
      if (res.status < 300 || res.status > 399 || !location) break;
      await res.body?.cancel();
      const next = new URL(location, at).toString();
      const problem = redirectProblem(at, next, authorization !== null);
      if (problem) throw new HttpError(`${problem}; not followed`, res.status, 'refused');
      if (hops >= MAX_REDIRECTS) throw new HttpError(`more than ${MAX_REDIRECTS} redirects`, res.status, 'refused');
      at = next;
    }
  } catch (e) {
    stop();
    if (e instanceof HttpError) throw e;
    const why = controller.signal.reason instanceof HttpError ? controller.signal.reason
      : new HttpError(controller.signal.aborted ? reason(controller.signal.reason) : reason(e));
    throw why;
  }
  if (!res.ok || !res.body) {
    stop();
    await res.body?.cancel();
    throw new HttpError(`HTTP ${res.status} ${res.statusText}`.trim(), res.status);
  }
  const max = options.maxBytes ?? DOWNLOAD_DEFAULTS.maxMegabytes * 1024 * 1024;
  const length = Number(res.headers.get('content-length') ?? NaN);
  if (length > max) {
    stop();
    await res.body.cancel();
    throw new HttpError(`it is ${formatBytes(length)}, more than ${names.size} (${formatBytes(max)})`, undefined, 'limit');
  }
  return { body: Readable.fromWeb(res.body as any), stop, idle, limit: controller };
}

const formatBytes = (n: number) => (n >= 1 << 20 ? `${Math.round(n / (1 << 20))} MiB` : `${n} bytes`);
const formatLimit = (ms: number) => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);

/** Counts bytes as they pass, ending the download past `max` (a server may send more than it said). */
function counter(max: number, sizeName: string, idle: () => void): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      idle();
      size += chunk.length;
      if (size > max) return done(new HttpError(`it is more than ${sizeName} (${formatBytes(max)})`, undefined, 'limit'));
      done(null, chunk);
    },
  });
}

const failure = (e: unknown, limit: AbortController): HttpError =>
  e instanceof HttpError ? e : limit.signal.reason instanceof HttpError ? limit.signal.reason : new HttpError(reason(e));

/** Downloads `url` to `file`; throws HttpError saying why it could not. */
export async function downloadFile(url: string, file: string, options: GetOptions = {}): Promise<void> {
  const out = atomicOutput(file);
  try {
    const { body, stop, idle, limit } = await get(url, options);
    const max = options.maxBytes ?? DOWNLOAD_DEFAULTS.maxMegabytes * 1024 * 1024;
    try {
      await pipeline(body, counter(max, options.limitNames?.size ?? 'the size limit', idle), fs.createWriteStream(out.tempPath));
      out.commit();
    } catch (e) {
      throw failure(e, limit);
    } finally {
      stop();
    }
  } finally {
    out.abort();
  }
}

/** Fetches a small resource into memory (at most `maxBytes`, default 256 MiB). */
export async function fetchBytes(url: string, options: GetOptions = {}): Promise<Buffer> {
  const opts = { ...options, maxBytes: options.maxBytes ?? 256 << 20 };
  const { body, stop, idle, limit } = await get(url, opts);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      idle();
      size += chunk.length;
      if (size > opts.maxBytes) throw new HttpError(`it is more than ${opts.limitNames?.size ?? 'the size limit'} (${formatBytes(opts.maxBytes)})`, undefined, 'limit');
      chunks.push(chunk as Buffer);
    }
  } catch (e) {
    throw failure(e, limit);
  } finally {
    stop();
  }
  return Buffer.concat(chunks);
}

/** The config's `download` limits as download options, named as the user sets them. */
export function downloadLimits(d: { maxMegabytes: number; timeoutMinutes: number }): GetOptions {
  return {
    maxBytes: d.maxMegabytes * 1024 * 1024,
    totalTimeoutMs: d.timeoutMinutes * 60_000,
    limitNames: { size: 'download.maxMegabytes', time: 'download.timeoutMinutes' },
  };
}
