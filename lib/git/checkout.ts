/**
 * Git on the host, through simple-git: list a remote's refs, and check one ref out as shallowly
 * as the server allows. Callers check URLs and refs with lib/git/safety.ts first; these
 * functions throw simple-git's errors, which callers turn into PipelineErrors naming the input.
 *
 * A URL's credentials (https://user:token@host/...) never reach a file: git is given the URL
 * without them, which is what it stores in .git/config and FETCH_HEAD, and the credentials as an
 * Authorization header through the environment (GIT_CONFIG_COUNT/KEY/VALUE), for that one command.
 */
import * as fs from 'node:fs';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { ResolvedRef } from './refs';
import { checkGitUrl } from './safety';

export interface GitOptions {
  signal?: AbortSignal;
  /** kill git after this long without output */
  idleTimeoutMs?: number;
}

/** Certificate settings of the user's environment that git over https may need. */
const PASSED_THROUGH = ['GIT_SSL_CAINFO', 'GIT_SSL_CAPATH'];
/** Variables that make git run other programs; simple-git refuses them, and we do not need them. */
const PROGRAM_VARIABLES = new Set(['EDITOR', 'VISUAL', 'PAGER', 'PREFIX', 'SSH_ASKPASS']);

/** The environment git gets: the user's, without GIT_* settings (but certificates), and no prompts. */
export function gitEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || PROGRAM_VARIABLES.has(k.toUpperCase())) continue;
    if (k.toUpperCase().startsWith('GIT_') && !PASSED_THROUGH.includes(k.toUpperCase())) continue;
    out[k] = v;
  }
  // a private repository fails instead of waiting for a password nobody types
  out.GIT_TERMINAL_PROMPT = '0';
  return out;
}

/**
 * What git is given for `url`: the address without credentials, and the environment that carries
 * them. The URL is checked here too, whoever gave it (the config, a manifest, a record read back
 * from the cache registry): nothing reaches git that a config URL could not be.
 */
export function gitRemote(url: string): { address: string; env: Record<string, string> } {
  checkGitUrl(url, 'git URL');
  if (url.startsWith('/')) return { address: `file://${url}`, env: {} };
  if (!/^https?:\/\//i.test(url)) return { address: url, env: {} };
  const u = new URL(url);
  if (!u.username && !u.password) return { address: url, env: {} };
  const user = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  const basic = Buffer.from(`${user}:${password}`).toString('base64');
  return {
    address: u.href,
    // scoped to this server: a header for one host is not sent to another
    env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: `http.${u.protocol}//${u.host}/.extraHeader`, GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` },
  };
}

export function git(dir: string | undefined, options: GitOptions = {}, credentials: Record<string, string> = {}): SimpleGit {
  const env = { ...gitEnvironment(), ...credentials };
  const g = simpleGit({
    ...(dir ? { baseDir: dir } : {}),
    timeout: { block: options.idleTimeoutMs ?? 120_000 },
    ...(options.signal ? { abort: options.signal } : {}),
    allowEnvironment: Object.keys(env).filter((k) => k.toUpperCase().startsWith('GIT_')),
    // our own GIT_CONFIG_* (the user's are dropped by gitEnvironment): one http header, nothing else
    ...(Object.keys(credentials).length ? { unsafe: { allowUnsafeConfigEnvCount: true } } : {}),
  });
  return g.env(env);
}

/** `git ls-remote` of the whole remote (branches, tags, HEAD). */
export async function lsRemote(url: string, options: GitOptions = {}): Promise<string> {
  const { address, env } = gitRemote(url);
  return git(undefined, options, env).listRemote(['--', address]);
}

export interface Checkout {
  /** full commit id of HEAD */
  commit: string;
  /** committer time of HEAD, seconds since the epoch */
  time: number;
  /** true when the server refused a shallow fetch of an abbreviated id and everything was fetched */
  fullFetch: boolean;
}

export async function headOf(dir: string, options: GitOptions = {}): Promise<{ commit: string; time: number }> {
  const out = (await git(dir, options).raw(['log', '-1', '--format=%H %ct'])).trim();
  const [commit, time] = out.split(' ');
  return { commit, time: Number(time) };
}

/**
 * Checks `ref` of `url` out into `dir` (which must not exist or be empty):
 * a branch or tag by a shallow single-branch clone; a commit id by init + fetch of that id with
 * depth 1, falling back to fetching everything when the server refuses an abbreviated id.
 */
export async function checkoutRef(url: string, ref: ResolvedRef, dir: string, options: GitOptions = {}): Promise<Checkout> {
  fs.mkdirSync(dir, { recursive: true });
  // a plain local path becomes file:// so that `--depth` applies (git copies the whole history of a path)
  const { address, env } = gitRemote(url);
  if (ref.kind === 'branch' || ref.kind === 'tag') {
    await git(undefined, options, env).clone(address, dir, ['--depth', '1', '--branch', ref.name, '--single-branch', '--no-tags']);
    return { ...(await headOf(dir, options)), fullFetch: false };
  }
  if (ref.kind === 'head') {
    await git(undefined, options, env).clone(address, dir, ['--depth', '1', '--single-branch', '--no-tags']);
    return { ...(await headOf(dir, options)), fullFetch: false };
  }
  const g = git(dir, options, env);
  await g.init();
  await g.addRemote('origin', address);
  let fullFetch = false;
  const wanted = ref.commit ?? ref.name;
  try {
    await g.fetch('origin', wanted, ['--depth', '1', '--no-tags']);
    await g.checkout(['--detach', 'FETCH_HEAD']);
  } catch (e) {
    if (wanted.length >= 40) throw e;
    // servers only give out full ids; look the abbreviated one up in the whole history
    fullFetch = true;
    await g.fetch('origin', ['--tags', '+refs/heads/*:refs/remotes/origin/*']);
    // `wanted` is hex (checked by resolveRef), so it cannot be read as an option
    const full = (await g.raw(['rev-parse', '--verify', '--quiet', `${wanted}^{commit}`]).catch(() => '')).trim();
    if (!/^[0-9a-f]{40,64}$/.test(full)) throw new Error(`fatal: no commit ${wanted} in ${url}`);
    await g.checkout(['--detach', full]);
  }
  const head = await headOf(dir, options);
  if (!head.commit.startsWith(ref.name)) throw new Error(`checked out ${head.commit}, not ${ref.name}`);
  return { ...head, fullFetch };
}

/** The last meaningful lines of a git error, for messages. */
export function gitMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !/^hint:/.test(l));
  return lines.slice(-3).join(' / ') || 'git failed';
}
