/**
 * One Docker client for the whole run, and the check that it answers. The engine may be local
 * (the unix socket) or on another machine (DOCKER_HOST=tcp://host:2376 with TLS): the pipeline
 * talks to it only through its API, so everything it builds and runs happens there.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { isLoopback } from '../config/checks';
import { buildError, inputError } from '../errors';
import { quote } from '../text';
import { loadDockerode } from './loadDockerode';
import { header, pingEngine, serverVersion } from './ping';

const DEFAULT_SOCKET = '/var/run/docker.sock';
/** what a TLS folder holds: the CA that signed the engine's certificate, this client's certificate and key */
export const TLS_FILES = ['ca.pem', 'cert.pem', 'key.pem'] as const;

export interface EngineTarget {
  /** for messages: `unix:///var/run/docker.sock`, `tcp://host:2376` */
  address: string;
  /** TLS with the server verified against ca.pem and cert.pem/key.pem as the client's identity */
  tls: { certPath: string } | null;
  /** for `new Docker(...)`; file contents are read by dockerClient, not here */
  options: Docker.DockerOptions;
}

const HOST_EXAMPLES = 'e.g. unix:///var/run/docker.sock, tcp://build-host:2375, or tcp://build-host:2376 with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH';

type EngineHost =
  | { kind: 'unix' | 'ssh'; target: EngineTarget }
  /** hostname as in a URL (IPv6 in brackets); port null when not given */
  | { kind: 'tcp'; hostname: string; port: number | null };

/**
 * An engine address as the docker CLI takes it (unix://PATH, tcp://HOST[:PORT], HOST:PORT,
 * ssh://...), `what` naming it in errors (DOCKER_HOST, an `engines` entry, a context). Pure.
 */
export function parseEngineHost(raw: string, what: string): EngineHost {
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length) || DEFAULT_SOCKET;
    return { kind: 'unix', target: { address: `unix://${socketPath}`, tls: null, options: { socketPath } } };
  }
  // ssh:// is handled by docker-modem itself (through the ssh agent); nothing to add
  if (raw.startsWith('ssh://')) return { kind: 'ssh', target: { address: raw, tls: null, options: {} } };

  const withScheme = raw.includes('://') ? raw : `tcp://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw inputError(`${what} ${quote(raw)} is not an engine address`, HOST_EXAMPLES);
  }
  if (url.protocol !== 'tcp:') {
    throw inputError(`${what} ${quote(raw)}: ${url.protocol.replace(/:$/, '')}:// is not a way to reach a Docker engine`, HOST_EXAMPLES);
  }
  if (!url.hostname || (url.pathname !== '' && url.pathname !== '/') || url.search || url.username) {
    throw inputError(`${what} ${quote(raw)} is not an engine address (tcp://HOST[:PORT] only)`, HOST_EXAMPLES);
  }
  return { kind: 'tcp', hostname: url.hostname, port: url.port ? Number(url.port) : null };
}

/**
 * Where the engine is, read from the environment as the docker CLI reads it: DOCKER_HOST
 * (unix://PATH, tcp://HOST[:PORT], HOST:PORT, ssh://...), TLS when DOCKER_TLS_VERIFY is set to
 * anything, with ca.pem, cert.pem and key.pem from DOCKER_CERT_PATH (default: the docker config
 * folder, $DOCKER_CONFIG or ~/.docker). A tcp address without a port gets 2376 with TLS, else
 * 2375. Pure apart from `exists`.
 */
export function engineTarget(env: NodeJS.ProcessEnv = process.env, exists: (file: string) => boolean = fs.existsSync): EngineTarget {
  const raw = (env.DOCKER_HOST ?? '').trim();
  if (raw === '') return { address: `unix://${DEFAULT_SOCKET}`, tls: null, options: { socketPath: DEFAULT_SOCKET } };
  const place = parseEngineHost(raw, 'DOCKER_HOST');
  if (place.kind !== 'tcp') return place.target;
  const { hostname, port: given } = place;

  const verify = (env.DOCKER_TLS_VERIFY ?? '') !== '';
  const port = given ?? (verify ? 2376 : 2375);
  const host = hostname.replace(/^\[|\]$/g, '');
  const address = `tcp://${hostname}:${port}`;
  // docker-modem reads DOCKER_CERT_PATH's files whenever it is set: check them even without TLS
  if (!verify && !env.DOCKER_CERT_PATH) return { address, tls: null, options: { host, port, protocol: 'http' } };

  const certPath = env.DOCKER_CERT_PATH || env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
  const from = env.DOCKER_CERT_PATH ? 'DOCKER_CERT_PATH' : env.DOCKER_CONFIG ? 'DOCKER_CONFIG (DOCKER_CERT_PATH is not set)' : 'the default ~/.docker (DOCKER_CERT_PATH is not set)';
  const missing = TLS_FILES.filter((f) => !exists(path.join(certPath, f)));
  if (missing.length > 0) {
    throw inputError(`${verify ? 'DOCKER_TLS_VERIFY is set, and ' : ''}${from} ${quote(certPath)} has no ${missing.join(', ')}`,
      verify
        ? "put the engine's CA certificate (ca.pem) and this client's certificate and key (cert.pem, key.pem) there, or point DOCKER_CERT_PATH at the folder that has them; unset DOCKER_TLS_VERIFY for an engine without TLS"
        : 'point DOCKER_CERT_PATH at the folder with ca.pem, cert.pem and key.pem, or unset it for an engine without TLS');
  }
  // as the docker CLI: certificates alone do not turn TLS on, DOCKER_TLS_VERIFY does
  if (!verify) return { address, tls: null, options: { host, port, protocol: 'http' } };
  return { address, tls: { certPath }, options: { host, port, protocol: 'https' } };
}

