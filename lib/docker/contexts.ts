/**
 * Docker contexts, read the way the docker CLI reads them (dockerode does not): the context NAME
 * lives in $DOCKER_CONFIG/contexts/meta/<sha256 of NAME>/meta.json (`Endpoints.docker.Host`,
 * `SkipTLSVerify`), its TLS files in $DOCKER_CONFIG/contexts/tls/<sha256 of NAME>/docker/
 * (ca.pem, cert.pem, key.pem). `default` is the engine the environment names, as for the CLI.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inputError } from '../errors';
import { quote } from '../text';
import { TLS_FILES } from './engine';

/** What a context says about its Docker endpoint. */
export interface ContextEndpoint {
  host: string;
  /** the folder with ca.pem, cert.pem and key.pem, or null: plain tcp (or a socket) */
  certPath: string | null;
}

/** docker's own rule for context names (cli/context/store) */
export const CONTEXT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$/;

export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
}

/**
 * The context a run without `engines` uses, as the docker CLI picks it: none while DOCKER_HOST is
 * set, else DOCKER_CONTEXT, else `currentContext` in $DOCKER_CONFIG/config.json (a config file
 * that is missing or unreadable names none). `origin` names where it came from, for errors.
 */
export function currentContext(env: NodeJS.ProcessEnv): { name: string; origin: string } | null {
  if ((env.DOCKER_HOST ?? '').trim() !== '') return null;
  const fromEnv = (env.DOCKER_CONTEXT ?? '').trim();
  if (fromEnv !== '') return { name: fromEnv, origin: 'environment variable DOCKER_CONTEXT' };
  const file = path.join(dockerConfigDir(env), 'config.json');
  try {
    const name = (JSON.parse(fs.readFileSync(file, 'utf8')) as { currentContext?: unknown }).currentContext;
    return typeof name === 'string' && name.trim() !== '' ? { name: name.trim(), origin: `currentContext in ${file}` } : null;
  } catch {
    return null;
  }
}

const contextId = (name: string) => createHash('sha256').update(name).digest('hex');

/** The names of the contexts there are, for a hint. */
function knownContexts(configDir: string): string[] {
  const metaDir = path.join(configDir, 'contexts', 'meta');
  let ids: string[];
  try {
    ids = fs.readdirSync(metaDir);
  } catch {
    return [];
  }
  return ids.flatMap((id) => {
    try {
      const name = (JSON.parse(fs.readFileSync(path.join(metaDir, id, 'meta.json'), 'utf8')) as { Name?: unknown }).Name;
      return typeof name === 'string' ? [name] : [];
    } catch {
      return [];
    }
  }).sort();
}

/** The endpoint of context `name`; `what` names the entry in errors (exit 2). */
export function readContext(name: string, what: string, env: NodeJS.ProcessEnv): ContextEndpoint {
  const configDir = dockerConfigDir(env);
  const id = contextId(name);
  const metaFile = path.join(configDir, 'contexts', 'meta', id, 'meta.json');
  let text: string;
  try {
    text = fs.readFileSync(metaFile, 'utf8');
  } catch {
    const known = knownContexts(configDir);
    throw inputError(`${what}: there is no Docker context ${quote(name)} (no ${metaFile})`,
      `${known.length ? `contexts in ${configDir}: ${known.join(', ')}; ` : ''}create it with docker context create ${name} --docker host=tcp://HOST:2376, ` +
      'or give the engine by its address (unix:///PATH, tcp://HOST:PORT)');
  }
  let endpoint: { Host?: unknown; SkipTLSVerify?: unknown } | undefined;
  try {
    endpoint = (JSON.parse(text) as { Endpoints?: { docker?: typeof endpoint } }).Endpoints?.docker;
  } catch (e) {
    throw inputError(`${what}: the Docker context ${quote(name)} has a meta.json that is not JSON (${metaFile}: ${(e as Error).message})`,
      `recreate it: docker context rm ${name} && docker context create ${name} --docker host=...`);
  }
  if (!endpoint || typeof endpoint.Host !== 'string' || endpoint.Host === '') {
    throw inputError(`${what}: the Docker context ${quote(name)} names no Docker endpoint host (${metaFile})`,
      `recreate it with docker context create ${name} --docker host=tcp://HOST:2376`);
  }
  if (endpoint.SkipTLSVerify === true) {
    throw inputError(`${what}: the Docker context ${quote(name)} skips TLS verification, which this pipeline does not do`,
      "give the context the engine's CA certificate (docker context update --docker ca=...,skip-tls-verify=false)");
  }
  return { host: endpoint.Host, certPath: contextTls(name, id, configDir, what) };
}

/** The context's TLS folder when it has one: all three files, or an error naming what is missing. */
function contextTls(name: string, id: string, configDir: string, what: string): string | null {
  const dir = path.join(configDir, 'contexts', 'tls', id, 'docker');
  const present = TLS_FILES.filter((f) => fs.existsSync(path.join(dir, f)));
  if (present.length === 0) return null;
  if (present.length < TLS_FILES.length) {
    throw inputError(`${what}: the Docker context ${quote(name)} has TLS files in ${dir} but no ${TLS_FILES.filter((f) => !present.includes(f)).join(', ')}`,
      `update it with all three: docker context update ${name} --docker ca=...,cert=...,key=...`);
  }
  return dir;
}
