/**
 * Registry credentials, found where Docker users keep them: `--registry-user` with the password in
 * CONTAINER_REGISTRY_PASSWORD, else `$DOCKER_CONFIG/config.json` (default ~/.docker): a
 * `credHelpers` entry for the registry, else the `credsStore`, else the `auths` entry, as the
 * docker CLI decides. Secrets stay in memory: no message here contains one.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inputError } from '../errors';
import { quote } from '../text';

export interface Credentials {
  username?: string;
  password?: string;
  /** an OAuth2 refresh token (docker login against a token server) */
  identitytoken?: string;
  /** where they came from, for messages: 'CONTAINER_REGISTRY_PASSWORD', '/root/.docker/config.json', ... */
  source: string;
}

export interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export const PASSWORD_VARIABLE = 'CONTAINER_REGISTRY_PASSWORD';

export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
}

/** `https://host:5000/v1/` or `host:5000` -> `host:5000`, as the docker CLI matches `auths` keys. */
export function hostOfKey(key: string): string {
  return key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0].toLowerCase();
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** The server address Docker stores a registry's credentials under. */
export function serverAddressFor(host: string): string {
  return DOCKER_HUB.has(host.toLowerCase()) ? 'https://index.docker.io/v1/' : host;
}

export function parseDockerConfig(text: string, file: string): DockerConfigFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw inputError(`${file} is not valid JSON`, 'fix it, or log in again with docker login (DOCKER_CONFIG points at its folder)');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw inputError(`${file} must hold a JSON object`);
  const c = data as DockerConfigFile;
  const isMap = (v: unknown) => v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v));
  if (!isMap(c.auths)) throw inputError(`${file}: "auths" must be an object`);
  if (!isMap(c.credHelpers)) throw inputError(`${file}: "credHelpers" must be an object`);
  if (c.credsStore !== undefined && typeof c.credsStore !== 'string') throw inputError(`${file}: "credsStore" must be a string`);
  return c;
}

/** The credential helper the docker CLI would ask for `host`, or null. */
export function helperFor(config: DockerConfigFile, host: string): { name: string; key: string } | null {
  for (const [key, name] of Object.entries(config.credHelpers ?? {})) {
    if (hostOfKey(key) === host.toLowerCase() && name) return { name, key: `credHelpers[${quote(key)}]` };
  }
  if (config.credsStore) return { name: config.credsStore, key: 'credsStore' };
  return null;
}

/** The `auths` entry for `host`, decoded. */
export function fromAuths(config: DockerConfigFile, host: string, file: string): Credentials | null {
  const wanted = DOCKER_HUB.has(host.toLowerCase()) ? 'index.docker.io' : host.toLowerCase();
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    const h = hostOfKey(key);
    if (h !== wanted && !(wanted === 'index.docker.io' && DOCKER_HUB.has(h))) continue;
    const where = `${file} auths[${quote(key)}]`;
    if (typeof entry !== 'object' || entry === null) throw inputError(`${where} must be an object`);
    if (entry.identitytoken) return { identitytoken: entry.identitytoken, username: entry.username, source: file };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) {
        throw inputError(`${where}.auth is not base64 of "user:password"`, 'log in again with docker login, or fix the entry');
      }
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source: file };
    }
    if (entry.username && entry.password) return { username: entry.username, password: entry.password, source: file };
    // an empty entry: the credentials live in the credsStore (the docker CLI writes these)
  }
  return null;
}

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Asks `docker-credential-<name> get` for `serverAddress` (on stdin, as the docker CLI does).
 * "not found" is no credentials, not an error.
 */
export function fromHelper(name: string, serverAddress: string, where: string, env: NodeJS.ProcessEnv): Promise<Credentials | null> {
  if (!HELPER_NAME.test(name)) {
    return Promise.reject(inputError(`${where} names the credential helper ${quote(name)}, which is not a program name`));
  }
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => {
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      reject(inputError(
        missing ? `the credential helper ${program} (${where}) is not installed` : `the credential helper ${program} (${where}) cannot run: ${(e as Error).message}`,
        missing ? `install it, or remove ${where} from the docker config` : undefined,
      ));
    });
    child.stdin.on('error', () => { /* the helper exited without reading; its exit code tells */ });
    child.stdin.end(`${serverAddress}\n`);
    child.on('close', (code) => {
      if (code !== 0) {
        const said = `${out}\n${err}`;
        if (/not found/i.test(said)) return resolve(null);
        // the helper's own words, first line only: a helper does not print secrets on failure
        const first = said.trim().split('\n')[0]?.slice(0, 200) ?? '';
        return reject(inputError(`the credential helper ${program} (${where}) failed with exit code ${code}${first ? `: ${first}` : ''}`));
      }
      let data: { Username?: string; Secret?: string };
      try {
        data = JSON.parse(out);
      } catch {
        return reject(inputError(`the credential helper ${program} (${where}) did not answer with JSON`));
      }
      if (!data.Secret) return resolve(null);
      // the docker CLI stores identity tokens under the user name "<token>"
      if (data.Username === '<token>') return resolve({ identitytoken: data.Secret, source: program });
      resolve({ username: data.Username, password: data.Secret, source: program });
    });
  });
}

export interface CredentialRequest {
  /** host[:port] of the registry */
  host: string;
  /** --registry-user / CONTAINER_REGISTRY_USER / push.user, and where it came from */
  user: string | null;
  env: NodeJS.ProcessEnv;
}

/** The credentials for one registry, or null when there are none (an open registry). */
export async function resolveCredentials(req: CredentialRequest): Promise<Credentials | null> {
  const password = req.env[PASSWORD_VARIABLE];
  if (req.user !== null) {
    if (!password) {
      throw inputError(
        `a registry user is given (${quote(req.user)}) but ${PASSWORD_VARIABLE} is not set`,
        `set the password in the environment variable ${PASSWORD_VARIABLE} (never in a flag), or log in with docker login and drop the user`,
      );
    }
    return { username: req.user, password, source: PASSWORD_VARIABLE };
  }
  if (password) {
    throw inputError(
      `${PASSWORD_VARIABLE} is set but no registry user is given`,
      'give the user with --registry-user, CONTAINER_REGISTRY_USER or "push": {"user": ...}, or unset the variable',
    );
  }
  const file = path.join(dockerConfigDir(req.env), 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw inputError(`${file} cannot be read (${(e as NodeJS.ErrnoException).code})`, 'fix its permissions, or point DOCKER_CONFIG at another folder');
  }
  const config = parseDockerConfig(text, file);
  const helper = helperFor(config, req.host);
  if (helper) return fromHelper(helper.name, serverAddressFor(req.host), `${helper.key} in ${file}`, req.env);
  return fromAuths(config, req.host, file);
}

/** The engine's X-Registry-Auth payload: `{}` when there are no credentials (some engines require the header). */
export function engineAuth(credentials: Credentials | null, host: string): Record<string, string> {
  if (!credentials) return {};
  const auth: Record<string, string> = { serveraddress: serverAddressFor(host) };
  if (credentials.username) auth.username = credentials.username;
  if (credentials.password) auth.password = credentials.password;
  if (credentials.identitytoken) auth.identitytoken = credentials.identitytoken;
  return auth;
}
