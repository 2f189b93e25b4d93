/**
 * Which push failures are worth another try, and how long to wait before it. A registry that is
 * restarting, overloaded or briefly unreachable recovers; a refused login or an invalid manifest
 * does not, and retrying those only delays the error.
 */
import type { Logger } from '../log';
import { formatDuration } from '../text';

export type FailureKind = 'transient' | 'permanent';

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EAI_AGAIN',
  'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'UND_ERR_SOCKET',
]);

/** Words the engine and registries use for failures that a retry cannot fix. Checked first. */
const PERMANENT = [
  /denied/i, /unauthori[sz]ed/i, /authentication required/i, /forbidden/i, /no basic auth credentials/i,
  /insufficient[_ ]scope/i, /manifest (?:invalid|unknown|blob unknown|unverified)/i, /name (?:invalid|unknown)/i,
  /tag invalid/i, /size invalid/i, /digest invalid/i, /blob upload invalid/i, /invalid reference format/i,
  /does not exist locally/i, /no such image/i, /repository name must/i, /unsupported/i,
];

const TRANSIENT = [
  /connection refused/i, /connection reset/i, /broken pipe/i, /\bEOF\b/, /timeout/i, /timed out/i,
  /no route to host/i, /network is unreachable/i, /temporary failure in name resolution/i,
  /server misbehaving/i, /too many requests/i, /service unavailable/i, /bad gateway/i,
  /internal server error/i, /request canceled/i, /socket hang up/i, /closed the stream/i,
  // the engine's words when the registry dropped the connection under an upload
  /use of closed network connection/i,
];

/** An HTTP status in the message, as the engine and our registry client write it. */
const STATUS = /(?:HTTP|status(?: code)?:?)\s*([1-5]\d\d)\b/i;

export function classifyFailure(error: unknown): FailureKind {
  const e = error as { code?: unknown; statusCode?: unknown; status?: unknown; kind?: unknown; message?: unknown };
  if (e && (e.kind === 'input' || (e as { permanent?: unknown }).permanent === true)) return 'permanent';
  const text = errorText(error);
  if (PERMANENT.some((re) => re.test(text))) return 'permanent';
  if (typeof e?.code === 'string' && TRANSIENT_CODES.has(e.code)) return 'transient';
  const status = typeof e?.status === 'number' ? e.status
    : typeof e?.statusCode === 'number' ? e.statusCode
      : Number(STATUS.exec(text)?.[1] ?? NaN);
  if (status === 429 || status === 408) return 'transient';
  if (status >= 500 && status <= 599) return 'transient';
  if (status >= 400 && status <= 499) return 'permanent';
  if (TRANSIENT.some((re) => re.test(text))) return 'transient';
  return 'permanent';
}

/** A one-line account of any thrown value, with the system error code when there is one. */
export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const msg = error.message.split('\n')[0];
    return code && !msg.includes(code) ? `${msg} (${code})` : msg;
  }
  return String(error);
}

export interface Backoff {
  /** the first wait */
  baseMs: number;
  /** no wait is longer */
  maxMs: number;
}

export const PUSH_BACKOFF: Backoff = { baseMs: 500, maxMs: 8000 };

/** The wait before retry `n` (1-based): base, 2×base, 4×base, ..., capped. */
export function backoffDelay(n: number, backoff: Backoff = PUSH_BACKOFF): number {
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** (n - 1));
}

/** The error that ends the retries: the last failure, how it was judged, and how many attempts. */
export class RetriesEnded extends Error {
  constructor(readonly last: unknown, readonly kind: FailureKind, readonly attempts: number) {
    super(errorText(last), { cause: last });
  }
}

export interface RetryOptions {
  /** retries after the first attempt (config push.retries) */
  retries: number;
  /** what is being tried, for the log: 'push of contrail-base-ubuntu16.04:4.0' */
  what: string;
  log: Logger;
  signal?: AbortSignal;
  backoff?: Backoff;
  classify?: (error: unknown) => FailureKind;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('interrupted'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason ?? new Error('interrupted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, a failure is permanent, or the retries are used up; each
 * retry is logged with its reason and wait, so a flaky registry is visible, not silent.
 */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const classify = options.classify ?? classifyFailure;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (e) {
      if (options.signal?.aborted) throw e;
      const kind = classify(e);
      if (kind === 'permanent' || n >= options.retries) throw new RetriesEnded(e, kind, n + 1);
      const wait = backoffDelay(n + 1, options.backoff);
      options.log.warn(`${options.what} failed (${errorText(e)}): retry ${n + 1} of ${options.retries} in ${formatDuration(wait)}`);
      await sleep(wait, options.signal);
    }
  }
}
