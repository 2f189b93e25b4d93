/**
 * Before any build: the registry answers (`/v2/`) and accepts the credentials. A wrong password
 * or a registry that is down fails in seconds, not after an hour of building.
 */
import * as dns from 'node:dns/promises';
import * as net from 'node:net';
import { isLoopback, type RegistryAddress } from '../config/checks';
import { buildError, inputError, PipelineError } from '../errors';
import type { RegistryLimits } from '../config/types';
import type { Logger } from '../log';
import { quote } from '../text';
import { type Credentials, engineAuth, PASSWORD_VARIABLE, resolveCredentials } from './credentials';
import { CredentialsRejected, LoginRequired, RegistryClient, RegistryHttpError } from './registryApi';
import { errorText, RetriesEnded, withRetries, type Backoff } from './retry';

export interface RegistryTarget {
  address: RegistryAddress;
  client: RegistryClient;
  /** the engine's X-Registry-Auth payload; holds the secret: never log it */
  auth: Record<string, string>;
  /** where the credentials came from, or null for none */
  credentialSource: string | null;
  user: string | null;
}

/** The engine's registry settings (`docker info` RegistryConfig). */
export interface EngineRegistryConfig {
  InsecureRegistryCIDRs?: string[] | null;
  IndexConfigs?: Record<string, { Secure?: boolean }> | null;
}

/** Whether the engine talks plain http to `host` (as it may, for insecure registries). */
export function engineTreatsInsecure(config: EngineRegistryConfig | undefined, host: string, addresses: readonly string[]): boolean {
  const hostname = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (isLoopback(hostname)) return true; // the engine's built-in 127.0.0.0/8
  if (config?.IndexConfigs?.[host]?.Secure === false || config?.IndexConfigs?.[hostname]?.Secure === false) return true;
  const list = new net.BlockList();
  for (const cidr of config?.InsecureRegistryCIDRs ?? []) {
    const [ip, bits] = cidr.split('/');
    const family = net.isIPv6(ip) ? 'ipv6' : 'ipv4';
    if (net.isIP(ip)) list.addSubnet(ip, Number(bits ?? (family === 'ipv6' ? 128 : 32)), family);
  }
  const ips = net.isIP(hostname) ? [hostname] : addresses;
  return ips.some((ip) => list.check(ip, net.isIPv6(ip) ? 'ipv6' : 'ipv4'));
}

export interface ConnectRequest {
  registry: RegistryAddress | null;
  user: string | null;
  env: NodeJS.ProcessEnv;
  retries: number;
  log: Logger;
  signal?: AbortSignal;
  /** the engine's registry settings, to know which registries may be spoken to over http */
  engineRegistryConfig?: () => Promise<EngineRegistryConfig | undefined>;
  backoff?: Backoff;
  /** registryLimits of the config (defaults otherwise) */
  limits?: RegistryLimits;
}

/** https first, as the engine does; plain http only for a registry the engine treats as insecure. */
async function reach(host: string, credentials: Credentials | null, insecure: boolean, bounds: Pick<ConnectRequest, 'limits' | 'signal'>): Promise<RegistryClient> {
  const secure = new RegistryClient({ host, scheme: 'https', credentials, ...bounds });
  try {
    await secure.ping();
    return secure;
  } catch (e) {
    if (!insecure || e instanceof RegistryHttpError || e instanceof CredentialsRejected || e instanceof LoginRequired) throw e;
  }
  const plain = new RegistryClient({ host, scheme: 'http', credentials, ...bounds });
  await plain.ping();
  return plain;
}

export async function connectRegistry(req: ConnectRequest): Promise<RegistryTarget> {
  if (req.registry === null) {
    throw inputError('push needs a registry, and none is given', 'give one with --registry host[:port][/namespace], the environment variable CONTAINER_REGISTRY, or "registry" in the config file');
  }
  const address = req.registry;
  const credentials = await resolveCredentials({ host: address.host, user: req.user, env: req.env });
  const hostname = address.hostname;
  let addresses: string[] = [];
  if (!net.isIP(hostname)) {
    try {
      addresses = (await dns.lookup(hostname, { all: true })).map((a) => a.address);
    } catch {
      /* unresolvable: reach() reports it */
    }
  }
  const insecure = engineTreatsInsecure(await req.engineRegistryConfig?.(), address.host, addresses);
  const who = credentials ? `user ${quote(credentials.username ?? '<token>')} (from ${credentials.source})` : 'no credentials';
  let client: RegistryClient;
  try {
    client = await withRetries(() => reach(address.host, credentials, insecure, { limits: req.limits, signal: req.signal }), {
      retries: req.retries, what: `reaching registry ${address.host}`, log: req.log, signal: req.signal, backoff: req.backoff,
    });
  } catch (e) {
    if (!(e instanceof RetriesEnded)) throw e;
    const last = e.last;
    if (last instanceof PipelineError) throw last;
    if (last instanceof CredentialsRejected) {
      throw inputError(
        `registry ${address.host} refused the credentials of ${who}`,
        credentials?.source === PASSWORD_VARIABLE
          ? `check the user and the password in ${PASSWORD_VARIABLE}`
          : `log in again (docker login ${address.host}, with DOCKER_CONFIG pointing at the same folder), or give --registry-user with ${PASSWORD_VARIABLE}`,
      );
    }
    if (last instanceof LoginRequired) {
      throw inputError(
        `registry ${address.host} requires a login, and no credentials for it were found`,
        `log in with docker login ${address.host} (DOCKER_CONFIG selects the folder), or give --registry-user with the password in ${PASSWORD_VARIABLE}`,
      );
    }
    const after = e.attempts > 1 ? ` after ${e.attempts} attempts` : '';
    throw buildError(
      `registry ${address.host} does not answer at /v2/ (${errorText(last)})${after}`,
      `start the registry, or check --registry / CONTAINER_REGISTRY (host[:port][/namespace])${insecure ? '' : '; a registry without TLS must be listed in the engine\'s insecure-registries'}`,
    );
  }
  req.log.info(`registry ${client.base} answers; ${credentials ? `credentials of ${who} accepted` : 'no credentials needed'}`);
  return { address, client, auth: engineAuth(credentials, address.host), credentialSource: credentials?.source ?? null, user: credentials?.username ?? null };
}
