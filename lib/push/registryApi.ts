/**
 * The little of the registry HTTP API (distribution v2) push needs: `/v2/` to see that the
 * registry answers and accepts the credentials, and a manifest's digest to compare with what the
 * engine pushed. Basic auth and bearer tokens (the two schemes registries use).
 *
 * Every request is bounded: a total deadline (a registry that trickles a byte now and then does
 * not hold the run), the run's abort signal (an interrupt ends it at once), and a size cap on
 * what it answers (manifests and JSON; blobs read into memory).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { inputError } from '../errors';
import { redactUrl } from '../redact';
import { quote } from '../text';
import { REGISTRY_LIMITS } from '../config/defaults';
import type { RegistryLimits } from '../config/types';
import type { Credentials } from './credentials';

export const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

export interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

/** `Bearer realm="https://auth/token",service="registry"` -> its scheme and parameters. */
export function parseChallenge(header: string | undefined): Challenge | null {
  if (!header) return null;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return null;
  const scheme = m[1].toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return null;
  const params: Record<string, string> = {};
  const re = /(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]))) params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  return { scheme, params };
}

/** The registry's name of a repository: `<namespace>/<repository>`, without the host. */
export function apiName(namespace: string, repository: string): string {
  return namespace ? `${namespace}/${repository}` : repository;
}

/** An HTTP answer the client did not expect; `status` drives the retry decision. */
export class RegistryHttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The registry refused these credentials: a retry will not help. */
export class CredentialsRejected extends Error {
  readonly status = 401;
}

/** The registry wants a login and there are no credentials for it. */
export class LoginRequired extends Error {
  readonly status = 401;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  bytes: Buffer;
}

export interface RegistryClientOptions {
  /** host[:port] */
  host: string;
  scheme: 'http' | 'https';
  credentials: Credentials | null;
  /** no byte for this long ends a request */
  timeoutMs?: number;
  limits?: RegistryLimits;
  /** the run's: aborting it ends every request at once */
  signal?: AbortSignal;
}

/** A request past one of registryLimits (named in the message): as a registry error, not retried as a blip. */
export class RegistryLimitError extends Error {
  readonly permanent = true;
}

/** `host:port`, `[::1]:5000` -> the host name alone, as URL.hostname gives it. */
const hostnameOf = (hostPort: string) => new URL(`http://${hostPort}`).hostname;

/**
 * Credentials go to a token service only over https, or to the registry's own host (which then
 * has them already): a registry, or whoever answers for it over plain http, must not be able to
 * send them to another machine in the clear.
 */
export function checkRealm(realm: string, registryHost: string): void {
  const u = new URL(realm);
  if (u.protocol === 'https:' || u.hostname === hostnameOf(registryHost)) return;
  throw inputError(`registry ${registryHost} names the token service ${quote(redactUrl(realm))}, which is neither https nor on the registry's own host: the credentials are not sent there`,
    'use a registry whose token service answers over https (or on its own host), or push without credentials if it allows that');
}

export class RegistryClient {
  readonly host: string;
  readonly scheme: 'http' | 'https';
  private readonly credentials: Credentials | null;
  private readonly timeoutMs: number;
  private readonly limits: RegistryLimits;
  private readonly signal?: AbortSignal;
  private readonly tokens = new Map<string, string>();

  constructor(options: RegistryClientOptions) {
    this.host = options.host;
    this.scheme = options.scheme;
    this.credentials = options.credentials;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.limits = options.limits ?? REGISTRY_LIMITS;
    this.signal = options.signal;
  }

  get base(): string {
    return `${this.scheme}://${this.host}`;
  }

  private basic(): string | null {
    const c = this.credentials;
    if (!c?.username || c.password === undefined) return null;
    return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
  }

