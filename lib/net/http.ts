/**
 * http(s) downloads from the host: streamed to a file (never held in memory), with a bound on
 * the time without progress, and written under a temporary name until complete.
 */
import * as fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { atomicOutput } from '../fs/atomic';

export class HttpError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

const reason = (e: unknown): string => {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return err.message || 'timed out';
  return err.cause?.code ?? err.cause?.message ?? err.message;
};

export interface GetOptions {
  /** give up when no byte arrives for this long */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
}

async function get(url: string, options: GetOptions): Promise<{ body: Readable; stop: () => void; idle: () => void }> {
  const controller = new AbortController();
  const idleMs = options.idleTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const idle = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new HttpError(`no data for ${idleMs / 1000} s`)), idleMs);
  };
  const onAbort = () => controller.abort(options.signal?.reason);
  // the run's signal outlives the download: its listener goes when the download stops
  const stop = () => {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  idle();
  let res: Response;
  try {
    res = await fetch(url, { signal: controller.signal, redirect: 'follow' });
  } catch (e) {
    stop();
    const why = controller.signal.aborted ? reason(controller.signal.reason) : reason(e);
    throw new HttpError(why);
  }
  if (!res.ok || !res.body) {
    stop();
    throw new HttpError(`HTTP ${res.status} ${res.statusText}`.trim(), res.status);
  }
  return { body: Readable.fromWeb(res.body as any), stop, idle };
}

/** Downloads `url` to `file`; throws HttpError saying why it could not. */
export async function downloadFile(url: string, file: string, options: GetOptions = {}): Promise<void> {
  const out = atomicOutput(file);
  const { body, stop, idle } = await get(url, options);
  const progress = new Transform({
    transform(chunk, _enc, done) {
      idle();
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, progress, fs.createWriteStream(out.tempPath));
    out.commit();
  } catch (e) {
    throw e instanceof HttpError ? e : new HttpError(reason(e));
  } finally {
    stop();
    out.abort();
  }
}

/** Fetches a small resource into memory (at most `maxBytes`). */
export async function fetchBytes(url: string, options: GetOptions & { maxBytes?: number } = {}): Promise<Buffer> {
  const { body, stop, idle } = await get(url, options);
  const max = options.maxBytes ?? 256 << 20;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      idle();
      size += chunk.length;
      if (size > max) throw new HttpError(`more than ${max} bytes`);
      chunks.push(chunk as Buffer);
    }
  } catch (e) {
    throw e instanceof HttpError ? e : new HttpError(reason(e));
  } finally {
    stop();
  }
  return Buffer.concat(chunks);
}
