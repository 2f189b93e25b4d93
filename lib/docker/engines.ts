/**
 * The engines a run drives: `engines` in the config or `--engines a,b,c`, each an address
 * (unix:///PATH, tcp://HOST:PORT), an object `{host, certPath}` (TLS with the folder's ca.pem,
 * cert.pem and key.pem, as DOCKER_CERT_PATH gives one engine today) or a Docker context's name.
 * Read before any Docker work: a bad entry is one input error naming it (exit 2).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inputError } from '../errors';
import { quote } from '../text';
import { CONTEXT_NAME, currentContext, readContext } from './contexts';
import { engineTarget, parseEngineHost, TLS_FILES, type EngineTarget } from './engine';

export type EngineEntry = string | { host: string; certPath?: string };

export interface NamedEngine {
  /** as the user named it: the context's name, or the address; in logs, the table and summary.json */
  name: string;
  target: EngineTarget;
}

/** An address with an optional TLS folder; `what` names the entry in errors (the address follows it). */
function targetOf(host: string, certPath: string | null, what: string): EngineTarget {
  const place = parseEngineHost(host.trim(), what);
  if (place.kind !== 'tcp') {
    if (certPath !== null) throw inputError(`${what} ${quote(host)}: TLS certificates go with a tcp:// engine, not ${quote(host)}`, 'remove certPath, or give the engine as tcp://HOST:2376');
    return place.target;
  }
  const port = place.port ?? (certPath ? 2376 : 2375);
  const address = `tcp://${place.hostname}:${port}`;
  const options = { host: place.hostname.replace(/^\[|\]$/g, ''), port, protocol: certPath ? 'https' as const : 'http' as const };
  if (certPath === null) return { address, tls: null, options };
  const missing = TLS_FILES.filter((f) => !fs.existsSync(path.join(certPath, f)));
  if (missing.length > 0) {
    throw inputError(`${what} ${quote(host)}: the TLS folder ${quote(certPath)} has no ${missing.join(', ')}`,
      "put the engine's CA certificate (ca.pem) and this client's certificate and key (cert.pem, key.pem) there");
  }
  return { address, tls: { certPath }, options };
}

/** One entry: `default` (the environment's engine), a context's name, an address, or {host, certPath}. */
function engineOf(entry: EngineEntry, what: string, env: NodeJS.ProcessEnv, resolvePath: (p: string) => string): NamedEngine {
  if (typeof entry !== 'string') {
    return { name: entry.host, target: targetOf(entry.host, entry.certPath === undefined ? null : resolvePath(entry.certPath), what) };
  }
  const name = entry.trim();
  if (name === 'default') return { name, target: engineTarget(env) };
  if (CONTEXT_NAME.test(name)) {
    const endpoint = readContext(name, `${what} ${quote(name)}`, env);
    return { name, target: targetOf(endpoint.host, endpoint.certPath, `${what} ${quote(name)}: the context's host`) };
  }
  return { name, target: targetOf(name, null, what) };
}

/**
 * The engines of the list, checked: each entry readable, no engine twice. null (not given): the
 * one engine of the environment, exactly as without this setting. `where` names the setting.
 */
export function resolveEngines(given: EngineEntry[] | null, where: string, env: NodeJS.ProcessEnv, resolvePath: (p: string) => string): NamedEngine[] | null {
  if (given === null) return null;
  if (given.length === 0) throw inputError(`${where} lists no engine`, 'name at least one, e.g. unix:///var/run/docker.sock, or leave it out for the one engine of DOCKER_HOST');
  const engines = given.map((entry, i) => engineOf(entry, `${where} entry ${i + 1}`, env, resolvePath));
  engines.forEach((e, i) => {
    const first = engines.findIndex((o) => o.target.address === e.target.address);
    if (first !== i) {
      throw inputError(`${where} names the engine ${e.target.address} twice: entry ${first + 1} ${quote(engines[first].name)} and entry ${i + 1} ${quote(e.name)}`,
        'list each engine once: two builds on one engine share its cores and disk, and its images');
    }
  });
  return engines;
}

/**
 * The engines of a run: the list given, else the environment's one engine, chosen as the docker
 * CLI chooses it: DOCKER_HOST, else the context DOCKER_CONTEXT names, else the current context of
 * $DOCKER_CONFIG/config.json, else the socket.
 */
export function runEngines(given: NamedEngine[] | null, env: NodeJS.ProcessEnv = process.env): NamedEngine[] {
  if (given !== null) return given;
  const context = currentContext(env);
  if (context !== null && context.name !== 'default') {
    if (!CONTEXT_NAME.test(context.name)) {
      throw inputError(`${context.origin} ${quote(context.name)} is not a Docker context name`, 'name a context (docker context ls), or set DOCKER_HOST to an address');
    }
    return [engineOf(context.name, context.origin, env, (p) => p)];
  }
  const target = engineTarget(env);
  return [{ name: target.address, target }];
}