  /**
   * One HTTP request, within registryLimits.requestSeconds in all and ended by the run's signal;
   * text answers (JSON, manifests) are capped by maxManifestKilobytes, `raw` ones (blobs) by maxBlobMegabytes.
   */
  request(method: string, url: string, headers: Record<string, string> = {}, body?: string | Buffer, raw = false): Promise<Answer> {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    const max = raw ? this.limits.maxBlobMegabytes * 1024 * 1024 : this.limits.maxManifestKilobytes * 1024;
    const limitName = raw ? `registryLimits.maxBlobMegabytes (${this.limits.maxBlobMegabytes})` : `registryLimits.maxManifestKilobytes (${this.limits.maxManifestKilobytes})`;
    const what = `registry ${this.host}: ${method} ${redactUrl(u.pathname)}`;
    return new Promise((resolve, reject) => {
      if (this.signal?.aborted) return reject(this.signal.reason);
      let settled = false;
      const done = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        this.signal?.removeEventListener('abort', onAbort);
        f();
      };
      const fail = (e: unknown) => done(() => reject(e));
      // the promise settles first: after a response, destroy's error goes to the response, if anywhere
      const stop = (e: Error) => {
        fail(e);
        req.destroy(e);
      };
      const req = lib.request(u, { method, headers, timeout: this.timeoutMs, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const said = Number(res.headers['content-length'] ?? NaN);
        if (said > max) return stop(new RegistryLimitError(`${what}: the answer is ${said} bytes, past ${limitName}`));
        res.on('data', (d: Buffer) => {
          size += d.length;
          if (size > max) return stop(new RegistryLimitError(`${what}: the answer is more than ${max} bytes, past ${limitName}`));
          chunks.push(d);
        });
        res.on('end', () => done(() => {
          const bytes = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: raw ? '' : bytes.toString('utf8'), bytes });
        }));
        res.on('error', fail);
      });
      const deadline = setTimeout(() => stop(new RegistryLimitError(
        `${what}: no complete answer within registryLimits.requestSeconds (${this.limits.requestSeconds} s)`)), this.limits.requestSeconds * 1000);
      const onAbort = () => stop(this.signal!.reason instanceof Error ? this.signal!.reason : new Error('interrupted'));
      this.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('timeout', () => stop(Object.assign(new Error(`no answer from ${u.host} within ${this.timeoutMs / 1000} s (timeout)`), { code: 'ETIMEDOUT' })));
      req.on('error', fail);
      req.end(body);
    });
  }

  /** A bearer token for `scope` ('' for none), from the realm the registry named. */
  private async token(challenge: Challenge, scope: string): Promise<string> {
    const cached = this.tokens.get(scope);
    if (cached) return cached;
    const realm = challenge.params.realm;
    if (!realm || !/^https?:\/\//.test(realm)) throw new RegistryHttpError(502, `registry ${this.host} named no usable token realm`);
    const c = this.credentials;
    if (c) checkRealm(realm, this.host);
    let answer: Answer;
    if (c?.identitytoken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: c.identitytoken, client_id: 'contrail-docker' });
      if (challenge.params.service) form.set('service', challenge.params.service);
      if (scope) form.set('scope', scope);
      answer = await this.request('POST', realm, { 'Content-Type': 'application/x-www-form-urlencoded' }, form.toString());
    } else {
      const u = new URL(realm);
      if (challenge.params.service) u.searchParams.set('service', challenge.params.service);
      if (scope) u.searchParams.set('scope', scope);
      if (c?.username) u.searchParams.set('account', c.username);
      const basic = this.basic();
      answer = await this.request('GET', u.toString(), basic ? { Authorization: basic } : {});
    }
    if (answer.status === 401 || answer.status === 403) {
      if (c) throw new CredentialsRejected(`the token service of ${this.host} refused the credentials`);
      throw new LoginRequired(`registry ${this.host} requires a login`);
    }
    if (answer.status !== 200) throw new RegistryHttpError(answer.status, `token service of ${this.host} answered HTTP ${answer.status}`);
    let token: string | undefined;
    try {
      const data = JSON.parse(answer.body);
      token = data.token ?? data.access_token;
    } catch {
      /* below */
    }
    if (!token) throw new RegistryHttpError(502, `token service of ${this.host} answered without a token`);
    this.tokens.set(scope, token);
    return token;
  }

  /** A request to the registry, answering an auth challenge once. */
  private async call(method: string, p: string, headers: Record<string, string>, scope: string, body?: string | Buffer, raw = false): Promise<Answer> {
    const url = /^https?:\/\//.test(p) ? p : `${this.base}${p}`;
    const basic = this.basic();
    const first = await this.request(method, url, basic ? { ...headers, Authorization: basic } : headers, body, raw);
    if (first.status !== 401) return first;
    const challenge = parseChallenge(first.headers['www-authenticate'] as string | undefined);
    if (challenge?.scheme === 'bearer') {
      const token = await this.token(challenge, scope);
      const second = await this.request(method, url, { ...headers, Authorization: `Bearer ${token}` }, body, raw);
      if (second.status === 401) {
        throw this.credentials ? new CredentialsRejected(`registry ${this.host} refused the credentials`) : new LoginRequired(`registry ${this.host} requires a login`);
      }
      return second;
    }
    if (this.credentials) throw new CredentialsRejected(`registry ${this.host} refused the credentials`);
    throw new LoginRequired(`registry ${this.host} requires a login`);
  }

  /** `/v2/`: the registry answers and accepts the credentials (or needs none). */
  async ping(): Promise<void> {
    const r = await this.call('GET', '/v2/', {}, '');
    if (r.status !== 200) throw new RegistryHttpError(r.status, `${this.base}/v2/ answered HTTP ${r.status}${statusWords(r)}`);
  }

  /** The digest the registry reports for `<name>:<tag>`, or null when it has no such tag. */
  async manifestDigest(name: string, tag: string): Promise<string | null> {
    const r = await this.call('GET', `/v2/${name}/manifests/${encodeURIComponent(tag)}`, { Accept: MANIFEST_ACCEPT }, `repository:${name}:pull`);
    if (r.status === 404) return null;
    if (r.status !== 200) throw new RegistryHttpError(r.status, `manifest ${name}:${tag} on ${this.host}: HTTP ${r.status}${statusWords(r)}`);
    const digest = r.headers['docker-content-digest'];
    if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw new RegistryHttpError(502, `registry ${this.host} sent no Docker-Content-Digest for ${name}:${tag} (got ${quote(digest ?? null)})`);
    }
    return digest;
  }
  /** `<name>:<reference>`'s manifest (reference: a tag or a digest), or null when there is none. */
  async manifest(name: string, reference: string): Promise<Manifest | null> {
    const r = await this.call('GET', `/v2/${name}/manifests/${referencePath(reference)}`, { Accept: MANIFEST_ACCEPT }, `repository:${name}:pull`);
    if (r.status === 404) return null;
    if (r.status !== 200) throw new RegistryHttpError(r.status, `manifest ${name}:${reference} on ${this.host}: HTTP ${r.status}${statusWords(r)}`);
    const digest = r.headers['docker-content-digest'];
    if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw new RegistryHttpError(502, `registry ${this.host} sent no Docker-Content-Digest for ${name}:${reference}`);
    }
    const mediaType = String(r.headers['content-type'] ?? '').split(';')[0].trim();
    return { digest, mediaType, body: r.body };
  }

  /** Stores `m` under `tag`: a tag moved by digest, nothing uploaded but the manifest. */
  async putManifest(name: string, tag: string, m: Manifest): Promise<string> {
    const r = await this.call('PUT', `/v2/${name}/manifests/${referencePath(tag)}`, { 'Content-Type': m.mediaType, 'Content-Length': String(Buffer.byteLength(m.body)) }, `repository:${name}:pull,push`, m.body);
    if (r.status !== 201 && r.status !== 200) throw new RegistryHttpError(r.status, `tagging ${name}:${tag} on ${this.host}: HTTP ${r.status}${statusWords(r)}`);
    const digest = r.headers['docker-content-digest'];
    if (typeof digest === 'string' && digest !== m.digest) {
      throw new RegistryHttpError(502, `registry ${this.host} stored ${name}:${tag} as ${digest}, not ${m.digest}`);
    }
    return m.digest;
  }

  /**
   * The descriptors the referrers API lists for `digest` (OCI distribution 1.1), or null when
   * the registry has no such API (it answers 404): then the referrers tag schema applies.
   */
  async referrers(name: string, digest: string): Promise<{ digest: string; artifactType?: string }[] | null> {
    const r = await this.call('GET', `/v2/${name}/referrers/${digest}`, { Accept: 'application/vnd.oci.image.index.v1+json' }, `repository:${name}:pull`);
    if (r.status === 404 || r.status === 405) return null;
    if (r.status !== 200) throw new RegistryHttpError(r.status, `referrers of ${name}@${digest} on ${this.host}: HTTP ${r.status}${statusWords(r)}`);
    try {
      const index = JSON.parse(r.body) as { manifests?: { digest: string; artifactType?: string }[] };
      if (Array.isArray(index.manifests)) return index.manifests;
    } catch {
      /* below */
    }
    // a 200 that is not an index: a catch-all answer, not the API
    return null;
  }

  /** A blob's bytes (an artifact: whole, in memory). */
  async blobBytes(name: string, digest: string): Promise<Buffer> {
    let r = await this.call('GET', `/v2/${name}/blobs/${digest}`, {}, `repository:${name}:pull`, undefined, true);
    if ([301, 302, 303, 307, 308].includes(r.status) && typeof r.headers.location === 'string') {
      r = await this.request('GET', new URL(r.headers.location, this.base).toString(), {}, undefined, true);
    }
    if (r.status !== 200) throw new RegistryHttpError(r.status, `blob ${name}@${digest} on ${this.host}: HTTP ${r.status}`);
    return r.bytes;
  }

  /** Uploads `data` as the blob `digest` (one request, monolithic), unless the registry has it. */
  async uploadBlob(name: string, digest: string, data: Buffer): Promise<void> {
    const scope = `repository:${name}:pull,push`;
    const head = await this.call('HEAD', `/v2/${name}/blobs/${digest}`, {}, scope);
    if (head.status === 200) return;
    const start = await this.call('POST', `/v2/${name}/blobs/uploads/`, { 'Content-Length': '0' }, scope, '');
    const location = start.headers.location;
    if (start.status !== 202 || typeof location !== 'string') throw new RegistryHttpError(start.status, `blob upload to ${name} on ${this.host}: HTTP ${start.status}${statusWords(start)}`);
    const url = new URL(location, this.base);
    url.searchParams.set('digest', digest);
    const put = await this.call('PUT', url.toString(), { 'Content-Type': 'application/octet-stream', 'Content-Length': String(data.length) }, scope, data);
    if (put.status !== 201) throw new RegistryHttpError(put.status, `blob upload to ${name} on ${this.host}: HTTP ${put.status}${statusWords(put)}`);
  }

  /** A small blob (an image config), as text. */
  async blobText(name: string, digest: string): Promise<string> {
    let r = await this.call('GET', `/v2/${name}/blobs/${digest}`, {}, `repository:${name}:pull`);
    // registries with external storage answer with a redirect to it
    if ([301, 302, 303, 307, 308].includes(r.status) && typeof r.headers.location === 'string') {
      r = await this.request('GET', new URL(r.headers.location, this.base).toString());
    }
    if (r.status !== 200) throw new RegistryHttpError(r.status, `blob ${name}@${digest} on ${this.host}: HTTP ${r.status}${statusWords(r)}`);
    return r.body;
  }
}

/** A tag goes into the path encoded; a digest (`sha256:...`) as it is, the form registries route. */
const referencePath = (reference: string) => (/^sha256:[0-9a-f]{64}$/.test(reference) ? reference : encodeURIComponent(reference));

export interface Manifest {
  digest: string;
  mediaType: string;
  /** the manifest exactly as the registry holds it: PUT back under another tag, it keeps its digest */
  body: string;
}

function statusWords(r: Answer): string {
  try {
    const errors = JSON.parse(r.body).errors as { code?: string; message?: string }[] | undefined;
    if (errors?.length) return ` (${errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ')})`;
  } catch {
    /* not JSON */
  }
  return '';
}

const IMAGE_MANIFESTS = new Set([
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
]);

/** The config digest of an image manifest; null for anything else (an index, a foreign artifact). */
export function configDigest(m: Manifest): string | null {
  try {
    const body = JSON.parse(m.body) as { mediaType?: string; config?: { digest?: string } };
    const type = m.mediaType || body.mediaType || '';
    if (type && !IMAGE_MANIFESTS.has(type)) return null;
    const d = body.config?.digest;
    return typeof d === 'string' && /^sha256:[0-9a-f]{64}$/.test(d) ? d : null;
  } catch {
    return null;
  }
}