/** From DOCKER_HOST (unix or tcp; DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for TLS), else the default socket. */
export function dockerClient(env: NodeJS.ProcessEnv = process.env): Docker {
  return clientFor(engineTarget(env));
}

/** The client of an engine target read already. */
export function clientFor(target: EngineTarget): Docker {
  const options: Docker.DockerOptions = { ...target.options };
  if (target.tls) {
    const read = (f: string) => fs.readFileSync(path.join(target.tls!.certPath, f));
    options.ca = read('ca.pem');
    options.cert = read('cert.pem');
    options.key = read('key.pem');
  }
  const Dockerode = loadDockerode();
  return new Dockerode(options);
}

export function engineAddress(env: NodeJS.ProcessEnv = process.env): string {
  return describeTarget(engineTarget(env));
}

/** The address in words, with where its certificates come from. */
export function describeTarget(target: EngineTarget): string {
  return target.tls ? `${target.address} (TLS, certificates from ${target.tls.certPath})` : target.address;
}

/** Whether the engine runs on another machine (its loopback is not this machine's). */
export function engineIsRemote(target: EngineTarget): boolean {
  if (target.address.startsWith('ssh://')) return true;
  if (!target.address.startsWith('tcp://')) return false;
  return !isLoopback(String(target.options.host));
}

/**
 * A warning when `host` is a loopback address that this machine and a remote engine would each
 * read as themselves: checked here, used from the engine's machine. Not an error: a tunnel may
 * make both the same. Pure.
 */
export function loopbackOnTwoMachines(target: EngineTarget, what: string, host: string): string | null {
  const bare = net.isIP(host.replace(/^\[|\]$/g, '')) ? host : host.replace(/:\d+$/, '');
  if (!engineIsRemote(target) || !isLoopback(bare)) return null;
  return `${what} is on a loopback address, but the engine is at ${target.address}: this machine checks it on its own loopback, ` +
    "the engine uses the engine machine's; give an address both machines reach (or make both loopbacks lead to it)";
}

export interface EngineInfo {
  version: string;
  apiVersion: string;
}

const TLS_TROUBLE = /CERT|SELF_SIGNED|SSL|TLS|EPROTO|UNABLE_TO_VERIFY|ALTNAME/i;

/** What to do when the engine does not answer: depends on where it is and how it failed. Pure. */
export function engineHint(target: EngineTarget, why: string): string {
  if (!target.address.startsWith('tcp://')) {
    return target.address === `unix://${DEFAULT_SOCKET}`
      ? 'start one: bash scripts/ensure-engine.sh (as root; installs and starts dockerd), or set DOCKER_HOST'
      : 'start the engine DOCKER_HOST points at, or unset DOCKER_HOST to use the local one';
  }
  if (target.tls && TLS_TROUBLE.test(why)) {
    return `the TLS handshake failed: ca.pem in ${target.tls.certPath} must have signed the engine's certificate, whose names must include the host of DOCKER_HOST, and the engine must accept cert.pem`;
  }
  if (!target.tls && /HTTP request to an HTTPS server|status code 400/i.test(why)) {
    return 'the engine speaks TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem';
  }
  return 'start the engine DOCKER_HOST points at (dockerd -H tcp://...), check that this machine reaches it, or unset DOCKER_HOST to use the local one';
}

/**
 * Asks the engine for its version (its `/_ping`'s headers; `/version` only for an engine that
 * does not say it there); one clear error within `timeoutMs` when nothing answers.
 */
export async function checkEngine(docker: Docker, target: EngineTarget, timeoutMs = 5000): Promise<EngineInfo> {
  let timer: NodeJS.Timeout | undefined;
  const ask = async (): Promise<EngineInfo> => {
    const headers = await pingEngine(docker);
    const version = serverVersion(headers);
    const apiVersion = header(headers, 'api-version');
    if (version && apiVersion) return { version, apiVersion };
    const answer = (await docker.version()) as { Version: string; ApiVersion: string };
    return { version: answer.Version, apiVersion: answer.ApiVersion };
  };
  try {
    return await Promise.race([
      ask(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { statusCode?: number; json?: unknown };
    const why = [err.code, err.statusCode ? `status code ${err.statusCode}` : '', err.code ? '' : err.message]
      .filter(Boolean).join(' ') || String(e);
    throw buildError(`no Docker engine answers at ${describeTarget(target)} (${why.split('\n')[0]})`, engineHint(target, `${why} ${err.message ?? ''}`));
  } finally {
    clearTimeout(timer);
  }
}
