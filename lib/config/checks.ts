/** Checks of config values that a JSON schema cannot express. Pure; each throws one input error. */
import * as net from 'node:net';
import { inputError } from '../errors';
import { quote } from '../text';

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const NAMESPACE_PART = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** A registry as the config gives it, parsed once: what push, its checks and its warnings use. */
export interface RegistryAddress {
  /** host[:port], as Docker writes it in image references */
  host: string;
  /** the host alone (an IPv6 address without brackets) */
  hostname: string;
  /** null: the default (443, or 80 for a plain-http registry) */
  port: number | null;
  /** '' or 'a/b' */
  namespace: string;
}

/** `host[:port][/namespace]` -> its parts; throws naming `what` when malformed. */
export function parseRegistry(value: string, what: string): RegistryAddress {
  const bad = (why: string) =>
    inputError(`${what} ${quote(value)} ${why}`, 'give host[:port][/namespace], e.g. 127.0.0.1:5000 or registry.example.com/contrail');
  // user:password@host: say so without repeating the value, which holds a secret
  if (value.includes('@')) {
    throw inputError(`${what} holds credentials ("user@" or "user:password@"); a password never goes into a flag or config value`,
      'give the registry as host[:port][/namespace], the user with --registry-user and the password in CONTAINER_REGISTRY_PASSWORD (or log in with docker login)');
  }
  // a query or fragment (?token=...) may hold a secret: named, not repeated
  if (/[?#]/.test(value)) {
    throw inputError(`${what} holds a query or fragment ("?..." or "#..."), which may carry a token; a registry is host[:port][/namespace] alone`,
      'give the registry as host[:port][/namespace]; a token goes to docker login or CONTAINER_REGISTRY_PASSWORD, never into the registry value');
  }
  if (/^[a-z]+:\/\//i.test(value)) throw bad('has a URL scheme; the registry is named without one');
  if (value.endsWith('/')) throw bad('ends with "/"');
  const slash = value.indexOf('/');
  const hostPort = slash === -1 ? value : value.slice(0, slash);
  const namespace = slash === -1 ? '' : value.slice(slash + 1);
  let host = hostPort;
  let port: string | undefined;
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(hostPort);
  if (v6) {
    if (!net.isIPv6(v6[1])) throw bad('has an invalid IPv6 address');
    port = v6[2];
  } else {
    const m = /^([^:]+)(?::([^:]*))?$/.exec(hostPort);
    if (!m) throw bad('is not host[:port] (write IPv6 addresses in brackets)');
    host = m[1];
    port = m[2];
    if (!HOSTNAME.test(host) && !net.isIPv4(host)) throw bad(`has an invalid host name ${quote(host)}`);
  }
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    throw bad(`has an invalid port ${quote(port)} (1 to 65535)`);
  }
  if (namespace && !namespace.split('/').every((p) => NAMESPACE_PART.test(p))) {
    throw bad('has an invalid namespace (lower-case letters, digits, ".", "_" and "-")');
  }
  // Docker reads a first part without ".", ":" or "localhost" as a Docker Hub namespace: the push,
  // and the credentials handed to the engine, would go to Docker Hub, not to this host.
  if (!v6 && port === undefined && !host.includes('.') && host !== 'localhost') {
    throw inputError(`${what} ${quote(value)} names no registry host Docker would recognise: it would read ${quote(host)} as a Docker Hub account and push there`,
      `give the host with its port or its full name, e.g. ${host}:5000${namespace ? `/${namespace}` : ''} or ${host}.example.com${namespace ? `/${namespace}` : ''}`);
  }
  return { host: hostPort, hostname: host.replace(/^\[|\]$/g, ''), port: port === undefined ? null : Number(port), namespace };
}

/** 127.0.0.0/8, ::1 and localhost: the only addresses we serve on without an opt-in. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(h) || /^::ffff:127\./i.test(h);
  return false;
}

/** An IP address (v4 or v6, brackets allowed) or host name. */
export function checkHost(host: string, what: string): void {
  const h = host.replace(/^\[|\]$/g, '');
  if (net.isIP(h) || HOSTNAME.test(h)) return;
  throw inputError(`${what} ${quote(host)} is not an IP address or host name`, 'e.g. 127.0.0.1, ::1 or localhost');
}

/** Paths or http(s) URLs; other schemes are refused early rather than read as odd file names. */
export function checkPathOrUrl(value: string, what: string): 'url' | 'path' {
  if (/^https?:\/\/\S+$/.test(value)) return 'url';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw inputError(`${what} ${quote(value)} uses a scheme we cannot fetch`, 'give a local path or an http(s) URL');
  }
  return 'path';
}

/**
 * The cache registry: the one given (cache.registry, CONTAINER_CACHE_REGISTRY, --cache-registry),
 * else the push registry; "none" turns the cache off. Checked as the push registry is.
 */
export function cacheRegistryOf(given: string | null, pushRegistry: string | null, what: string): string | null {
  if (given === null) return pushRegistry;
  if (given === 'none') return null;
  parseRegistry(given, what);
  return given;
}
